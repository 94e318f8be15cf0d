package pgimage

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Host paths copied besides the installation.
const (
	zoneinfoDir = "/usr/share/zoneinfo" // PostgreSQL built --with-system-tzdata reads it
	localeDir   = "/usr/lib/locale/C.utf8"
	shellPath   = "/bin/sh" // initdb runs the backend through popen()

	// localeProgram is optional: initdb runs "locale -a" to create a
	// collation for each libc locale (C.utf8 here), and warns without it.
	localeProgram = "/usr/bin/locale"
)

// The account postgres runs as in the image, as in the official Debian
// based image.
const (
	serverUID  = 999
	serverHome = "/var/lib/postgresql"
	socketDir  = "/var/run/postgresql"
)

// Files the image gets that are not copied from the host.
var (
	passwdFile = "root:x:0:0:root:/root:/bin/sh\n" +
		fmt.Sprintf("postgres:x:%d:%d:PostgreSQL administrator:%s:/bin/sh\n", serverUID, serverUID, serverHome) +
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	groupFile = "root:x:0:\n" +
		fmt.Sprintf("postgres:x:%d:\n", serverUID) +
		"nogroup:x:65534:\n"
	nsswitchFile = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
)

// fixedTime is the modification time of the files made up here and of the
// entrypoint, so that they do not change the hash from one run to the next.
var fixedTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// node is one file of the image's root file system.
type node struct {
	path  string      // absolute path in the image, the same as on the host for copied files
	mode  fs.FileMode // type and permission bits
	size  int64       // of regular files
	mtime time.Time
	link  string // target of a symbolic link
	src   string // host file with the content of a regular file, or ""
	data  []byte // content of a regular file made up here

	hashContent bool // hash the whole content whatever the size
}

// fileSet is the root file system of the image, keyed by path.
type fileSet struct {
	nodes map[string]*node
	elfs  map[string]bool // host paths of ELF files whose libraries are needed; true: a server module (lib dir)

	hasLocale bool // the C.UTF-8 locale is in
}

func newFileSet() *fileSet {
	return &fileSet{nodes: make(map[string]*node), elfs: make(map[string]bool)}
}

// collect gathers the image's files: the installation, the time zone
// database, the locale, the shell, their libraries, /etc and the
// entrypoint.
func collect(ctx context.Context, inst *installation, entrypoint string, logf func(string, ...any)) (*fileSet, error) {
	s := newFileSet()
	if err := s.addTree(inst.binDir, nil, true, false); err != nil {
		return nil, err
	}
	skipJIT := func(rel string, d fs.DirEntry) bool {
		// LLVM (the JIT provider and the bitcode it inlines) is most of
		// the size; postgres runs without it (jit is then off).
		return strings.HasPrefix(d.Name(), "llvmjit") || rel == "bitcode"
	}
	if err := s.addTree(inst.libDir, skipJIT, true, true); err != nil {
		return nil, err
	}
	if err := s.addTree(inst.shareDir, nil, false, false); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(zoneinfoDir); err == nil && fi.IsDir() {
		if err := s.addTree(zoneinfoDir, nil, false, false); err != nil {
			return nil, err
		}
	} else {
		logf("warning: no %s: time zones work only if this PostgreSQL has its own (built without --with-system-tzdata)", zoneinfoDir)
	}
	if fi, err := os.Stat(localeDir); err == nil && fi.IsDir() {
		if err := s.addTree(localeDir, nil, false, false); err != nil {
			return nil, err
		}
		s.hasLocale = true
	} else {
		logf("warning: no %s: the image uses the C locale (LANG=C)", localeDir)
	}
	if _, err := s.addPath(shellPath, true); err != nil {
		return nil, fmt.Errorf("pgimage: copy %s: %w", shellPath, err)
	}
	if isFile(localeProgram) {
		if _, err := s.addPath(localeProgram, true); err != nil {
			return nil, fmt.Errorf("pgimage: copy %s: %w", localeProgram, err)
		}
	} else {
		logf("warning: no %s: initdb will create no collations from libc locales", localeProgram)
	}
	if err := s.addLibraries(ctx, filepath.Join(inst.binDir, "postgres"), logf); err != nil {
		return nil, err
	}
	if err := s.addMadeUp(entrypoint); err != nil {
		return nil, err
	}
	return s, nil
}

