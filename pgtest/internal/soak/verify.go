package soak

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// A Check is one of the final checks and its result.
type Check struct {
	Name   string // what must hold
	OK     bool
	Detail string // figures, or what went wrong
}

// How long the final checks wait for the server (it may be in crash
// recovery after a SIGKILL) and for the soak's sessions to end.
const (
	verifyConnectWait = 90 * time.Second
	sessionsGoneWait  = 30 * time.Second
)

// connectRetrying connects to cfg, retrying while the server is down or
// starting up, until ctx ends.
func connectRetrying(ctx context.Context, cfg *pgmoon.Config) (*pgmoon.Conn, error) {
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err := pgmoon.Connect(cctx, cfg)
		cancel()
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last attempt: %v)", context.Cause(ctx), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitSessionsGone waits until no session but conn's is connected to the
// soak's database, so that no COMMIT still on its way (through the proxy's
// buffers, say) can land after the checks read the tables. Sessions still
// there after sessionsGoneWait are terminated, and waited for.
func waitSessionsGone(ctx context.Context, conn *pgmoon.Conn) error {
	const count = `select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`
	deadline := time.Now().Add(sessionsGoneWait)
	terminated := false
	for {
		var n int64
		if err := conn.QueryRow(ctx, count).Scan(&n); err != nil {
			return fmt.Errorf("count the soak's sessions: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if terminated {
				return fmt.Errorf("%d sessions still connected %v after being terminated", n, sessionsGoneWait)
			}
			// pg_terminate_backend lets a COMMIT under way finish: a
			// backend acts on it between commands.
			if _, err := conn.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity
				where datname = current_database() and pid <> pg_backend_pid()`); err != nil {
				return fmt.Errorf("terminate the soak's last sessions: %w", err)
			}
			terminated = true
			deadline = time.Now().Add(sessionsGoneWait)
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// bankState is the database's side of the story.
type bankState struct {
	balances  map[int32]int64
	transfers map[int64]transfer
}

// readBank reads both tables in one snapshot.
func readBank(ctx context.Context, conn *pgmoon.Conn) (*bankState, error) {
	st := &bankState{balances: map[int32]int64{}, transfers: map[int64]transfer{}}
	err := pgmoon.BeginTxFunc(ctx, conn, pgmoon.TxOptions{IsoLevel: pgmoon.RepeatableRead, AccessMode: pgmoon.ReadOnly},
		func(tx *pgmoon.Tx) error {
			rows, err := tx.Query(ctx, "select id, balance from accounts")
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int32
				var b int64
				if err := rows.Scan(&id, &b); err != nil {
					rows.Close()
					return err
				}
				st.balances[id] = b
			}
			if err := rows.Err(); err != nil {
				return err
			}
			rows, err = tx.Query(ctx, "select id, src, dst, amount from transfers")
			if err != nil {
				return err
			}
			for rows.Next() {
				var tr transfer
				if err := rows.Scan(&tr.id, &tr.src, &tr.dst, &tr.amount); err != nil {
					rows.Close()
					return err
				}
				st.transfers[tr.id] = tr
			}
			return rows.Err()
		})
	if err != nil {
		return nil, fmt.Errorf("read the bank's tables: %w", err)
	}
	return st, nil
}

// unknownFate counts how the transfers whose COMMIT went unanswered
// ended.
type unknownFate struct{ present, absent int }

// checkBank compares the tables with what the clients saw.
func checkBank(st *bankState, accounts int, ledgers []ledger) ([]Check, unknownFate) {
	var checks []Check
	var fate unknownFate

	var sum int64
	for _, b := range st.balances {
		sum += b
	}
	want := int64(accounts) * initialBalance
	checks = append(checks, Check{
		Name:   "sum of balances unchanged",
		OK:     sum == want && len(st.balances) == accounts,
		Detail: fmt.Sprintf("%d accounts, sum %d, want %d", len(st.balances), sum, want),
	})

	attempted := map[int64]transfer{} // committed or unknown: may be in the table
	var missing, differs, failedThere []string
	committed := 0
	for _, l := range ledgers {
		for _, tr := range l.committed {
			committed++
			attempted[tr.id] = tr
			got, ok := st.transfers[tr.id]
			switch {
			case !ok:
				missing = append(missing, fmt.Sprint(tr.id))
			case got != tr:
				differs = append(differs, fmt.Sprintf("%d: table has %+v, client sent %+v", tr.id, got, tr))
			}
		}
		for _, tr := range l.unknown {
			attempted[tr.id] = tr
			got, ok := st.transfers[tr.id]
			switch {
			case !ok:
				fate.absent++
			case got != tr:
				differs = append(differs, fmt.Sprintf("%d: table has %+v, client sent %+v", tr.id, got, tr))
			default:
				fate.present++
			}
		}
		for _, id := range l.failed {
			if _, ok := st.transfers[id]; ok {
				failedThere = append(failedThere, fmt.Sprint(id))
			}
		}
	}
	checks = append(checks, Check{
		Name:   "every transfer the client saw commit is in the table, as sent",
		OK:     len(missing) == 0 && len(differs) == 0,
		Detail: fmt.Sprintf("%d committed; missing %d%s; different %d%s", committed, len(missing), firstFew(missing), len(differs), firstFew(differs)),
	})
	checks = append(checks, Check{
		Name:   "no transfer the client saw fail is in the table",
		OK:     len(failedThere) == 0,
		Detail: fmt.Sprintf("%d found%s", len(failedThere), firstFew(failedThere)),
	})
	var stray []string
	for id := range st.transfers {
		if _, ok := attempted[id]; !ok {
			stray = append(stray, fmt.Sprint(id))
		}
	}
	checks = append(checks, Check{
		Name:   "every transfer in the table was committed or left unknown by the client",
		OK:     len(stray) == 0,
		Detail: fmt.Sprintf("%d rows, %d stray%s", len(st.transfers), len(stray), firstFew(stray)),
	})

	// The balances must be the initial ones plus exactly the transfers in
	// the table: a transfer whose COMMIT went unanswered is either all
	// there (both updates and its row) or not at all.
	expect := make(map[int32]int64, accounts)
	for id := int32(1); id <= int32(accounts); id++ {
		expect[id] = initialBalance
	}
	for _, tr := range st.transfers {
		expect[tr.src] -= tr.amount
		expect[tr.dst] += tr.amount
	}
	var wrong []string
	for id := int32(1); id <= int32(accounts); id++ {
		if got, ok := st.balances[id]; !ok || got != expect[id] {
			wrong = append(wrong, fmt.Sprintf("account %d: balance %d, transfers in the table make it %d", id, got, expect[id]))
		}
	}
	checks = append(checks, Check{
		Name: "balances = initial balances + exactly the transfers in the table",
		OK:   len(wrong) == 0,
		Detail: fmt.Sprintf("%d accounts differ%s; unknown commits: %d present in full, %d absent in full",
			len(wrong), firstFew(wrong), fate.present, fate.absent),
	})
	return checks, fate
}

// firstFew formats up to three items for a check's detail.
func firstFew(items []string) string {
	if len(items) == 0 {
		return ""
	}
	n := min(len(items), 3)
	s := " (" + strings.Join(items[:n], "; ")
	if len(items) > n {
		s += fmt.Sprintf("; and %d more", len(items)-n)
	}
	return s + ")"
}
