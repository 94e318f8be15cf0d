package pgmoon

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
)

// Multi-host connections, as libpq makes them: the hosts of a Config (Host,
// then Fallbacks) are tried in turn until one accepts the connection and
// has the session attributes asked for.
// See https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-MULTIPLE-HOSTS

// checkTargetSessionAttrs validates a target_session_attrs value.
func checkTargetSessionAttrs(v string) error {
	switch v {
	case "", TargetSessionAny, TargetSessionReadWrite, TargetSessionReadOnly, TargetSessionPrimary, TargetSessionStandby, TargetSessionPreferStandby:
		return nil
	}
	return fmt.Errorf("invalid target_session_attrs %q: want any, read-write, read-only, primary, standby or prefer-standby", v)
}

// connectHosts tries cfg's hosts as libpq does: in order, or shuffled
// with load_balance_hosts=random; each with its own connect_timeout, TLS
// and authentication; a host that fails, or whose session does not match
// target_session_attrs, is left for the next one. prefer-standby makes a
// second pass, accepting any server, when no host is a standby. The end of
// ctx stops the search.
func connectHosts(ctx context.Context, cfg *Config, ap *authPolicy) (*Conn, error) {
	if err := checkTargetSessionAttrs(cfg.TargetSessionAttrs); err != nil {
		return nil, fmt.Errorf("pgmoon: connect: %w", err)
	}
	hosts := cfg.hosts()
	switch cfg.LoadBalanceHosts {
	case "", LoadBalanceDisable:
	case LoadBalanceRandom:
		rand.Shuffle(len(hosts), func(i, j int) { hosts[i], hosts[j] = hosts[j], hosts[i] })
	default:
		return nil, fmt.Errorf("pgmoon: connect: invalid load_balance_hosts %q: want disable or random", cfg.LoadBalanceHosts)
	}
	passes := []string{cfg.TargetSessionAttrs}
	if cfg.TargetSessionAttrs == TargetSessionPreferStandby {
		passes = []string{TargetSessionStandby, TargetSessionAny}
	}
	var failed []*ConnectError
	for _, want := range passes {
		for _, h := range hosts {
			hc := cfg.Copy()
			hc.Host, hc.HostAddr, hc.Port, hc.Fallbacks = h.Host, h.HostAddr, h.Port, nil
			fromFile := hc.usePassfile()
			c, err := connectHost(ctx, hc, ap)
			if ce := (*ConnectError)(nil); fromFile && errors.As(err, &ce) && errors.Is(ce.Err, &PgError{Code: "28P01"}) {
				// As libpq says, so that a stale line is found.
				ce.Err = fmt.Errorf("%w (password retrieved from file %q)", ce.Err, hc.Passfile)
			}
			if err == nil {
				if err = c.checkSessionAttrs(ctx, want); err == nil {
					return c, nil
				}
				c.Close(ctx)
				err = &ConnectError{Addr: hc.address(), Err: err}
			}
			var ce *ConnectError
			if !errors.As(err, &ce) {
				ce = &ConnectError{Addr: hc.address(), Err: err}
			}
			if len(hosts) == 1 && len(passes) == 1 {
				return nil, ce
			}
			failed = append(failed, ce)
			if ctx.Err() != nil {
				return nil, failedHosts(failed)
			}
		}
	}
	return nil, failedHosts(failed)
}

// failedHosts is the error of a multi-host Connect that found no server:
// a *ConnectError whose Err holds each attempt's *ConnectError.
func failedHosts(attempts []*ConnectError) error {
	addrs := make([]string, len(attempts))
	errs := make(attemptErrors, len(attempts))
	for i, a := range attempts {
		addrs[i], errs[i] = a.Addr, a
	}
	return &ConnectError{Addr: strings.Join(addrs, ", "), Err: errs}
}

// attemptErrors are the errors of the hosts a Connect tried, in order.
type attemptErrors []error

func (e attemptErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d attempts failed", len(e))
	for i, err := range e {
		msg := err.Error()
		if ce, ok := err.(*ConnectError); ok {
			msg = ce.Addr + ": " + ce.Err.Error()
		}
		fmt.Fprintf(&b, "; %d) %s", i+1, msg)
	}
	return b.String()
}

func (e attemptErrors) Unwrap() []error { return e }

// usePassfile sets the password from the password file for the Config's
// host, when no password is given and the file has one; it reports
// whether it did. libpq matches the host name, and the address when there
// is no name.
func (c *Config) usePassfile() bool {
	host := c.Host
	if host == "" {
		host = c.HostAddr
	}
	pw, ok := c.passfilePassword(host, c.Port)
	if ok {
		c.Password = pw
	}
	return ok
}