// addMadeUp adds /etc, the directories postgres needs and the entrypoint.
func (s *fileSet) addMadeUp(entrypoint string) error {
	fi, err := os.Stat(entrypoint)
	if err != nil {
		return fmt.Errorf("pgimage: entrypoint: %w", err)
	}
	dirs := []struct {
		path string
		mode fs.FileMode
	}{
		{"/etc", 0o755},
		{"/root", 0o700},
		{"/tmp", 0o777 | fs.ModeSticky},
		{"/usr", 0o755},
		{"/usr/local", 0o755},
		{"/usr/local/bin", 0o755},
		{"/var", 0o755},
		{"/var/lib", 0o755},
		{"/var/run", 0o755},
		{"/docker-entrypoint-initdb.d", 0o755},
		// serverHome and socketDir come from COPY --chown lines, so that
		// they belong to postgres: see dockerfile.
	}
	for _, d := range dirs {
		if err := s.add(&node{path: d.path, mode: fs.ModeDir | d.mode, mtime: fixedTime}); err != nil {
			return err
		}
	}
	for path, content := range map[string]string{
		"/etc/passwd":        passwdFile,
		"/etc/group":         groupFile,
		"/etc/nsswitch.conf": nsswitchFile,
	} {
		if err := s.add(&node{path: path, mode: 0o644, size: int64(len(content)), mtime: fixedTime, data: []byte(content)}); err != nil {
			return err
		}
	}
	// The official image's time zone is UTC; initdb reads it from the
	// /etc/localtime link.
	if n := s.nodes[zoneinfoDir+"/Etc/UTC"]; n != nil {
		if err := s.add(&node{path: "/etc/localtime", mode: fs.ModeSymlink | 0o777, mtime: fixedTime, link: zoneinfoDir + "/Etc/UTC"}); err != nil {
			return err
		}
	}
	return s.add(&node{
		path: "/usr/local/bin/docker-entrypoint", mode: 0o755, size: fi.Size(), mtime: fixedTime,
		src: entrypoint, hashContent: true,
	})
}

// add records n; a second record of the same path must agree on the type.
func (s *fileSet) add(n *node) error {
	if old, ok := s.nodes[n.path]; ok {
		if old.mode.Type() != n.mode.Type() || old.link != n.link {
			return fmt.Errorf("pgimage: %s is both %v and %v", n.path, old.mode.Type(), n.mode.Type())
		}
		return nil
	}
	s.nodes[n.path] = n
	return nil
}

// addHost records a host file, directory or symbolic link at the same
// path in the image; checkELF notes ELF files for addLibraries.
func (s *fileSet) addHost(path string, fi fs.FileInfo, checkELF, module bool) error {
	n := &node{path: path, mode: fi.Mode(), mtime: fi.ModTime()}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return fmt.Errorf("pgimage: %w", err)
		}
		n.link = target
	case fi.IsDir():
	case fi.Mode().IsRegular():
		n.size, n.src = fi.Size(), path
		if checkELF {
			elf, err := isELF(path)
			if err != nil {
				return fmt.Errorf("pgimage: %w", err)
			}
			if elf {
				s.elfs[path] = module
			}
		}
	default:
		return nil // sockets, pipes, devices: nothing to copy
	}
	return s.add(n)
}

