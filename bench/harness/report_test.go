package harness

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func sampleReport() *Report {
	rs := []Result{
		{Workload: "onerow/cached", Driver: "pgmoon", Samples: 3, OpsPerSec: 1500, AllocsPerOp: 7, BytesPerOp: 400},
		{Workload: "onerow/cached", Driver: "pgx", Baseline: true, Samples: 3, OpsPerSec: 1000, AllocsPerOp: 13, BytesPerOp: 752},
		{Workload: "onerow/cached", Driver: "libpq/pgbench -M prepared", Samples: 1, OpsPerSec: 2000, AllocsPerOp: -1, BytesPerOp: -1, LatencyMs: 0.5},
		{Workload: "rows1000/sql", Driver: "lib/pq", Samples: 3, OpsPerSec: 50, AllocsPerOp: 6000, BytesPerOp: 1e5, PerOp: 1000},
		{Workload: "rows1000/sql", Driver: "pgx/stdlib", Baseline: true, Samples: 3, OpsPerSec: 100, AllocsPerOp: 5000, BytesPerOp: 8e4, PerOp: 1000},
		{Workload: "connect/scram", Driver: "pgmoon", Err: "skipped: <no server>"},
	}
	computeRatios(rs)
	return &Report{
		Command: "benchrun -quick", Rounds: 1, Duration: 200 * time.Millisecond,
		Machine: Machine{Uname: "Linux x", CPU: "A & B <cpu>", Go: "go1.x", Postgres: "PostgreSQL 15", Date: "now", NumCPU: 2},
		Modes:   []ModeReport{{Mode: "same-core", Note: "pinned", Results: rs}},
	}
}

func TestComputeRatios(t *testing.T) {
	rep := sampleReport()
	want := map[string]float64{
		"onerow/cached pgmoon": 1.5, "onerow/cached pgx": 1, "onerow/cached libpq/pgbench -M prepared": 2,
		"rows1000/sql lib/pq": 0.5, "rows1000/sql pgx/stdlib": 1, "connect/scram pgmoon": 0,
	}
	for _, r := range rep.Modes[0].Results {
		if w := want[r.Workload+" "+r.Driver]; r.Ratio != w {
			t.Errorf("%s %s: ratio %v, want %v", r.Workload, r.Driver, r.Ratio, w)
		}
	}
}

func TestWriteMarkdownAndText(t *testing.T) {
	rep := sampleReport()
	var md, txt bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| onerow/cached | pgmoon | 1500 | 0% | 1.50 | 7.0 | 400 |",
		"| rows1000/sql | lib/pq | 50 | 0% | 0.50 | 6000.0 | 100000 | 50000 | 6.000 |",
		"| connect/scram | pgmoon | — |",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if !strings.Contains(txt.String(), "1.00 (base)") {
		t.Errorf("text lacks the baseline:\n%s", txt.String())
	}
}

func TestWriteSVGWellFormed(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&buf)
	bars := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "title" {
			bars++ // one <title> per bar
		}
	}
	if bars != 3 { // pgmoon, pgbench, lib/pq: not the baselines, not the skipped
		t.Errorf("%d bars, want 3", bars)
	}
}
