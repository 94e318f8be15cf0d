package pgimage

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
)

// builderVersion changes the hash of every image when the way images are
// made changes in a way the Dockerfile and file list do not show.
const builderVersion = "pgmoon pgimage 1"

// smallFile is the size up to which a file's content is hashed; bigger
// files count by path, size, mode and modification time (a package upgrade
// changes those), which keeps hashing the whole image well under a second.
const smallFile = 64 << 10

// Directories of the build context besides rootfs/, copied with
// --chown so that they belong to postgres.
const (
	contextHome = "home" // holds postgresql/, copied into /var/lib
	contextRun  = "run"  // holds postgresql/, copied into /var/run
)

// dockerfile returns the image's Dockerfile without its last line, the
// labels (labelLine). It has few instructions: the classic builder commits
// a container for each.
func dockerfile(inst *installation, files *fileSet) string {
	lang := "C"
	if files.hasLocale {
		lang = "C.UTF-8"
	}
	var b strings.Builder
	b.WriteString("# Made by github.com/pgmoon-go/pgmoon/pgtest/internal/pgimage.\n")
	b.WriteString("FROM scratch\n")
	// Configuration first: on FROM scratch these steps are cached from
	// one build to the next.
	fmt.Fprintf(&b, "ENV PG_MAJOR=%s PG_VERSION=%s PATH=%s:/usr/local/bin:/usr/bin:/bin PGDATA=%s/data LANG=%s\n",
		inst.major, inst.version, inst.binDir, serverHome, lang)
	b.WriteString("ENTRYPOINT [\"docker-entrypoint\"]\n")
	b.WriteString("STOPSIGNAL SIGINT\n")
	b.WriteString("EXPOSE 5432\n")
	b.WriteString("CMD [\"postgres\"]\n")
	b.WriteString("COPY rootfs/ /\n")
	// Into existing directories, so that only what is inside changes owner.
	fmt.Fprintf(&b, "COPY --chown=%d:%d %s/ /var/lib/\n", serverUID, serverUID, contextHome)
	fmt.Fprintf(&b, "COPY --chown=%d:%d %s/ /var/run/\n", serverUID, serverUID, contextRun)
	return b.String()
}

// labels returns the image's labels but the hash, which is added once
// known.
func labels(inst *installation) map[string]string {
	return map[string]string{
		LabelImage: "local",
		LabelDescription: fmt.Sprintf("PostgreSQL %s copied from %s on the machine that built it, "+
			"with an entrypoint following the official postgres image's environment variables; "+
			"made by pgmoon pgtest for engines that cannot pull images", inst.version, inst.binDir),
		"org.opencontainers.image.version": inst.version,
	}
}

// labelLine is one LABEL instruction for all labels, with double-quoted
// values. (The build request's labels parameter would cost a step each.)
func labelLine(labels map[string]string) string {
	var b strings.Builder
	b.WriteString("LABEL")
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", " ")
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		fmt.Fprintf(&b, " %s=\"%s\"", k, q.Replace(labels[k]))
	}
	b.WriteString("\n")
	return b.String()
}

// hash returns the hex SHA-256 of what an image is made of: the builder
// version, the Dockerfile and labels, postgres --version, and every file's path,
// type, mode, size, time and link target, with the content of small files
// and of the entrypoint.
func (s *fileSet) hash(dockerfile string, labels map[string]string, version string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", builderVersion, version, dockerfile)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		fmt.Fprintf(h, "%s=%s\n", k, labels[k])
	}
	for _, n := range s.sorted() {
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00%d\x00%s\n", n.path, uint32(n.mode), n.size, n.mtime.UnixNano(), n.link)
		switch {
		case n.data != nil:
			h.Write(n.data)
		case n.src != "" && (n.hashContent || n.size <= smallFile):
			if err := hashFile(h, n.src); err != nil {
				return "", fmt.Errorf("pgimage: hash %s: %w", n.src, err)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// writeContext writes the build context as a tar stream: the Dockerfile,
// the root file system under rootfs/, and the directories that belong to
// postgres.
func writeContext(w io.Writer, s *fileSet, dockerfile string) error {
	tw := tar.NewWriter(w)
	hdr := func(name string, mode fs.FileMode) *tar.Header {
		return &tar.Header{Name: name, Mode: tarMode(mode), ModTime: fixedTime, Typeflag: tar.TypeDir}
	}
	if err := tw.WriteHeader(&tar.Header{
		Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: fixedTime, Typeflag: tar.TypeReg,
	}); err != nil {
		return err
	}
	if _, err := io.WriteString(tw, dockerfile); err != nil {
		return err
	}
	for _, h := range []*tar.Header{
		hdr(contextHome+"/", 0o755),
		hdr(contextHome+"/postgresql/", 0o755),
		hdr(contextRun+"/", 0o755),
		// As the official image: anyone may put a socket there.
		hdr(contextRun+"/postgresql/", 0o777|fs.ModeSetgid|fs.ModeSticky),
		hdr("rootfs/", 0o755),
	} {
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	for _, n := range s.sorted() {
		if err := writeNode(tw, n); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeNode(tw *tar.Writer, n *node) error {
	h := &tar.Header{
		Name:    "rootfs" + n.path,
		Mode:    tarMode(n.mode),
		ModTime: n.mtime.Truncate(1e9),
	}
	switch {
	case n.mode&fs.ModeSymlink != 0:
		h.Typeflag, h.Linkname = tar.TypeSymlink, n.link
		return tw.WriteHeader(h)
	case n.mode.IsDir():
		h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		return tw.WriteHeader(h)
	}
	h.Typeflag, h.Size = tar.TypeReg, n.size
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if n.data != nil {
		_, err := tw.Write(n.data)
		return err
	}
	f, err := os.Open(n.src)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyN(tw, f, n.size); err != nil {
		return fmt.Errorf("copy %s: %w (did it change during the build?)", n.src, err)
	}
	return nil
}

// tarMode converts permission and special bits to a tar header's mode.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}