// addTree records root and everything under it except what skip (given
// the path relative to root) excludes. Symbolic links inside are copied as
// links; root itself may be reached through links, which are recorded.
func (s *fileSet) addTree(root string, skip func(rel string, d fs.DirEntry) bool, checkELF, module bool) error {
	real, err := s.addPath(root, false)
	if err != nil {
		return fmt.Errorf("pgimage: copy %s: %w", root, err)
	}
	err = filepath.WalkDir(real, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == real {
			return nil
		}
		rel, _ := filepath.Rel(real, path)
		if skip != nil && skip(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return s.addHost(path, fi, checkELF, module)
	})
	if err != nil {
		return fmt.Errorf("pgimage: copy %s: %w", root, err)
	}
	return nil
}

// maxLinks bounds the symbolic links followed for one path, like the
// kernel's ELOOP limit.
const maxLinks = 40

// addPath records the file or directory at the absolute path p (not its
// content, for a directory) and every directory and symbolic link on the
// way, following the links, so that p resolves in the image as on the
// host. It returns the path with the links resolved.
func (s *fileSet) addPath(p string, checkELF bool) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%s: not an absolute path", p)
	}
	for range maxLinks {
		parts := strings.Split(strings.TrimPrefix(filepath.Clean(p), "/"), "/")
		cur := "/"
		redirected := false
		for i, part := range parts {
			if part == "" {
				continue // p is "/"
			}
			next := filepath.Join(cur, part)
			fi, err := os.Lstat(next)
			if err != nil {
				return "", err
			}
			last := i == len(parts)-1
			switch {
			case fi.Mode()&fs.ModeSymlink != 0:
				if err := s.addHost(next, fi, false, false); err != nil {
					return "", err
				}
				target := s.nodes[next].link
				if !filepath.IsAbs(target) {
					target = filepath.Join(cur, target)
				}
				p = filepath.Join(append([]string{target}, parts[i+1:]...)...)
				redirected = true
			case fi.IsDir(), last && fi.Mode().IsRegular():
				if err := s.addHost(next, fi, checkELF && last, false); err != nil {
					return "", err
				}
			default:
				return "", fmt.Errorf("%s: not a directory", next)
			}
			if redirected {
				break
			}
			cur = next
		}
		if !redirected {
			return filepath.Clean(p), nil
		}
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", p)
}

// isELF reports whether the file starts with the ELF magic number.
func isELF(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return false, nil // shorter than a magic number
	}
	return string(magic[:]) == "\x7fELF", nil
}

// addLibraries lists the libraries of every ELF file recorded, as ldd
// does, and records them and the dynamic loader. A library missing for a
// server module is a warning (the module would not load on the host
// either); for anything else it is an error.
func (s *fileSet) addLibraries(ctx context.Context, postgres string, logf func(string, ...any)) error {
	l, err := newLister(postgres)
	if err != nil {
		return err
	}
	elfs := make([]string, 0, len(s.elfs))
	for p := range s.elfs {
		elfs = append(elfs, p)
	}
	slices.Sort(elfs)

	type result struct {
		libs, missing []string
		err           error
	}
	results := make([]result, len(elfs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(len(elfs), 2*runtime.NumCPU(), 16) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := &results[i]
				r.libs, r.missing, r.err = l.list(ctx, elfs[i])
				if r.err != nil {
					cancel()
				}
			}
		}()
	}
	for i := range elfs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	// The first failure cancels the other runs: report it, not theirs.
	var canceled error
	for i, r := range results {
		if r.err == nil {
			continue
		}
		err := fmt.Errorf("pgimage: ldd %s: %w", elfs[i], r.err)
		if !errors.Is(r.err, context.Canceled) {
			return err
		}
		if canceled == nil {
			canceled = err
		}
	}
	if canceled != nil {
		return canceled
	}
	for i, r := range results {
		if len(r.missing) > 0 {
			if !s.elfs[elfs[i]] {
				return fmt.Errorf("pgimage: ldd %s: not found: %s", elfs[i], strings.Join(r.missing, ", "))
			}
			logf("warning: %s needs %s, not found on this machine; it will not load in the image either",
				elfs[i], strings.Join(r.missing, ", "))
		}
		for _, lib := range r.libs {
			if _, err := s.addPath(lib, false); err != nil {
				return fmt.Errorf("pgimage: copy %s (for %s): %w", lib, elfs[i], err)
			}
		}
	}
	return nil
}

