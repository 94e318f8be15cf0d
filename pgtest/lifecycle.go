package pgtest

import (
	"context"
	"fmt"
)

// Stop shuts down a server that pgtest started, in PostgreSQL's fast mode:
// the server rolls back open transactions, terminates every client
// connection (clients see SQLSTATE 57P01, admin_shutdown, or a closed
// connection) and writes a shutdown checkpoint. The data directory (a
// local server's temporary directory, or a container and its volume) is
// kept, so [Server.Start] brings the same cluster back; until then
// connections to the server's address are refused.
//
// Stop returns once the server has exited. If it has not exited 10 seconds
// after the request, or when ctx ends first, Stop kills it (SIGKILL; the
// next Start then runs crash recovery) and returns an error saying so.
// Stopping a stopped server does nothing. Stop works on a standby
// ([StartStandby]) too.
//
// A server from PGMOON_TEST_DSN is not pgtest's to stop: Stop returns an
// error for it, as it does after [Server.Close].
func (s *Server) Stop(ctx context.Context) error {
	s.life.Lock()
	defer s.life.Unlock()
	if err := s.checkManaged("stop"); err != nil {
		return err
	}
	return s.halt(ctx)
}

// Start starts a server that [Server.Stop] stopped, or whose process or
// container exited, on the same host, port and unix socket directory, so
// that [Server.DSN], [Server.SocketDSN] and [Server.URL] keep working; the
// cluster is the same, roles, databases and settings included. Start
// returns once the server answers a query over TCP, within the start-up
// limit of [WithStartTimeout] (default 60s) or ctx, whichever ends first.
// Starting a running server does nothing.
//
// While a server is stopped pgtest holds its port on 127.0.0.1 (bound, not
// listening, so connections are still refused), so that no other server or
// client of this machine takes it meanwhile; for a container only when the
// Docker engine runs on this machine. If another process took the port
// anyway, Start fails with an error naming it.
//
// A server from PGMOON_TEST_DSN is not pgtest's to start: Start returns an
// error for it, as it does after [Server.Close].
func (s *Server) Start(ctx context.Context) error {
	s.life.Lock()
	defer s.life.Unlock()
	if err := s.checkManaged("start"); err != nil {
		return err
	}
	return s.resume(ctx)
}

// Restart stops the server as [Server.Stop] does, in fast mode, and starts
// it again as [Server.Start] does, on the same address; it returns once the
// server answers again. Clients connected before see their connections
// terminated; new connections made while the server is down are refused.
// No other Stop, Start or Close of s runs in between.
func (s *Server) Restart(ctx context.Context) error {
	s.life.Lock()
	defer s.life.Unlock()
	if err := s.checkManaged("restart"); err != nil {
		return err
	}
	if err := s.halt(ctx); err != nil {
		return err
	}
	return s.resume(ctx)
}

// checkManaged returns an error if op cannot run on s: s comes from
// PGMOON_TEST_DSN, or is closed. s.life is held.
func (s *Server) checkManaged(op string) error {
	if s.local == nil && s.docker == nil {
		return fmt.Errorf("pgtest: %s: the server comes from %s and is not pgtest's to stop or start; "+
			"unset %s to let pgtest start a server of its own", op, EnvDSN, EnvDSN)
	}
	if s.closed {
		return fmt.Errorf("pgtest: %s: the server is closed", op)
	}
	return nil
}

// halt stops the server's process or container; s.life is held.
func (s *Server) halt(ctx context.Context) error {
	if s.local != nil {
		return s.local.halt(ctx)
	}
	return s.docker.halt(ctx)
}

// resume starts the server's process or container again; s.life is held.
func (s *Server) resume(ctx context.Context) error {
	if s.local != nil {
		return s.local.resume(ctx)
	}
	return s.docker.resume(ctx, s.dsn)
}
