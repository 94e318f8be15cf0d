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
// [Start] takes the first of these that applies: [WithLocal] asks for
// local binaries whatever the environment says; PGMOON_TEST_DSN
// ([EnvDSN]) names an existing server, which is used as it is (nothing is
// started or stopped, its role should be allowed to create databases, and
// the per-method users below are not available); [WithDocker] asks for a
// container; PGMOON_TEST_BACKEND ([EnvBackend]) says "local" or "docker";
// [WithBinDir] asks for local binaries; local binaries are found; a Docker
// engine answers. When nothing applies, the error says what to install.
// The same test code runs on every backend.
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
// # Docker
//
// The Docker backend runs a container through github.com/ory/dockertest/v3
// from the official postgres image (or any image with its environment
// contract; see [Docker] for how the image and tag are chosen, and
// PGMOON_TEST_IMAGE, [EnvImage]). It sets POSTGRES_USER,
// POSTGRES_PASSWORD (random unless given), POSTGRES_DB,
// POSTGRES_INITDB_ARGS (--no-sync, then [Docker.InitDBArgs]), TZ=Etc/UTC
// (which [Docker.Env] can override) and, if asked,
// POSTGRES_HOST_AUTH_METHOD; passes pgtest's and
// [WithSetting]'s settings as -c flags; keeps /var/lib/postgresql, where
// the data directory is, on an anonymous volume (so it survives
// [Server.Stop], and the container's removal removes it); has the server
// listen on a free port, published on 127.0.0.1 only under the same number;
// and waits until the server answers a query over TCP. When the engine runs on this machine, the container's unix socket
// is also mounted into a host directory ([Server.SocketDSN]).
//
// Every container carries labels (pgmoon.pgtest=1, the host name and the
// process id of the test binary). [Server.Close] removes the container and
// its volumes; so does an interrupt (SIGINT, SIGTERM, SIGHUP) of the test
// binary, before it dies; and the next Docker start removes containers whose
// test binary was killed outright.
//
// Machines that cannot pull images can build a stand-in from their own
// PostgreSQL installation:
//
//	go run github.com/pgmoon-go/pgmoon/pgtest/cmd/pgtest-image
//
// builds pgmoon-local/postgres:MAJOR (in seconds, reused while up to date),
// which the Docker backend uses in place of postgres:MAJOR when that image is
// absent.
//
// # Stopping and restarting
//
// [Server.Stop] shuts a server pgtest started down in fast mode: open
// transactions roll back and client connections are terminated, while the
// cluster (a local server's directory, a container and its volume) is kept.
// [Server.Start] brings the same cluster back on the same host, port and
// unix socket, so DSNs taken before keep working, and returns once the
// server answers; [Server.Restart] does both. Tests of reconnection, retry
// and pool recovery use them:
//
//	s, err := pgtest.Start(ctx)
//	...
//	defer s.Close()
//	// ... clients busy on s.DSN() ...
//	if err := s.Restart(ctx); err != nil {
//		t.Fatal(err)
//	}
//
// Restarting the server of [Default] disturbs every test that uses it; a
// test that restarts should [Start] a server of its own. [Server.Close]
// removes a stopped server as it does a running one. A server from
// PGMOON_TEST_DSN cannot be stopped or started.
//
// # Primary and standby
//
// [StartStandby] gives a local primary a hot standby: a copy made with
// pg_basebackup that streams and replays the primary's WAL, on a port and
// socket directory of its own, with the primary's roles. Writes on it fail
// with SQLSTATE 25006 (read_only_sql_transaction); [Server.CatchUp] waits
// until it has replayed everything the primary wrote; [Server.Promote] makes
// it a primary; Stop and Start take it down and up ("replica down"). The
// primary must be a local server, which [WithLocal] asks for even when
// PGMOON_TEST_BACKEND says docker, so that multi-host tests run in every
// pass:
//
//	primary, err := pgtest.Start(ctx, pgtest.WithLocal())
//	...
//	defer primary.Close()
//	standby, err := pgtest.StartStandby(ctx, primary)
//	...
//	defer standby.Close() // before the primary's
//	// write on primary.DSN(), then:
//	err = standby.CatchUp(ctx, primary)
//	// read on standby.DSN()
//
// Local servers accept replication connections from the socket and
// loopback, and PostgreSQL's defaults (wal_level=replica,
// max_wal_senders=10) let them feed standbys. Without pg_basebackup (on
// Debian, in postgresql-client-MAJOR) StartStandby fails and says what to
// install.
//
// # PgBouncer
//
// [StartPgBouncer] runs PgBouncer in front of a server, for tests of what
// a pooler in between changes (transaction pooling, prepared statements,
// startup parameters, cancellation). It listens on 127.0.0.1 and a free
// port, in transaction mode unless [WithPoolMode] says otherwise, and
// forwards every database to the server; [PgBouncer.DSN] and
// [PgBouncer.URL] connect through it as the server's superuser or its
// per-method users (with their passwords), and [PgBouncer.Show] reads the
// admin console (SHOW POOLS, SHOW CLIENTS, ...):
//
//	b, err := pgtest.StartPgBouncer(ctx, pgtest.Default(t), pgtest.WithDefaultPoolSize(1))
//	...
//	defer b.Close()
//	conn, err := pgmoon.ConnectString(ctx, b.DSN())
//
// The pgbouncer program comes from PATH or /usr/sbin (on Debian or
// Ubuntu, "apt-get install -y pgbouncer"). Run as root, pgtest runs it as
// the OS user it runs local servers as. Like a local server, it dies with
// the test binary on Linux, and the next start removes its directory.
//
// # Versions and TLS
//
// [WithVersion] asks for one major version: local binaries of that version,
// or the image tag of that name. [Versions] lists the versions available
// here, and [Matrix] runs a test once per version, each against its own
// server. [WithTLS] gives a started server a throwaway certificate
// authority and a server certificate, turns on ssl, and makes [Server.DSN]
// require TLS; [Server.RootCAs] and [Server.CAFile] verify the server.
//
// # Connection strings and users
//
// [Server.DSN] connects as the superuser over TCP ("postgres", trusted, for
// a local server; POSTGRES_USER with its password for a container) and
// [Server.SocketDSN] over the unix socket; [Server.URL] builds one for any
// user and database. A server pgtest started also has one role per
// authentication method, from [Server.User]: pg_hba.conf makes
// pgmoon_password use password, pgmoon_md5 md5 (its password is stored as
// an MD5 hash), pgmoon_scram scram-sha-256 and pgmoon_trust trust, on the
// socket and over TCP. On a local server every other role is trusted; in a
// container the image's own rules apply to them.
//
// # Logs
//
// A local server's log is kept in its temporary directory, a container's
// by the engine (docker logs); [WithLogOutput] copies either elsewhere. Errors from Start name the step that
// failed ("pgtest: initdb: ...") and end with the tail of the tool's output
// or of the server log.
//
// # Fault proxy
//
// [NewProxy] (or [StartProxy] outside tests) puts a TCP proxy between
// clients and a server and injects [Faults] into the bytes each way
// ([ToServer], [ToClient]): latency with jitter, a bandwidth limit, writes
// of a few bytes (SliceSize 1 forwards one byte per write), a silent black
// hole, a close after N bytes, an inverted byte at offset N, and resets
// (RST). [Proxy.SetFaults] changes them while connections are live;
// [Proxy.ResetAll] and [Proxy.CloseAll] end every connection at once;
// [Proxy.DSN] points a connection string at the proxy:
//
//	p := pgtest.NewProxy(t, net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port())))
//	dsn, err := p.DSN(srv.DSN())
//	...
//	p.SetFaults(pgtest.ToClient, pgtest.Faults{Latency: 50 * time.Millisecond})
//	p.SetFaults(pgtest.BothWays, pgtest.Faults{BlackHole: true}) // a dead network
//	p.ClearFaults()
//
// # Scripted fake backend
//
// [NewFakeBackend] listens on a loopback port and plays one [Script] per
// accepted connection: steps that expect client messages ([ExpectStartup],
// [Expect], [ExpectType], [ExpectCancelRequest], [ExpectClose]) and steps
// that act ([Send], [SendFunc], [SendRaw], [Sleep], [CloseConn]), and TLS
// ones ([StartTLS], and for broken TLS [ExpectTLSRefused] and
// [ExpectTLSClientHello]). [Handshake] is the start of a session that
// trusts the client. Every read has a deadline, so a
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