// hosts returns every host of the Config, Host first (with the defaults
// applyDefaults gave them).
func (c *Config) hosts() []FallbackConfig {
	hosts := make([]FallbackConfig, 0, 1+len(c.Fallbacks))
	hosts = append(hosts, FallbackConfig{Host: c.Host, HostAddr: c.HostAddr, Port: c.Port})
	for _, f := range c.Fallbacks {
		hosts = append(hosts, *f)
	}
	return hosts
}

// address names the Config's host in errors: the socket path, host:port,
// or host (hostaddr):port.
func (c *Config) address() string {
	_, addr := c.network()
	if c.HostAddr != "" && c.Host != "" && c.Host != c.HostAddr {
		return net.JoinHostPort(c.Host+" ("+c.HostAddr+")", strconv.Itoa(int(c.Port)))
	}
	return addr
}

// dialer returns Config.Dialer, or a *net.Dialer with the Config's TCP
// settings: keepalives (on by default, with the system's timings unless
// set) and tcp_user_timeout.
func (c *Config) dialer() Dialer {
	if c.Dialer != nil {
		return c.Dialer
	}
	d := &net.Dialer{}
	if c.DisableKeepAlives {
		d.KeepAlive = -1
	} else {
		d.KeepAliveConfig = net.KeepAliveConfig{
			Enable:   true,
			Idle:     systemDefault(c.KeepAlivesIdle),
			Interval: systemDefault(c.KeepAlivesInterval),
			Count:    c.KeepAlivesCount,
		}
		if c.KeepAlivesCount <= 0 {
			d.KeepAliveConfig.Count = -1
		}
	}
	if c.TCPUserTimeout > 0 {
		d.Control = tcpUserTimeoutControl(c.TCPUserTimeout)
	}
	return d
}

// systemDefault maps an unset duration to -1, which leaves the socket
// option as the system has it (libpq's 0).
func systemDefault(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// checkSessionAttrs checks a new connection against target_session_attrs
// as libpq does: from the in_hot_standby and default_transaction_read_only
// parameters the server reports (PostgreSQL 14 and later), else by asking
// it. A mismatch is an error saying what the session is.
func (c *Conn) checkSessionAttrs(ctx context.Context, want string) error {
	switch want {
	case "", TargetSessionAny:
		return nil
	case TargetSessionReadWrite, TargetSessionReadOnly:
		readOnly, err := c.readOnlySession(ctx)
		if err != nil {
			return err
		}
		if readOnly && want == TargetSessionReadWrite {
			return errors.New("session is read-only (target_session_attrs=read-write)")
		}
		if !readOnly && want == TargetSessionReadOnly {
			return errors.New("session is not read-only (target_session_attrs=read-only)")
		}
	case TargetSessionPrimary, TargetSessionStandby:
		standby, err := c.inHotStandby(ctx)
		if err != nil {
			return err
		}
		if standby && want == TargetSessionPrimary {
			return errors.New("server is in hot standby mode (target_session_attrs=primary)")
		}
		if !standby && want == TargetSessionStandby {
			return errors.New("server is not in hot standby mode (target_session_attrs=standby)")
		}
	}
	return nil
}

// inHotStandby reports whether the server is a standby.
func (c *Conn) inHotStandby(ctx context.Context) (bool, error) {
	if v := c.ParameterStatus("in_hot_standby"); v != "" {
		return v == "on", nil
	}
	v, err := c.showValue(ctx, "select pg_catalog.pg_is_in_recovery()")
	return v == "t", err
}

// readOnlySession reports whether the session refuses writes by default.
func (c *Conn) readOnlySession(ctx context.Context) (bool, error) {
	standby, dtro := c.ParameterStatus("in_hot_standby"), c.ParameterStatus("default_transaction_read_only")
	if standby != "" && dtro != "" {
		return standby == "on" || dtro == "on", nil
	}
	v, err := c.showValue(ctx, "show transaction_read_only")
	return v == "on", err
}

// showValue runs a one-value query for checkSessionAttrs.
func (c *Conn) showValue(ctx context.Context, sql string) (string, error) {
	res, err := c.SimpleQuery(ctx, sql)
	if err != nil {
		return "", fmt.Errorf("checking target_session_attrs: %w", err)
	}
	if len(res) != 1 || len(res[0].Rows) != 1 || len(res[0].Rows[0]) != 1 {
		return "", fmt.Errorf("checking target_session_attrs: %q did not return one value", sql)
	}
	return string(res[0].Rows[0][0]), nil
}
