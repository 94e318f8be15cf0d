// Package pgtest gives tests a real PostgreSQL server: a throwaway one
// started from the local binaries, or an existing one named in the
// environment. It serves this module's integration tests and can serve the
// tests of programs that use the driver. For what a real server will not do
// (malformed bytes, stalls, impossible message orders), it also has a
// scripted fake backend.
//
// # One server per test binary
//
// [Main] starts a server before the tests run and stops it afterwards;
// [Default] hands it to each test, and [Server.NewDatabase] gives a test an
// empty database of its own that is dropped when the test ends:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestAccounts(t *testing.T) {
//		dsn := pgtest.Default(t).NewDatabase(t)
//		conn, err := pgmoon.ConnectString(t.Context(), dsn)
//		...
//	}
//
// A server that cannot start fails the test binary with the reason and what
// to install; it never skips tests. [Start] and [Server.Close] manage further
// servers, say with other settings ([WithSetting]).
//
// # Where the server comes from
//
// If PGMOON_TEST_DSN is set ([EnvDSN]), Start wraps that server: nothing is
// started or stopped, its role should be allowed to create databases, and
// the per-method users below are not available. Otherwise
// PGMOON_TEST_BACKEND ([EnvBackend]) chooses: "local" (the default) or
// "docker" (not implemented yet).
//
// The local backend takes initdb and postgres from [WithBinDir], or else
// from PATH, pg_config --bindir, /usr/lib/postgresql/*/bin or
// /usr/pgsql-*/bin (highest version first). On Debian or Ubuntu,
// "apt-get install postgresql" provides them. It creates a cluster in a
// temporary directory with a short path (/tmp/pgmoon-NNNN, which is also the
// unix socket directory), then runs postgres as a child process listening
// on 127.0.0.1 and a free port, with durability turned off for speed.
// Running as root, it runs initdb and postgres as the "postgres" OS user, or
// "nobody". On Linux the server is killed if the test binary dies, and the
// next Start removes directories that killed test binaries left behind.
//
// # Connection strings and users
//
// [Server.DSN] connects as the superuser "postgres" over TCP and
// [Server.SocketDSN] over the unix socket; [Server.URL] builds one for any
// user and database. A local server also has one role per authentication
// method, from [Server.User]: pg_hba.conf makes pgmoon_password use
// password, pgmoon_md5 md5 (its password is stored as an MD5 hash) and
// pgmoon_scram scram-sha-256, on the socket and on loopback; every other
// role, pgmoon_trust included, is trusted.
//
// # Logs
//
// The server's log is kept in its temporary directory and can be copied
// elsewhere with [WithLogOutput]. Errors from Start name the step that
// failed ("pgtest: initdb: ...") and end with the tail of the tool's output
// or of the server log.
//
// # Scripted fake backend
//
// [NewFakeBackend] listens on a loopback port and plays one [Script] per
// accepted connection: steps that expect client messages ([ExpectStartup],
// [Expect], [ExpectType], [ExpectCancelRequest], [ExpectClose]) and steps
// that act ([Send], [SendRaw], [Sleep], [CloseConn]). [Handshake] is the
// start of a session that trusts the client. Every read has a deadline, so a
// stuck client fails the test instead of hanging it; a failed or unfinished
// script is reported through the test's t.Errorf, and [FakeBackend.Wait]
// returns the first failure:
//
//	f := pgtest.NewFakeBackend(t, pgtest.Script{
//		pgtest.Handshake(),
//		pgtest.Expect(&protocol.Query{SQL: "select 1"}),
//		pgtest.SendRaw([]byte{'Z', 0, 0, 0, 4}), // ReadyForQuery without its status
//		pgtest.ExpectClose(),
//	})
//	conn, err := pgmoon.ConnectString(ctx, f.DSN())
package pgtest
