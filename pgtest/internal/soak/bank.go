package soak

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// initialBalance is every account's balance before the first transfer.
const initialBalance = 10_000

// schema is the bank: accounts with a fixed total, and one row per
// transfer, keyed by an id the client chooses so that a transfer whose
// COMMIT went unanswered can be looked up afterwards.
const schema = `
create table accounts (id int primary key, balance bigint not null);
create table transfers (
	id bigint primary key,
	src int not null references accounts,
	dst int not null references accounts,
	amount bigint not null
);
insert into accounts select g, %d from generate_series(1, %d) g;
`

// A transfer moves amount from account src to account dst.
type transfer struct {
	id       int64
	src, dst int32
	amount   int64
}

// A ledger is what one worker knows of the transfers it attempted.
type ledger struct {
	committed []transfer // COMMIT succeeded
	unknown   []transfer // COMMIT sent, answer lost
	failed    []int64    // ids of transfers that surely did not commit
}

// tally counts what the workers and the chaos loop saw. It is safe for
// concurrent use.
type tally struct {
	attempted, committed, failed, unknown atomic.Int64

	mu      sync.Mutex
	errs    map[string]*errCount // by kind
	bad     []string             // undocumented errors and other failures seen while running, first maxBad
	badSeen int
	faults  map[string]int // by kind
	chaos   map[string]int // chaos actions that could not be carried out, by kind
}

// errCount is how often one kind of error was seen, by operation.
type errCount struct {
	documented bool
	n          int
	byOp       map[string]int
	example    string
}

// maxBad bounds how many failures are kept for the summary.
const maxBad = 20

func newTally() *tally {
	return &tally{errs: map[string]*errCount{}, faults: map[string]int{}, chaos: map[string]int{}}
}

// recordErr classifies err, seen in operation op, and counts it.
func (t *tally) recordErr(op string, err error) {
	kind, ok := classify(err)
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.errs[kind]
	if c == nil {
		c = &errCount{documented: ok, byOp: map[string]int{}, example: err.Error()}
		t.errs[kind] = c
	}
	c.n++
	c.byOp[op]++
	if !ok {
		t.badLocked(fmt.Sprintf("%s: %s error (%T): %v", op, kind, err, err))
	}
}

// recordBad notes a failure seen while running.
func (t *tally) recordBad(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.badLocked(fmt.Sprintf(format, args...))
}

func (t *tally) badLocked(s string) {
	t.badSeen++
	if len(t.bad) < maxBad {
		t.bad = append(t.bad, s)
	}
}

// recordFault counts one fault injected.
func (t *tally) recordFault(kind string, n int) {
	t.mu.Lock()
	t.faults[kind] += n
	t.mu.Unlock()
}

// recordChaosErr counts a chaos action that could not be carried out.
func (t *tally) recordChaosErr(kind string) {
	t.mu.Lock()
	t.chaos[kind]++
	t.mu.Unlock()
}

// worker does transfers on the pool until stop is closed.
type worker struct {
	pool      *pgmoon.Pool
	accounts  int
	opTimeout time.Duration
	nextID    *atomic.Int64
	rng       *rand.Rand
	t         *tally
	ledger    ledger
}

// run does transfers until stop is closed or ctx ends. A transfer that
// ends in an error is followed by a short pause, so that a server that is
// down is not hammered with connection attempts.
func (w *worker) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if !w.transfer(ctx) {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(10+w.rng.IntN(40)) * time.Millisecond):
			}
		}
	}
}

// transfer does one transfer in a transaction, under its own deadline, and
// records its outcome. It reports whether it committed.
func (w *worker) transfer(parent context.Context) bool {
	tr := transfer{
		id:     w.nextID.Add(1),
		src:    int32(1 + w.rng.IntN(w.accounts)),
		amount: int64(1 + w.rng.IntN(100)),
	}
	tr.dst = int32(1 + w.rng.IntN(w.accounts-1))
	if tr.dst >= tr.src {
		tr.dst++
	}
	w.t.attempted.Add(1)
	ctx, cancel := context.WithTimeout(parent, w.opTimeout)
	defer cancel()

	op, err := w.debitCredit(ctx, tr)
	switch {
	case op == "commit":
		switch commitOutcome(err) {
		case outcomeCommitted:
			w.ledger.committed = append(w.ledger.committed, tr)
			w.t.committed.Add(1)
			return true
		case outcomeUnknown:
			w.ledger.unknown = append(w.ledger.unknown, tr)
			w.t.unknown.Add(1)
		default:
			w.ledger.failed = append(w.ledger.failed, tr.id)
			w.t.failed.Add(1)
		}
	default:
		// COMMIT was never sent: the server rolls the transaction back,
		// whatever became of the connection.
		w.ledger.failed = append(w.ledger.failed, tr.id)
		w.t.failed.Add(1)
	}
	w.t.recordErr(op, err)
	return false
}

// debitCredit runs the transfer's transaction: the two accounts are
// updated in id order (so two transfers between the same accounts never
// deadlock), then the transfer is recorded, then COMMIT. It returns the
// operation that failed ("commit" also when COMMIT succeeded) and its
// error.
func (w *worker) debitCredit(ctx context.Context, tr transfer) (op string, err error) {
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return "begin", err
	}
	defer func() {
		if op == "commit" {
			return
		}
		// A fresh deadline: the transfer's may be what failed it. An
		// error here (the connection is lost already) is counted too.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if rerr := tx.Rollback(rctx); rerr != nil && !errors.Is(rerr, pgmoon.ErrTxClosed) {
			w.t.recordErr("rollback", rerr)
		}
	}()
	first, second := tr.src, tr.dst
	firstDelta, secondDelta := -tr.amount, tr.amount
	if first > second {
		first, second = second, first
		firstDelta, secondDelta = secondDelta, firstDelta
	}
	for _, u := range [2]struct {
		id    int32
		delta int64
	}{{first, firstDelta}, {second, secondDelta}} {
		tag, err := tx.Exec(ctx, "update accounts set balance = balance + $1 where id = $2", u.delta, u.id)
		if err != nil {
			return "update", err
		}
		if n := tag.RowsAffected(); n != 1 {
			// Not a driver error: classify counts it as undocumented.
			return "update", fmt.Errorf("transfer %d: update of account %d touched %d rows (tag %q)", tr.id, u.id, n, tag.String())
		}
	}
	if _, err := tx.Exec(ctx, "insert into transfers (id, src, dst, amount) values ($1, $2, $3, $4)",
		tr.id, tr.src, tr.dst, tr.amount); err != nil {
		return "insert", err
	}
	return "commit", tx.Commit(ctx)
}