// lister lists the shared libraries of ELF files.
//
// ldd is a shell script around the dynamic loader (LD_TRACE_LOADED_OBJECTS);
// starting it takes ~20 ms per file, which for the ~120 files of an
// installation is most of the time Ensure needs to find an image up to
// date. So the lister asks the loader that postgres uses directly
// (ld.so --list, the same output), and falls back to ldd when that fails.
type lister struct {
	ldd    string // path of ldd
	loader string // PT_INTERP of postgres, "" if none
	env    []string
}

func newLister(postgres string) (*lister, error) {
	ldd, err := exec.LookPath("ldd")
	if err != nil {
		return nil, fmt.Errorf("pgimage: ldd, which lists the shared libraries to copy: %w", err)
	}
	l := &lister{ldd: ldd}
	l.loader, err = elfInterpreter(postgres)
	if err != nil {
		return nil, fmt.Errorf("pgimage: read %s: %w", postgres, err)
	}
	// The container has no LD_LIBRARY_PATH: find the libraries it will.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LD_") && !strings.HasPrefix(kv, "LC_ALL=") {
			l.env = append(l.env, kv)
		}
	}
	l.env = append(l.env, "LC_ALL=C")
	return l, nil
}

// elfInterpreter returns the dynamic loader an ELF executable names, or ""
// for a static one.
func elfInterpreter(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
			if err != nil {
				return "", err
			}
			return strings.TrimRight(string(b), "\x00"), nil
		}
	}
	return "", nil
}

// list returns the absolute paths of the libraries (and the loader) that
// path needs, and the names of those not found.
func (l *lister) list(ctx context.Context, path string) (libs, missing []string, err error) {
	ctx, cancel := context.WithTimeout(ctx, lddTimeout)
	defer cancel()
	if l.loader != "" {
		out, err := l.run(ctx, l.loader, "--list", path)
		if err == nil {
			libs, missing = parseLdd(out)
			return libs, missing, nil
		}
		if ctx.Err() != nil {
			return nil, nil, context.Cause(ctx)
		}
	}
	out, err := l.run(ctx, l.ldd, path)
	if strings.Contains(out, "not a dynamic executable") || strings.Contains(out, "statically linked") {
		return nil, nil, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, context.Cause(ctx)
		}
		return nil, nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(out))
	}
	libs, missing = parseLdd(out)
	return libs, missing, nil
}

// run returns the standard output and error of a command.
func (l *lister) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = l.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// parseLdd reads ldd's output: the absolute paths of the libraries and the
// loader, and the names of libraries not found. The vDSO has no file.
//
//	libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f...)
//	/lib64/ld-linux-x86-64.so.2 (0x00007f...)
//	libfoo.so.1 => not found
//	linux-vdso.so.1 (0x00007ffd...)
func parseLdd(out string) (libs, missing []string) {
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		name, target, arrow := strings.Cut(line, "=>")
		if !arrow {
			target = name
		}
		target = strings.TrimSpace(target)
		if arrow && target == "not found" {
			missing = append(missing, strings.TrimSpace(name))
			continue
		}
		if i := strings.Index(target, " ("); i >= 0 {
			target = target[:i]
		}
		if strings.HasPrefix(target, "/") {
			libs = append(libs, target)
		}
	}
	return libs, missing
}

// sorted returns the nodes in path order, which puts directories before
// their contents.
func (s *fileSet) sorted() []*node {
	out := make([]*node, 0, len(s.nodes))
	for _, n := range s.nodes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *node) int { return strings.Compare(a.path, b.path) })
	return out
}

func (s *fileSet) count() int { return len(s.nodes) }

// size is the total size of the regular files.
func (s *fileSet) size() int64 {
	var total int64
	for _, n := range s.nodes {
		total += n.size
	}
	return total
}
