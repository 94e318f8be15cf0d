package pgmoon_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// closedPort returns a loopback TCP port nothing listens on.
func closedPort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return uint16(port)
}

// blackHole returns the port of a listener that accepts connections and
// never answers, closed when the test ends.
func blackHole(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// serverConfig is a Config for the shared test server over TCP.
func serverConfig(t *testing.T) *pgmoon.Config {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(pgtest.Default(t).DSN())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestMultiHostFallsThrough(t *testing.T) {
	good := serverConfig(t)
	dead := closedPort(t)
	cfg := good.Copy()
	cfg.Host, cfg.Port = "127.0.0.1", dead
	cfg.ConnectTimeout = 2 * time.Second
	cfg.Fallbacks = []*pgmoon.FallbackConfig{
		{Host: "127.0.0.1", Port: blackHole(t)}, // accepts, never answers: connect_timeout moves on
		{Host: good.Host, Port: good.Port},
	}
	conn := connectConfig(t, cfg)
	if got := scalar(t, conn, "select inet_server_port()::text"); got != fmt.Sprint(good.Port) {
		t.Errorf("connected to port %s, want %d", got, good.Port)
	}
	// The connection remembers the host it reached: a cancel goes there.
	if c := conn.Config(); c.Port != good.Port || len(c.Fallbacks) != 0 {
		t.Errorf("Config() = port %d with %d fallbacks", c.Port, len(c.Fallbacks))
	}
	if err := cancelRunningQuery(t, conn, pgtest.Default(t).DSN()); !errors.Is(err, context.Canceled) || !errors.Is(err, queryCanceled) {
		t.Errorf("cancel through the reached host: %v", err)
	}
}

func TestMultiHostAllFail(t *testing.T) {
	good := serverConfig(t)
	cfg := good.Copy()
	p1, p2 := closedPort(t), closedPort(t)
	cfg.Host, cfg.Port = "127.0.0.1", p1
	cfg.Fallbacks = []*pgmoon.FallbackConfig{
		{Host: "127.0.0.1", Port: p2},
		{Host: good.Host, Port: good.Port}, // reached, but the database does not exist
	}
	cfg.Database = "no_such_database_here"
	_, err := pgmoon.Connect(testCtx(t), cfg)
	var ce *pgmoon.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *ConnectError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		fmt.Sprintf("127.0.0.1:%d", p1), fmt.Sprintf("127.0.0.1:%d", p2), "connection refused",
		"3 attempts failed", `database "no_such_database_here" does not exist`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	// The server's error of the last attempt is reachable.
	if !errors.Is(err, &pgmoon.PgError{Code: "3D000"}) {
		t.Errorf("errors.Is 3D000 = false: %v", err)
	}
}

// The end of the context stops the search: later hosts are not tried.
func TestMultiHostContextStops(t *testing.T) {
	good := serverConfig(t)
	cfg := good.Copy()
	cfg.Host, cfg.Port = "127.0.0.1", blackHole(t)
	cfg.Fallbacks = []*pgmoon.FallbackConfig{{Host: good.Host, Port: good.Port}}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := pgmoon.Connect(ctx, cfg)
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), fmt.Sprintf(":%d", good.Port)) {
		t.Fatalf("err = %v, want the deadline, with the second host untried", err)
	}
}

