package pgmoon_test

import (
	"errors"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// Conn.Ping works in every transaction state.
func TestConnPing(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	if err := conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "begin")
	if _, err := conn.Exec(ctx, "select 1/0"); err == nil {
		t.Fatal("1/0: no error")
	}
	if err := conn.Ping(ctx); err != nil || conn.TxStatus() != 'E' {
		t.Fatalf("Ping in a failed transaction: %v (status %q)", err, conn.TxStatus())
	}
	mustExec(t, conn, "rollback")
	conn.Close(ctx)
	if err := conn.Ping(ctx); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("Ping after Close: %v", err)
	}
}
