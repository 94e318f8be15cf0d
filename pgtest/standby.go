package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// Limits of the replication helpers, on top of their contexts.
const (
	basebackupTimeout = 2 * time.Minute
	promoteTimeout    = 60 * time.Second
	catchUpTimeout    = 60 * time.Second
	dropSlotTimeout   = 10 * time.Second
)

// StartStandby starts a hot standby of primary, which must be a local
// server that pgtest started and that runs (see [WithLocal] to get one
// whatever PGMOON_TEST_BACKEND says). It copies the primary's cluster with
// pg_basebackup (-R, streaming the WAL written meanwhile, through a
// physical replication slot created for the standby) into a temporary
// directory of its own, starts postgres there on a free port of 127.0.0.1
// and its own unix socket directory, and returns once the standby accepts
// connections and pg_is_in_recovery() is true. From then on it streams and
// replays what the primary writes; [Server.CatchUp] waits until it has
// replayed everything.
//
// The standby has the primary's roles, passwords and pg_hba.conf (they are
// in the cluster), so [Server.User] gives the same users, and its [Server.DSN]
// has the primary's form, with its own port. It runs the primary's
// binaries, with pgtest's settings and wal_retrieve_retry_interval=100ms
// (so that it reconnects soon after a restart of the primary), then the
// primary's [WithSetting] settings (so that max_connections and the like
// are at least the primary's, as a standby needs), then those given here. Of opts,
// WithSetting, [WithLogOutput] and [WithStartTimeout] apply; the choice of
// backend, binaries and version is the primary's, and a primary started
// [WithTLS] gives the standby its TLS set-up (the same certificate
// authority; the standby's DSN requires TLS too).
//
// The caller owns the standby: [Server.Close] stops it, removes its
// directory and drops its replication slot on the primary (if the primary
// still runs; otherwise the slot goes with the primary's cluster). Close
// the standby before the primary. [Server.Stop], [Server.Start] and
// [Server.Restart] work on a standby (the slot keeps the WAL it has not
// received while it is down), and [Server.Promote] turns it into a primary.
//
// Replication needs local binaries, pg_basebackup among them; when one is
// missing, or primary is not a running local server, StartStandby fails
// and says what to install or do.
func StartStandby(ctx context.Context, primary *Server, opts ...Option) (*Server, error) {
	if primary == nil {
		return nil, errors.New("pgtest: start standby: nil primary")
	}
	pl, err := primary.replicationSource()
	if err != nil {
		return nil, err
	}
	o := &options{startTimeout: defaultStartTimeout}
	for _, opt := range opts {
		opt(o)
	}
	o.settings = append(append(slices.Clip(standbySettings), pl.o.settings...), o.settings...)

	major, err := pgbin.MajorVersion(ctx, pl.bins.Postgres)
	if err != nil {
		return nil, fmt.Errorf("pgtest: start standby: %w", err)
	}
	basebackup, err := findTool(ctx, pl.bins, "pg_basebackup", major)
	if err != nil {
		return nil, fmt.Errorf("pgtest: start standby: %w", err)
	}
	if err := checkPrimarySettings(ctx, primary.dsn); err != nil {
		return nil, err
	}

	l := &localServer{o: o, bins: pl.bins, run: pl.run, upstream: primary}
	if err := l.makeDir(); err != nil {
		_ = l.stop()
		return nil, fmt.Errorf("pgtest: start standby: temp dir: %w", err)
	}
	s, err := l.setUpStandby(ctx, primary, basebackup)
	if err != nil {
		if serr := l.stopStandby(); serr != nil {
			err = fmt.Errorf("%w\n(cleaning up: %v)", err, serr)
		}
		return nil, err
	}
	return s, nil
}

// standbySettings are the settings a standby gets after pgtest's
// baseSettings and before the primary's WithSetting settings: the WAL
// receiver retries every 100ms, not 5s, after losing the primary (say to
// a Restart), so that a test's CatchUp does not wait long.
var standbySettings = []setting{
	{"wal_retrieve_retry_interval", "100ms"},
}

// findTool is pgbin.FindTool; tests replace it to miss a program.
var findTool = pgbin.FindTool

