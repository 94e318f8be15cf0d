package leakcheck

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(After(m.Run())) }

// leakyWorker is the function a deliberately leaked goroutine runs; the
// report must name it.
func leakyWorker(stop <-chan struct{}) { <-stop }

func TestAfterReportsLeak(t *testing.T) {
	var out bytes.Buffer
	stderr = &out
	defer func() { stderr = os.Stderr }()

	stop := make(chan struct{})
	go leakyWorker(stop)
	defer close(stop) // ends the leak, so that this binary's own check passes

	if got := after(0, 200*time.Millisecond); got != 1 {
		t.Fatalf("after(0) with a leaked goroutine = %d, want 1", got)
	}
	for _, want := range []string{"FAIL: leakcheck:", "leakyWorker", "created by", "-run"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestAfterKeepsFailureCode(t *testing.T) {
	var out bytes.Buffer
	stderr = &out
	defer func() { stderr = os.Stderr }()

	stop := make(chan struct{})
	go leakyWorker(stop)
	defer close(stop)

	// The tests already failed: no check, the code is kept, nothing printed.
	if got := after(3, 200*time.Millisecond); got != 3 {
		t.Errorf("after(3) = %d, want 3", got)
	}
	if out.Len() != 0 {
		t.Errorf("after(3) printed %q, want nothing", out.String())
	}
}

func TestAfterWaitsForGoroutinesWindingDown(t *testing.T) {
	var out bytes.Buffer
	stderr = &out
	defer func() { stderr = os.Stderr }()

	// A goroutine that ends well within the grace period is not a leak.
	stop := make(chan struct{})
	go leakyWorker(stop)
	time.AfterFunc(time.Second, func() { close(stop) })
	if got := after(0, 30*time.Second); got != 0 {
		t.Errorf("after(0) = %d, want 0; report:\n%s", got, out.String())
	}
}

func TestAfterNoLeak(t *testing.T) {
	if got := after(0, time.Second); got != 0 {
		t.Errorf("after(0) with nothing running = %d, want 0", got)
	}
}
