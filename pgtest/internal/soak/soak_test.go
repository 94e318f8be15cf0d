package soak

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pgmoon-go/pgmoon"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSoak runs the whole soak for 10 seconds against a server of its own
// and a fault proxy, with fewer workers than the command's default (2
// CPUs, -race), a fault every half second on average, and a 2-second
// transfer deadline (which bounds the black holes and the lock holds).
func TestSoak(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	log := &lineLogger{t: t}
	rep, err := Run(ctx, Options{
		Duration:   10 * time.Second,
		Workers:    8,
		Conns:      4,
		Accounts:   20,
		Seed:       12,
		OpTimeout:  2 * time.Second,
		ChaosEvery: 500 * time.Millisecond,
		Log:        log,
	})
	log.stop()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Log("\n" + out.String())
	if !rep.OK() {
		t.Fatal("a final check failed (summary above)")
	}
	if len(rep.Faults) == 0 {
		t.Error("no fault was injected")
	}
}

// lineLogger passes the soak's progress lines to t.Log while the test
// runs, and drops them once stop is called.
type lineLogger struct {
	t       *testing.T
	mu      sync.Mutex
	stopped bool
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *lineLogger) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

func TestClassify(t *testing.T) {
	fatal := &pgmoon.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}
	canceled := &pgmoon.PgError{Severity: "ERROR", Code: "57014", Message: "canceling statement due to user request"}
	tests := []struct {
		name string
		err  error
		kind string
		ok   bool
	}{
		{"admin shutdown", fmt.Errorf("pgmoon: query: %w", fatal), "*pgmoon.PgError class 57 (operator intervention)", true},
		{"deadline and query_canceled", fmt.Errorf("pgmoon: query: %w (%w)", context.DeadlineExceeded, canceled), kindDeadline, true},
		{"connect refused by a starting server", fmt.Errorf("pgmoon: pool: acquire: %w",
			&pgmoon.ConnectError{Addr: "127.0.0.1:5432", Err: &pgmoon.PgError{Severity: "FATAL", Code: "57P03"}}), kindConnect, true},
		{"connect refused", &pgmoon.ConnectError{Addr: "127.0.0.1:5432", Err: syscall.ECONNREFUSED}, kindConnect, true},
		{"protocol violation", &pgmoon.ProtocolError{Op: "query", Err: errors.New("unexpected DataRow")}, kindProtocol, true},
		{"closed", fmt.Errorf("pgmoon: rollback: %w by an earlier error: x", pgmoon.ErrConnClosed), kindConnClosed, true},
		{"commit rolled back", pgmoon.ErrTxCommitRollback, kindCommitRolled, true},
		{"result unknown", fmt.Errorf("pgmoon: commit: %w (%w)", pgmoon.ErrResultUnknown, io.ErrUnexpectedEOF), kindResultUnknown, true},
		{"result unknown after a deadline", fmt.Errorf("pgmoon: query: %w (%w)", pgmoon.ErrResultUnknown, context.DeadlineExceeded), kindResultUnknown, true},
		{"end of stream", fmt.Errorf("pgmoon: query: %w", io.ErrUnexpectedEOF), kindConnLost, true},
		{"reset", fmt.Errorf("pgmoon: query: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), kindConnLost, true},
		{"deadlock", &pgmoon.PgError{Severity: "ERROR", Code: "40P01"}, "*pgmoon.PgError class 40 (transaction rollback)", true},
		{"duplicate transfer id", &pgmoon.PgError{Severity: "ERROR", Code: "23505"}, "*pgmoon.PgError class 23 (unexpected: 23505)", false},
		{"server saw a protocol violation", &pgmoon.PgError{Severity: "FATAL", Code: "08P01"}, "*pgmoon.PgError class 08 (unexpected: 08P01)", false},
		{"untyped", errors.New("something"), kindUndocumented, false},
		{"busy", fmt.Errorf("pgmoon: query: %w", pgmoon.ErrConnBusy), pgmoon.ErrConnBusy.Error() + " (impossible here)", false},
		{"tx closed", pgmoon.ErrTxClosed, pgmoon.ErrTxClosed.Error() + " (impossible here)", false},
		{"pool closed", pgmoon.ErrPoolClosed, pgmoon.ErrPoolClosed.Error() + " (impossible here)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, ok := classify(tt.err)
			if kind != tt.kind || ok != tt.ok {
				t.Errorf("classify(%v) = %q, %v; want %q, %v", tt.err, kind, ok, tt.kind, tt.ok)
			}
		})
	}
}