// replicationSource returns the local server of s, which must run, for
// StartStandby.
func (s *Server) replicationSource() (*localServer, error) {
	s.life.Lock()
	defer s.life.Unlock()
	if s.local == nil {
		return nil, fmt.Errorf("pgtest: start standby: the primary must be a local server that pgtest started, "+
			"and this one is a %s server; start the primary with pgtest.Start(ctx, pgtest.WithLocal()), "+
			"which needs the PostgreSQL server binaries here (%s)", s.backend, pgbin.InstallHint)
	}
	if s.closed {
		return nil, errors.New("pgtest: start standby: the primary is closed")
	}
	if p := s.local.proc; p == nil || p.exited() {
		return nil, errors.New("pgtest: start standby: the primary is not running; Start it first")
	}
	return s.local, nil
}

// checkPrimarySettings checks that the primary can feed a standby: WAL
// detailed enough and WAL senders to stream it (PostgreSQL's defaults
// since version 10).
func checkPrimarySettings(ctx context.Context, dsn string) error {
	row, err := queryRow(ctx, dsn, "SELECT current_setting('wal_level'), current_setting('max_wal_senders'), current_setting('max_replication_slots')")
	if err != nil {
		return fmt.Errorf("pgtest: start standby: read the primary's settings: %w", err)
	}
	if row[0] != "replica" && row[0] != "logical" {
		return fmt.Errorf("pgtest: start standby: the primary has wal_level=%s; a standby needs replica or logical "+
			"(the default; do not pass WithSetting(\"wal_level\", %q))", row[0], row[0])
	}
	for i, name := range []string{"max_wal_senders", "max_replication_slots"} {
		if n, err := strconv.Atoi(row[i+1]); err != nil || n < 1 {
			return fmt.Errorf("pgtest: start standby: the primary has %s=%s; a standby needs at least 1 "+
				"(the default is 10)", name, row[i+1])
		}
	}
	return nil
}

func (l *localServer) setUpStandby(ctx context.Context, primary *Server, basebackup string) (*Server, error) {
	l.slot = "pgtest_standby_" + randomHex(6)
	if err := l.basebackup(ctx, basebackup, primary); err != nil {
		return nil, err
	}
	if err := l.startOnFreePort(ctx); err != nil {
		return nil, fmt.Errorf("pgtest: start standby: %w", err)
	}
	s := l.server()
	s.stop = l.stopStandby
	s.major = primary.major
	s.users = make(map[string]User, len(primary.users))
	for m, u := range primary.users {
		s.users[m] = u
	}
	if primary.tls != nil {
		t := *primary.tls
		t.dir = l.dir
		t.caFile = filepath.Join(l.dir, caFileName)
		if err := os.WriteFile(t.caFile, t.caPEM, 0o644); err != nil {
			return nil, fmt.Errorf("pgtest: start standby: write CA certificate: %w", err)
		}
		s.tls = &t
		s.dsn = withSettings(s.dsn, [2]string{"sslmode", "require"})
	}
	inRecovery, err := queryValue(ctx, s.dsn, "SELECT pg_is_in_recovery()")
	if err != nil {
		return nil, fmt.Errorf("pgtest: start standby: %w%s", err, l.logTail(0))
	}
	if inRecovery != "t" {
		return nil, fmt.Errorf("pgtest: start standby: the copy of the primary is not in recovery%s", l.logTail(0))
	}
	return s, nil
}

