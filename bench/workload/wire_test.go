package workload

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/pgtest"
)

// TestWireFloor runs the floor's workloads against a real server, with
// the normal read buffer and with one smaller than a message (so that
// roundTrip skips message bodies it cannot hold), and checks that they
// count the rows the server sent.
func TestWireFloor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := Env{DSN: pgtest.Default(t).NewDatabase(t), CopyRows: 100}.WithDefaults()
	if err := Load(ctx, env); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{wireBufSize, 16} {
		old := wireBufSize
		wireBufSize = size
		for name, open := range map[string]func(context.Context, Env) (Runner, error){
			"onerow": openWireOneRow, "rows1000": openWireRows1000, "batch": openWireBatch,
		} {
			r, err := open(ctx, env)
			if err != nil {
				t.Fatalf("%s (buffer %d): %v", name, size, err)
			}
			for i := range 3 {
				if err := r.Op(ctx); err != nil {
					t.Errorf("%s (buffer %d), op %d: %v", name, size, i, err)
				}
			}
			r.Close()
		}
		wireBufSize = old
	}
}

// TestWireFloorError checks that an ErrorResponse fails the op.
func TestWireFloorError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := openWire(ctx, pgtest.Default(t).DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	out, _ := wireBind(nil, "no_such_statement", nil)
	out = wireSync(wireExecute(out))
	if _, err := w.roundTrip(ctx, out); err == nil || !strings.Contains(err.Error(), "ErrorResponse") {
		t.Fatalf("bind to a missing statement: err = %v, want an ErrorResponse", err)
	}
}