func TestCommitOutcome(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want outcome
	}{
		{"success", nil, outcomeCommitted},
		{"failed transaction", pgmoon.ErrTxCommitRollback, outcomeFailed},
		{"error at commit", fmt.Errorf("pgmoon: commit: %w", &pgmoon.PgError{SeverityUnlocalized: "ERROR", Severity: "ERREUR", Code: "40001"}), outcomeFailed},
		{"canceled commit", fmt.Errorf("pgmoon: commit: %w (%w)", context.DeadlineExceeded, &pgmoon.PgError{Severity: "ERROR", Code: "57014"}), outcomeFailed},
		{"refused before it was sent", fmt.Errorf("pgmoon: commit: %w by an earlier error: x", pgmoon.ErrConnClosed), outcomeFailed},
		// What the driver returns when COMMIT was sent and the answer was
		// lost: the cause, and ErrResultUnknown.
		{"FATAL during commit", fmt.Errorf("pgmoon: commit: %w (%w)", pgmoon.ErrResultUnknown, &pgmoon.PgError{Severity: "FATAL", Code: "57P01"}), outcomeUnknown},
		{"lost during commit", fmt.Errorf("pgmoon: commit: %w (%w)", pgmoon.ErrResultUnknown, io.ErrUnexpectedEOF), outcomeUnknown},
		{"deadline during commit", fmt.Errorf("pgmoon: commit: %w (%w: read tcp: i/o timeout)", pgmoon.ErrResultUnknown, context.DeadlineExceeded), outcomeUnknown},
		{"protocol violation during commit", fmt.Errorf("%w (%w)", pgmoon.ErrResultUnknown, &pgmoon.ProtocolError{Op: "commit", Err: &pgmoon.PgError{Severity: "ERROR", Code: "XX000"}}), outcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commitOutcome(tt.err); got != tt.want {
				t.Errorf("commitOutcome(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestCheckBank makes sure the final checks catch what they are for: a
// lost committed transfer, a failed one that is there after all, a stray
// row, and a transfer applied in part.
func TestCheckBank(t *testing.T) {
	const accounts = 3
	t1 := transfer{id: 1, src: 1, dst: 2, amount: 10}
	t2 := transfer{id: 2, src: 2, dst: 3, amount: 5}
	t3 := transfer{id: 3, src: 3, dst: 1, amount: 7}
	// apply returns the state after trs.
	apply := func(trs ...transfer) *bankState {
		st := &bankState{balances: map[int32]int64{1: initialBalance, 2: initialBalance, 3: initialBalance}, transfers: map[int64]transfer{}}
		for _, tr := range trs {
			st.balances[tr.src] -= tr.amount
			st.balances[tr.dst] += tr.amount
			st.transfers[tr.id] = tr
		}
		return st
	}
	tests := []struct {
		name    string
		st      *bankState
		ledgers []ledger
		failing []string // names of the checks that must fail, by prefix
		fate    unknownFate
	}{
		{
			name:    "consistent, one unknown commit there and one not",
			st:      apply(t1, t2),
			ledgers: []ledger{{committed: []transfer{t1}, unknown: []transfer{t2}}, {unknown: []transfer{t3}, failed: []int64{4}}},
			fate:    unknownFate{present: 1, absent: 1},
		},
		{
			name:    "committed transfer lost",
			st:      apply(t1),
			ledgers: []ledger{{committed: []transfer{t1, t2}}},
			failing: []string{"every transfer the client saw commit"},
		},
		{
			name:    "committed transfer different",
			st:      apply(t1, transfer{id: 2, src: 2, dst: 3, amount: 6}),
			ledgers: []ledger{{committed: []transfer{t1, t2}}},
			failing: []string{"every transfer the client saw commit"},
		},
		{
			name:    "failed transfer committed after all",
			st:      apply(t1, t2),
			ledgers: []ledger{{committed: []transfer{t1}, failed: []int64{2}}},
			failing: []string{"no transfer the client saw fail", "every transfer in the table"},
		},
		{
			name:    "stray row",
			st:      apply(t1, t3),
			ledgers: []ledger{{committed: []transfer{t1}}},
			failing: []string{"every transfer in the table"},
		},
		{
			name: "transfer applied in part",
			st: func() *bankState {
				st := apply(t1, t2)
				st.balances[3] -= t2.amount // the credit of t2 is missing
				return st
			}(),
			ledgers: []ledger{{committed: []transfer{t1}, unknown: []transfer{t2}}},
			failing: []string{"sum of balances", "balances = initial"},
			fate:    unknownFate{present: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks, fate := checkBank(tt.st, accounts, tt.ledgers)
			if fate != tt.fate {
				t.Errorf("unknown fate = %+v, want %+v", fate, tt.fate)
			}
			for _, c := range checks {
				wantFail := false
				for _, f := range tt.failing {
					if strings.HasPrefix(c.Name, f) {
						wantFail = true
					}
				}
				if c.OK == wantFail {
					t.Errorf("check %q: OK = %v, want %v (%s)", c.Name, c.OK, !wantFail, c.Detail)
				}
			}
		})
	}
}