// basebackup copies the primary's cluster into the data directory with
// pg_basebackup, run as the server's account: over the primary's unix
// socket, as postgres, with a fast checkpoint, the WAL streamed through a
// new replication slot, and the standby's configuration written (-R:
// standby.signal and primary_conninfo, which names the slot and, as
// application_name, the slot's name, which pg_stat_replication shows).
func (l *localServer) basebackup(ctx context.Context, path string, primary *Server) error {
	ctx, cancel := context.WithTimeout(ctx, basebackupTimeout)
	defer cancel()
	conninfo := fmt.Sprintf("host=%s port=%d user=postgres application_name=%s",
		quoteKeywordValue(primary.socketDir), primary.port, l.slot)
	var out bytes.Buffer
	var w io.Writer = &out
	if l.o.logOutput != nil {
		w = io.MultiWriter(&out, l.o.logOutput)
	}
	cmd := l.command(ctx, path,
		"-D", l.dataDir,
		"-d", conninfo,
		"-R",
		"-X", "stream",
		"-C", "-S", l.slot,
		"-c", "fast",
		"-N",
		"-w",
	)
	cmd.Stdout, cmd.Stderr = w, w
	c, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("pgtest: start standby: pg_basebackup: %w", err)
	}
	<-c.done
	if c.err != nil {
		if ctx.Err() != nil {
			c.err = fmt.Errorf("%w (%v)", c.err, context.Cause(ctx))
		}
		return fmt.Errorf("pgtest: start standby: pg_basebackup: %w%s", c.err, outputTail("pg_basebackup output", out.Bytes()))
	}
	return nil
}

// stopStandby stops the standby and removes its directory (stop), then
// drops its replication slot on the primary if the primary runs.
func (l *localServer) stopStandby() error {
	err := l.stop()
	if derr := l.dropSlot(); derr != nil {
		err = errors.Join(err, derr)
	}
	return err
}

