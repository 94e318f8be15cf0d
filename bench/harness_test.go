package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/bench/harness"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// TestBenchrunQuick runs the benchrun command's logic in -quick mode on two
// workloads, in both CPU modes, and checks that the markdown and the SVG
// are written and well formed. It asserts nothing about speed.
func TestBenchrunQuick(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	dir := t.TempDir()
	md, svg := filepath.Join(dir, "results.md"), filepath.Join(dir, "ratios.svg")
	var stdout, stderr bytes.Buffer
	code := harness.Main(t.Context(), []string{
		"-quick", "-dsn", dsn, "-workloads", "onerow/cached,rows1000/sql",
		"-cpu-mode", "both", "-out", md, "-svg", svg,
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("benchrun exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	t.Logf("stdout:\n%s", stdout.String())

	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"| workload | driver | median ops/s | spread | ratio vs pgx | allocs/op | B/op |",
		"## same-core", "## cross-core", "- Go: go", "- PostgreSQL: PostgreSQL",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("results.md lacks %q:\n%s", want, text)
		}
	}
	for _, row := range []string{
		"| onerow/cached | pgmoon |", "| onerow/cached | pgx |", "| onerow/cached | floor/wire |",
		"| rows1000/sql | pgmoon/sql |", "| rows1000/sql | pgx/stdlib |", "| rows1000/sql | lib/pq |",
	} {
		if n := strings.Count(text, row); n != 2 { // one per CPU mode
			t.Errorf("results.md has %d rows starting %q, want 2", n, row)
		}
	}

	f, err := os.Open(svg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("ratios.svg is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("ratios.svg root element %q, want svg", root)
	}
}