func TestTargetSessionAttrsOnPrimary(t *testing.T) {
	good := serverConfig(t)
	for _, tc := range []struct {
		attrs, readOnlyDefault string
		ok                     bool
		want                   string
	}{
		{pgmoon.TargetSessionAny, "off", true, ""},
		{pgmoon.TargetSessionReadWrite, "off", true, ""},
		{pgmoon.TargetSessionReadWrite, "on", false, "session is read-only"},
		{pgmoon.TargetSessionReadOnly, "off", false, "session is not read-only"},
		{pgmoon.TargetSessionReadOnly, "on", true, ""},
		{pgmoon.TargetSessionPrimary, "on", true, ""},
		{pgmoon.TargetSessionStandby, "off", false, "server is not in hot standby mode"},
		{pgmoon.TargetSessionPreferStandby, "off", true, ""},
	} {
		t.Run(tc.attrs+"/default_transaction_read_only="+tc.readOnlyDefault, func(t *testing.T) {
			cfg := good.Copy()
			cfg.TargetSessionAttrs = tc.attrs
			cfg.RuntimeParams["default_transaction_read_only"] = tc.readOnlyDefault
			conn, err := pgmoon.Connect(testCtx(t), cfg)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				conn.Close(context.Background())
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	cfg := good.Copy()
	cfg.TargetSessionAttrs = "read-mostly"
	if _, err := pgmoon.Connect(testCtx(t), cfg); err == nil || !strings.Contains(err.Error(), "invalid target_session_attrs") {
		t.Errorf("bad value: %v", err)
	}
}

// load_balance_hosts=random spreads connections over the hosts; here two
// names of the same server, told apart by the address the server sees.
func TestLoadBalanceHosts(t *testing.T) {
	srv := pgtest.Default(t)
	good := serverConfig(t)
	cfg := good.Copy()
	cfg.Host = "127.0.0.1"
	cfg.Fallbacks = []*pgmoon.FallbackConfig{{Host: srv.SocketDir(), Port: good.Port}}
	seen := map[string]int{}
	for _, mode := range []string{pgmoon.LoadBalanceDisable, pgmoon.LoadBalanceRandom} {
		clear(seen)
		cfg.LoadBalanceHosts = mode
		for range 40 {
			conn := connectConfig(t, cfg)
			seen[scalar(t, conn, "select case when inet_client_addr() is null then 'socket' else 'tcp' end")]++
			conn.Close(context.Background())
		}
		switch mode {
		case pgmoon.LoadBalanceDisable:
			if seen["tcp"] != 40 {
				t.Errorf("disable: %v, want every connection to the first host", seen)
			}
		case pgmoon.LoadBalanceRandom:
			if seen["tcp"] == 0 || seen["socket"] == 0 {
				t.Errorf("random: %v, want both hosts used", seen)
			}
		}
	}
	cfg.LoadBalanceHosts = "round-robin"
	if _, err := pgmoon.Connect(testCtx(t), cfg); err == nil || !strings.Contains(err.Error(), "invalid load_balance_hosts") {
		t.Errorf("bad value: %v", err)
	}
}

// hostaddr is dialed; host still names the server (here, in errors).
func TestHostAddr(t *testing.T) {
	good := serverConfig(t)
	cfg := good.Copy()
	cfg.Host, cfg.HostAddr = "db.invalid", "127.0.0.1"
	conn := connectConfig(t, cfg)
	usable(t, conn)
	cfg.Port = closedPort(t)
	_, err := pgmoon.Connect(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("db.invalid (127.0.0.1):%d", cfg.Port)) {
		t.Errorf("err = %v, want it to name host and hostaddr", err)
	}
}

// A primary and its streaming standby, listed standby first: each
// target_session_attrs lands where libpq's would, prefer-standby falls
// back when the standby is down, and after the standby is promoted (and
// the old primary is gone) read-write finds the new primary.
func TestMultiHostPrimaryStandby(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	primary, standby := primaryAndStandby(ctx, t)

	base, err := pgmoon.ParseConfig(primary.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfgFor := func(attrs string) *pgmoon.Config {
		cfg := base.Copy()
		cfg.Host, cfg.Port = standby.Host(), uint16(standby.Port())
		cfg.Fallbacks = []*pgmoon.FallbackConfig{{Host: primary.Host(), Port: uint16(primary.Port())}}
		cfg.TargetSessionAttrs = attrs
		cfg.ConnectTimeout = 5 * time.Second
		return cfg
	}
	// where connects and says which server it reached.
	where := func(t *testing.T, attrs string) (port string, err error) {
		t.Helper()
		conn, err := pgmoon.Connect(ctx, cfgFor(attrs))
		if err != nil {
			return "", err
		}
		defer conn.Close(ctx)
		return scalar(t, conn, "select inet_server_port()::text"), nil
	}
	p, s := fmt.Sprint(primary.Port()), fmt.Sprint(standby.Port())
	expect := func(t *testing.T, cases map[string]string) {
		t.Helper()
		for attrs, want := range cases {
			got, err := where(t, attrs)
			if err != nil || got != want {
				t.Errorf("%s: reached port %s, %v; want %s", attrs, got, err, want)
			}
		}
	}

	t.Run("both up", func(t *testing.T) {
		expect(t, map[string]string{
			pgmoon.TargetSessionAny: s, pgmoon.TargetSessionReadWrite: p, pgmoon.TargetSessionPrimary: p,
			pgmoon.TargetSessionReadOnly: s, pgmoon.TargetSessionStandby: s, pgmoon.TargetSessionPreferStandby: s,
		})
	})

	t.Run("standby down", func(t *testing.T) {
		if err := standby.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		expect(t, map[string]string{pgmoon.TargetSessionPreferStandby: p, pgmoon.TargetSessionAny: p, pgmoon.TargetSessionReadWrite: p})
		_, err := where(t, pgmoon.TargetSessionStandby)
		if err == nil || !strings.Contains(err.Error(), "server is not in hot standby mode") || !strings.Contains(err.Error(), ":"+s) {
			t.Errorf("standby with the standby down: %v, want both hosts' errors", err)
		}
		if err := standby.Start(ctx); err != nil {
			t.Fatal(err)
		}
		expect(t, map[string]string{pgmoon.TargetSessionPreferStandby: s})
	})

	t.Run("promoted", func(t *testing.T) {
		conn, err := pgmoon.Connect(ctx, cfgFor(pgmoon.TargetSessionReadWrite))
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, conn, "create table failover_marker (note text)")
		mustExec(t, conn, "insert into failover_marker values ('written on the first primary')")
		conn.Close(ctx)
		if err := standby.CatchUp(ctx, primary); err != nil {
			t.Fatal(err)
		}
		if err := primary.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := standby.Promote(ctx); err != nil {
			t.Fatal(err)
		}
		expect(t, map[string]string{pgmoon.TargetSessionReadWrite: s, pgmoon.TargetSessionPrimary: s, pgmoon.TargetSessionPreferStandby: s})
		conn, err = pgmoon.Connect(ctx, cfgFor(pgmoon.TargetSessionReadWrite))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		mustExec(t, conn, "insert into failover_marker values ('written on the new primary')")
		if got := scalar(t, conn, "select count(*) from failover_marker"); got != "2" {
			t.Errorf("%s rows on the new primary", got)
		}
	})
}

// With no password given, each host's attempt takes its own line of the
// password file; a wrong one is named in the error, and a file others can
// read is ignored, as in libpq.
func TestPassfileAtConnect(t *testing.T) {
	srv := pgtest.Default(t)
	u, err := srv.User(pgtest.MethodSCRAMSHA256)
	if err != nil {
		t.Fatal(err)
	}
	dead := closedPort(t)
	dir := t.TempDir()
	file := dir + "/pgpass"
	write := func(mode os.FileMode, lines ...string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(file, mode); err != nil {
			t.Fatal(err)
		}
	}
	cfgWith := func() *pgmoon.Config {
		cfg, err := pgmoon.ParseConfig(srv.URL(u.Name, "", "postgres"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Passfile = file
		cfg.Host, cfg.Port = "127.0.0.1", dead
		cfg.Fallbacks = []*pgmoon.FallbackConfig{{Host: "127.0.0.1", Port: uint16(srv.Port())}}
		return cfg
	}
	line := func(port any, pw string) string { return fmt.Sprintf("127.0.0.1:%v:*:%s:%s", port, u.Name, pw) }

	write(0o600, line(dead, "not-this-one"), line(srv.Port(), u.Password))
	conn := connectConfig(t, cfgWith())
	if got := scalar(t, conn, "select current_user"); got != u.Name {
		t.Errorf("current_user = %q", got)
	}

	write(0o600, line("*", "stale-"+u.Password))
	_, err = pgmoon.Connect(testCtx(t), cfgWith())
	if !errors.Is(err, &pgmoon.PgError{Code: "28P01"}) || !strings.Contains(err.Error(), fmt.Sprintf("password retrieved from file %q", file)) {
		t.Errorf("stale line: %v", err)
	}
	if strings.Contains(err.Error(), "stale-") {
		t.Errorf("the error shows the password: %v", err)
	}

	write(0o644, line("*", u.Password))
	if _, err = pgmoon.Connect(testCtx(t), cfgWith()); err == nil || !strings.Contains(err.Error(), "no password was given") {
		t.Errorf("group-readable file: %v, want it ignored", err)
	}
}