// dropSlot drops the standby's replication slot on its primary, if the
// primary runs. The slot is busy until the primary's WAL sender notices
// that the standby is gone, so a busy slot is tried again for a while.
func (l *localServer) dropSlot() error {
	p := l.upstream
	if p == nil || l.slot == "" {
		return nil
	}
	p.life.Lock()
	defer p.life.Unlock()
	if p.closed || p.local == nil || p.local.proc == nil || p.local.proc.exited() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), dropSlotTimeout)
	defer cancel()
	stmt := "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = " + quoteLiteral(l.slot)
	for {
		err := runSQL(ctx, p.dsn, stmt)
		if err == nil {
			return nil
		}
		if sqlState(err) != "55006" { // object_in_use: still active
			return fmt.Errorf("pgtest: close standby: drop replication slot %s on the primary: %w", l.slot, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: close standby: drop replication slot %s on the primary: %w", l.slot, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Promote turns a standby from [StartStandby] into a primary: it runs
// pg_ctl promote and returns once pg_is_in_recovery() is false, so the
// server then takes writes. The server keeps its address; it no longer
// follows its former primary, whose replication slot for it stays until
// [Server.Close] drops it. Promote waits at most a minute, or until ctx
// ends.
//
// Promote fails for a server that is not in recovery, one that is stopped,
// and one pgtest did not start from local binaries.
func (s *Server) Promote(ctx context.Context) error {
	s.life.Lock()
	defer s.life.Unlock()
	if err := s.checkManaged("promote"); err != nil {
		return err
	}
	l := s.local
	if l == nil {
		return errors.New("pgtest: promote: only a standby from StartStandby can be promoted, and this is a Docker server")
	}
	if l.proc == nil || l.proc.exited() {
		return errors.New("pgtest: promote: the server is not running; Start it first")
	}
	ctx, cancel := context.WithTimeout(ctx, promoteTimeout)
	defer cancel()
	inRecovery, err := queryValue(ctx, s.dsn, "SELECT pg_is_in_recovery()")
	if err != nil {
		return fmt.Errorf("pgtest: promote: %w", err)
	}
	if inRecovery != "t" {
		return errors.New("pgtest: promote: the server is not a standby (pg_is_in_recovery() is false)")
	}
	major, err := pgbin.MajorVersion(ctx, l.bins.Postgres)
	if err != nil {
		return fmt.Errorf("pgtest: promote: %w", err)
	}
	pgCtl, err := findTool(ctx, l.bins, "pg_ctl", major)
	if err != nil {
		return fmt.Errorf("pgtest: promote: %w", err)
	}
	var out bytes.Buffer
	cmd := l.command(ctx, pgCtl, "promote", "-D", l.dataDir, "-W")
	cmd.Stdout, cmd.Stderr = &out, &out
	c, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("pgtest: promote: pg_ctl: %w", err)
	}
	<-c.done
	if c.err != nil {
		return fmt.Errorf("pgtest: promote: pg_ctl: %w%s", c.err, outputTail("pg_ctl output", out.Bytes()))
	}
	err = poll(ctx, func() (bool, error) {
		v, err := queryValue(ctx, s.dsn, "SELECT pg_is_in_recovery()")
		return v == "f", err
	})
	if err != nil {
		return fmt.Errorf("pgtest: promote: wait for the end of recovery: %w%s", err, l.logTail(0))
	}
	return nil
}

// CatchUp waits until s, a standby of primary, has replayed all the WAL
// that primary has written so far (everything it had inserted when
// CatchUp began, asynchronously committed transactions included), so that
// what a test wrote on the primary can be read on the standby. It compares
// the standby's pg_last_wal_replay_lsn() with the primary's
// pg_current_wal_insert_lsn() (pg_last_wal_replay_lsn() if primary is
// itself a standby), every 20ms, for at most a minute or until ctx ends.
// Both servers must run; s must be in recovery.
func (s *Server) CatchUp(ctx context.Context, primary *Server) error {
	for _, srv := range []struct {
		name string
		s    *Server
	}{{"standby", s}, {"primary", primary}} {
		if !srv.s.mayRun() {
			return fmt.Errorf("pgtest: catch up: the %s is stopped or closed", srv.name)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	row, err := queryRow(ctx, primary.dsn, "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END, "+
		"current_setting('wal_block_size')")
	if err != nil {
		return fmt.Errorf("pgtest: catch up: the primary's WAL position: %w", err)
	}
	target, err := parseLSN(row[0])
	if err != nil {
		return fmt.Errorf("pgtest: catch up: %w", err)
	}
	block, err := strconv.ParseUint(row[1], 10, 64)
	if err != nil || block == 0 {
		return fmt.Errorf("pgtest: catch up: wal_block_size is %q", row[1])
	}
	target = lastRecordEnd(target, block)
	check := "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= " + quoteLiteral(formatLSN(target)) + "::pg_lsn, false)"
	var notStandby bool
	err = poll(ctx, func() (bool, error) {
		row, err := queryRow(ctx, s.dsn, check)
		if err != nil {
			return false, err
		}
		if row[0] != "t" {
			notStandby = true
			return true, nil
		}
		return row[1] == "t", nil
	})
	if notStandby {
		return errors.New("pgtest: catch up: the server is not a standby (pg_is_in_recovery() is false)")
	}
	if err != nil {
		return fmt.Errorf("pgtest: catch up: replay to %s: %w", formatLSN(target), err)
	}
	return nil
}

// mayRun reports whether s may be running: false if pgtest knows that it
// is stopped or closed.
func (s *Server) mayRun() bool {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return false
	}
	if s.local != nil {
		return s.local.proc != nil && !s.local.proc.exited()
	}
	if s.docker != nil {
		return !s.docker.stopped
	}
	return true
}

// lastRecordEnd turns the WAL insert position into the end of the last
// record inserted, which is what a standby's replay position reaches. They
// differ in one case: when the last record ended exactly at the end of a
// WAL page, the insert position is past the next page's header (24 bytes,
// or 40 at the start of a segment). Any position up to 40 bytes into a
// page is taken back to the page boundary: the first record end at or
// after the boundary is then the last record's.
func lastRecordEnd(insert, blockSize uint64) uint64 {
	if off := insert % blockSize; off > 0 && off <= 40 {
		return insert - off
	}
	return insert
}

// parseLSN reads a pg_lsn in its text form, "16/B374D848".
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad LSN %q", s)
	}
	return h<<32 | l, nil
}

// formatLSN writes an LSN as pg_lsn's text form.
func formatLSN(lsn uint64) string {
	return fmt.Sprintf("%X/%X", lsn>>32, lsn&0xFFFFFFFF)
}

// poll calls done every 20ms until it reports true, it fails, or ctx ends.
// A failure is retried while ctx lasts (a server may be starting) and
// returned, with ctx's error, at the end.
func poll(ctx context.Context, done func() (bool, error)) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		ok, err := done()
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%w (last attempt: %v)", context.Cause(ctx), last)
			}
			return context.Cause(ctx)
		case <-tick.C:
		}
	}
}
