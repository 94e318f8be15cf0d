package pgimage

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseLdd(t *testing.T) {
	out := "\tlinux-vdso.so.1 (0x00007ffd4a1f2000)\n" +
		"\tlibzstd.so.1 => /lib/x86_64-linux-gnu/libzstd.so.1 (0x00007fb58052b000)\n" +
		"\tlibfoo.so.3 => not found\n" +
		"\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fb57ea20000)\n" +
		"\t/lib64/ld-linux-x86-64.so.2 (0x00007fb5805fa000)\n"
	libs, missing := parseLdd(out)
	wantLibs := []string{"/lib/x86_64-linux-gnu/libzstd.so.1", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"}
	if diff := cmp.Diff(wantLibs, libs); diff != "" {
		t.Errorf("libraries (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"libfoo.so.3"}, missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

func TestLabelLine(t *testing.T) {
	got := labelLine(map[string]string{"b": `say "hi" \o/`, "a": "x\ny"})
	want := `LABEL a="x y" b="say \"hi\" \\o/"` + "\n"
	if got != want {
		t.Errorf("labelLine = %q, want %q", got, want)
	}
}

func TestTarMode(t *testing.T) {
	for m, want := range map[fs.FileMode]int64{
		0o755:                                 0o755,
		fs.ModeDir | 0o777 | fs.ModeSticky:    0o1777,
		0o777 | fs.ModeSetgid | fs.ModeSticky: 0o3777,
		0o4755 | fs.ModeSetuid:                0o4755,
	} {
		if got := tarMode(m); got != want {
			t.Errorf("tarMode(%v) = %o, want %o", m, got, want)
		}
	}
}

// tree makes files and links under a temporary directory: "name" ->
// content; "name@" -> link target.
func tree(t *testing.T, entries map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, v := range entries {
		link := strings.HasSuffix(name, "@")
		path := filepath.Join(root, strings.TrimSuffix(name, "@"))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if link {
			err = os.Symlink(v, path)
		} else {
			err = os.WriteFile(path, []byte(v), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// The temporary directory itself may sit behind links (macOS /var).
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// types lists the file set's paths under root with a letter for the type
// and the link target.
func types(s *fileSet, root string) map[string]string {
	out := make(map[string]string)
	for p, n := range s.nodes {
		rel, ok := strings.CutPrefix(p, root)
		if !ok {
			continue
		}
		switch {
		case n.mode&fs.ModeSymlink != 0:
			out[rel] = "l " + n.link
		case n.mode.IsDir():
			out[rel] = "d"
		default:
			out[rel] = "f"
		}
	}
	return out
}

// addPath records every link on the way, relative or absolute, in the
// middle of the path or at its end, like /lib -> usr/lib and
// libz.so.1 -> libz.so.1.3.
func TestAddPathFollowsLinks(t *testing.T) {
	root := tree(t, map[string]string{
		"usr/lib/libz.so.1.3":  "z",
		"usr/lib/libz.so.1@":   "libz.so.1.3",
		"lib@":                 "usr/lib",
		"lib64/ld.so@":         "../lib/ld-real.so",
		"usr/lib/ld-real.so":   "ld",
		"usr/bin/dash":         "sh",
		"bin/sh@":              "../usr/bin/dash",
		"unrelated/file":       "x",
		"usr/lib/abs-link.so@": "ABS/usr/lib/libz.so.1.3",
		"usr/lib/loop1@":       "loop2",
		"usr/lib/loop2@":       "loop1",
		"usr/lib/not-a-dir":    "x",
	})
	// An absolute link needs the real root in its target.
	abs := filepath.Join(root, "usr/lib/abs-link.so")
	os.Remove(abs)
	if err := os.Symlink(filepath.Join(root, "usr/lib/libz.so.1.3"), abs); err != nil {
		t.Fatal(err)
	}

	s := newFileSet()
	for _, p := range []string{"lib/libz.so.1", "lib64/ld.so", "bin/sh", "usr/lib/abs-link.so"} {
		if _, err := s.addPath(filepath.Join(root, p), false); err != nil {
			t.Fatalf("addPath(%s): %v", p, err)
		}
	}
	want := map[string]string{
		"":                     "d",
		"/lib":                 "l usr/lib",
		"/usr":                 "d",
		"/usr/lib":             "d",
		"/usr/lib/libz.so.1":   "l libz.so.1.3",
		"/usr/lib/libz.so.1.3": "f",
		"/lib64":               "d",
		"/lib64/ld.so":         "l ../lib/ld-real.so",
		"/usr/lib/ld-real.so":  "f",
		"/bin":                 "d",
		"/bin/sh":              "l ../usr/bin/dash",
		"/usr/bin":             "d",
		"/usr/bin/dash":        "f",
		"/usr/lib/abs-link.so": "l " + filepath.Join(root, "usr/lib/libz.so.1.3"),
	}
	if diff := cmp.Diff(want, types(s, root)); diff != "" {
		t.Errorf("file set (-want +got):\n%s", diff)
	}

	for _, p := range []string{"usr/lib/loop1", "usr/lib/not-a-dir/x", "usr/lib/missing"} {
		if _, err := s.addPath(filepath.Join(root, p), false); err == nil {
			t.Errorf("addPath(%s): no error", p)
		}
	}
	if _, err := s.addPath("relative/path", false); err == nil {
		t.Error("addPath(relative/path): no error")
	}
}

func TestAddTreeSkipsAndKeepsLinks(t *testing.T) {
	root := tree(t, map[string]string{
		"lib/plpgsql.so":               "\x7fELF module",
		"lib/llvmjit.so":               "\x7fELF jit",
		"lib/llvmjit_types.bc":         "bc",
		"lib/bitcode/postgres/x.bc":    "bc",
		"lib/pgxs/src/Makefile.global": "make",
		"lib/pgxs/src/link@":           "Makefile.global",
	})
	s := newFileSet()
	skip := func(rel string, d fs.DirEntry) bool {
		return strings.HasPrefix(d.Name(), "llvmjit") || rel == "bitcode"
	}
	if err := s.addTree(filepath.Join(root, "lib"), skip, true, true); err != nil {
		t.Fatal(err)
	}
	got := types(s, root+"/lib")
	want := map[string]string{
		"":                          "d",
		"/plpgsql.so":               "f",
		"/pgxs":                     "d",
		"/pgxs/src":                 "d",
		"/pgxs/src/Makefile.global": "f",
		"/pgxs/src/link":            "l Makefile.global",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("file set (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]bool{filepath.Join(root, "lib/plpgsql.so"): true}, s.elfs); diff != "" {
		t.Errorf("ELF files (-want +got):\n%s", diff)
	}
}

func TestWriteContext(t *testing.T) {
	root := tree(t, map[string]string{"usr/lib/libz.so.1.3": "zzz", "usr/lib/libz.so.1@": "libz.so.1.3"})
	s := newFileSet()
	if _, err := s.addPath(filepath.Join(root, "usr/lib/libz.so.1"), false); err != nil {
		t.Fatal(err)
	}
	ep := filepath.Join(t.TempDir(), "docker-entrypoint")
	if err := os.WriteFile(ep, []byte("entrypoint"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s.addMadeUp(ep); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeContext(&buf, s, "FROM scratch\n"); err != nil {
		t.Fatal(err)
	}

	type entry struct {
		typ     byte
		mode    int64
		content string
	}
	got := make(map[string]entry)
	tr := tar.NewReader(&buf)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		content := string(b)
		if h.Typeflag == tar.TypeSymlink {
			content = h.Linkname
		}
		got[h.Name] = entry{h.Typeflag, h.Mode, content}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: owner %d:%d, want 0:0", h.Name, h.Uid, h.Gid)
		}
	}
	for name, want := range map[string]entry{
		"Dockerfile":                             {tar.TypeReg, 0o644, "FROM scratch\n"},
		"home/postgresql/":                       {tar.TypeDir, 0o755, ""},
		"run/postgresql/":                        {tar.TypeDir, 0o3777, ""},
		"rootfs/tmp/":                            {tar.TypeDir, 0o1777, ""},
		"rootfs/root/":                           {tar.TypeDir, 0o700, ""},
		"rootfs/etc/passwd":                      {tar.TypeReg, 0o644, passwdFile},
		"rootfs/etc/group":                       {tar.TypeReg, 0o644, groupFile},
		"rootfs/etc/nsswitch.conf":               {tar.TypeReg, 0o644, nsswitchFile},
		"rootfs/usr/local/bin/docker-entrypoint": {tar.TypeReg, 0o755, "entrypoint"},
		"rootfs/docker-entrypoint-initdb.d/":     {tar.TypeDir, 0o755, ""},
		"rootfs" + root + "/usr/lib/libz.so.1":   {tar.TypeSymlink, 0o777, "libz.so.1.3"},
		"rootfs" + root + "/usr/lib/libz.so.1.3": {tar.TypeReg, 0o644, "zzz"},
	} {
		if g, ok := got[name]; !ok {
			t.Errorf("%s missing from the context", name)
		} else if g != want {
			t.Errorf("%s: got %+v, want %+v", name, g, want)
		}
	}
	// Parents come before their contents.
	seen := make(map[string]bool)
	for _, n := range names {
		if parent := filepath.Dir(strings.TrimSuffix(n, "/")) + "/"; parent != "./" && !seen[parent] {
			t.Errorf("%s comes before its directory %s", n, parent)
		}
		seen[n] = true
	}
	if !strings.Contains(passwdFile, "postgres:x:999:999:") || !strings.Contains(passwdFile, ":/var/lib/postgresql:/bin/sh") {
		t.Errorf("passwd has no postgres 999:999 with home /var/lib/postgresql: %q", passwdFile)
	}
}

func TestHash(t *testing.T) {
	root := tree(t, map[string]string{"share/small.sql": "select 1", "share/big.bin": strings.Repeat("x", smallFile+1)})
	hash := func() string {
		t.Helper()
		s := newFileSet()
		if err := s.addTree(filepath.Join(root, "share"), nil, false, false); err != nil {
			t.Fatal(err)
		}
		h, err := s.hash("FROM scratch\n", map[string]string{"a": "b"}, "postgres (PostgreSQL) 15.4")
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h1 := hash()
	if h2 := hash(); h2 != h1 {
		t.Fatalf("hash changed without a change: %s, %s", h1, h2)
	}
	// Same size and time, other content: only small files are read.
	small := filepath.Join(root, "share/small.sql")
	fi, _ := os.Stat(small)
	if err := os.WriteFile(small, []byte("select 2"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(small, fi.ModTime(), fi.ModTime())
	h3 := hash()
	if h3 == h1 {
		t.Error("hash did not change with a small file's content")
	}
	big := filepath.Join(root, "share/big.bin")
	os.Chtimes(big, time.Now(), time.Now().Add(time.Hour))
	if h4 := hash(); h4 == h3 {
		t.Error("hash did not change with a big file's time")
	}
}

// FuzzParseLdd checks that parseLdd never panics and returns only absolute
// paths, each taken from the output.
func FuzzParseLdd(f *testing.F) {
	f.Add("\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f00)\n\t/lib64/ld-linux-x86-64.so.2 (0x1)\n\tlibfoo.so.1 => not found\n\tlinux-vdso.so.1 (0x2)\n")
	f.Add("=> (\n=>\n/ (")
	f.Fuzz(func(t *testing.T, out string) {
		libs, missing := parseLdd(out)
		for _, l := range libs {
			if !strings.HasPrefix(l, "/") || !strings.Contains(out, l) {
				t.Errorf("parseLdd(%q): library %q", out, l)
			}
		}
		for _, m := range missing {
			if !strings.Contains(out, m) {
				t.Errorf("parseLdd(%q): missing %q", out, m)
			}
		}
	})
}
