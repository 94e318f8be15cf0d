package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/internal/leakcheck"
)

// The example starts and stops its own server; no goroutine may outlive it
// (see internal/leakcheck).
func TestMain(m *testing.M) { os.Exit(leakcheck.After(m.Run())) }

// This example prints results the way psql does; this test keeps it working.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, &out, "select 'hello' as greeting, null as nothing; create temp table t(i int)", false)
	if err != nil {
		t.Fatal(err)
	}
	want := " greeting | nothing\n----------+---------\n hello    |        \n(1 row)\n\nCREATE TABLE\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%q\nwant:\n%q", got, want)
	}
	err = run(ctx, &out, "select 1/0", false)
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("error = %v", err)
	}
}
