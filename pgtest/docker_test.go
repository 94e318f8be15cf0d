package pgtest_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// EnvRequireDocker makes the Docker tests fail, instead of skip, when no
// engine answers. .ci/run sets it.
const EnvRequireDocker = "PGMOON_TEST_REQUIRE_DOCKER"

// dockerEngine returns a client for the engine the Docker backend uses, with
// an image for it to run (building one from the local PostgreSQL binaries
// when the engine has none). Without an engine the test is skipped, or
// fails under PGMOON_TEST_REQUIRE_DOCKER=1.
func dockerEngine(t *testing.T) *dc.Client {
	t.Helper()
	pool, err := dockertest.NewPool("")
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = pool.Client.PingWithContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv(EnvRequireDocker) == "1" {
			t.Fatalf("Docker engine unreachable (%s=1 requires it): %v", EnvRequireDocker, err)
		}
		t.Skipf("Docker engine unreachable: %v (set %s=1 to fail instead)", err, EnvRequireDocker)
	}
	ensureImageOnce.Do(func() { ensureImageErr = pgtest.EnsureTestImage(pool.Client) })
	if ensureImageErr != nil {
		t.Fatal(ensureImageErr)
	}
	return pool.Client
}

var (
	ensureImageOnce sync.Once
	ensureImageErr  error
)

// startDocker starts a Docker server with opts and closes it when the test
// ends.
func startDocker(t *testing.T, d pgtest.Docker, opts ...pgtest.Option) *pgtest.Server {
	t.Helper()
	return startServer(t, append(opts, pgtest.WithDocker(d))...)
}

// startServer starts a server with opts and closes it when the test ends.
func startServer(t *testing.T, opts ...pgtest.Option) *pgtest.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := pgtest.Start(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// TestDockerServer runs a container with the official image's environment
// variables and -c settings, and checks what the server reports, the
// published port, the labels, the socket, the roles, the log copy, and that
// Close removes the container.
func TestDockerServer(t *testing.T) {
	clearBackendEnv(t)
	client := dockerEngine(t)
	var log syncBuffer
	s := startDocker(t, pgtest.Docker{
		User:       "alice",
		Password:   "it's a secret",
		Database:   "shop",
		InitDBArgs: "--data-checksums --encoding=UTF8",
	}, pgtest.WithSetting("max_connections", "42"), pgtest.WithLogOutput(&log))

	if s.Backend() != pgtest.BackendDocker || s.ContainerID() == "" || s.Host() != "127.0.0.1" {
		t.Errorf("Backend, ContainerID, Host = %q, %q, %q", s.Backend(), s.ContainerID(), s.Host())
	}
	got := map[string]string{}
	for _, q := range []string{"current_user", "current_database()", "current_setting('data_checksums')",
		"current_setting('max_connections')", "current_setting('fsync')", "current_setting('server_encoding')"} {
		got[q] = queryOne(t, s.DSN(), "select "+q)
	}
	want := map[string]string{
		"current_user": "alice", "current_database()": "shop", "current_setting('data_checksums')": "on",
		"current_setting('max_connections')": "42", "current_setting('fsync')": "off", "current_setting('server_encoding')": "UTF8",
	}
	for q, w := range want {
		if got[q] != w {
			t.Errorf("%s = %q, want %q", q, got[q], w)
		}
	}
	if v := queryOne(t, s.DSN(), "select current_setting('server_version_num')::int / 10000"); v != strconv.Itoa(s.MajorVersion()) {
		t.Errorf("MajorVersion = %d, server says %s", s.MajorVersion(), v)
	}

	// A wrong password is refused: the superuser authenticates over TCP.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, err := pgmoon.ConnectString(ctx, s.URL("", "wrong", "")); err == nil {
		c.Close(ctx)
		t.Error("connected with a wrong password")
	} else if !strings.Contains(err.Error(), "28P01") {
		t.Errorf("wrong password: %v, want SQLSTATE 28P01", err)
	}

	// The per-method roles work in a container too.
	for _, method := range []string{pgtest.MethodPassword, pgtest.MethodMD5, pgtest.MethodSCRAMSHA256, pgtest.MethodTrust} {
		u, err := s.User(method)
		if err != nil {
			t.Fatal(err)
		}
		if got := queryOne(t, s.URL(u.Name, u.Password, ""), "select current_user"); got != u.Name {
			t.Errorf("%s: current_user = %q", method, got)
		}
		if method != pgtest.MethodTrust {
			if c, err := pgmoon.ConnectString(ctx, s.URL(u.Name, "wrong", "")); err == nil {
				c.Close(ctx)
				t.Errorf("%s: connected with a wrong password", method)
			}
		}
	}

	// The unix socket is mounted on the host.
	if s.SocketDSN() == "" {
		t.Error("no SocketDSN for a container of a local engine")
	} else if got := queryOne(t, s.SocketDSN(), "select current_user"); got != "alice" {
		t.Errorf("over the socket: current_user = %q", got)
	}

	c, err := client.InspectContainer(s.ContainerID())
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(s.Port())
	bindings := c.HostConfig.PortBindings[dc.Port(port+"/tcp")]
	if len(bindings) != 1 || bindings[0].HostIP != "127.0.0.1" || bindings[0].HostPort != port {
		t.Errorf("port bindings = %+v, want %s on 127.0.0.1 only", c.HostConfig.PortBindings, port)
	}
	if len(c.HostConfig.PortBindings) != 1 || c.HostConfig.PublishAllPorts {
		t.Errorf("published: %+v, all: %v; want only the server's port", c.HostConfig.PortBindings, c.HostConfig.PublishAllPorts)
	}
	if !strings.Contains(s.SocketDSN(), "port="+port) {
		t.Errorf("SocketDSN %q does not name port %s", s.SocketDSN(), port)
	}
	for k, v := range map[string]string{"pgmoon.pgtest": "1", "pgmoon.pgtest.pid": strconv.Itoa(os.Getpid())} {
		if c.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Config.Labels[k], v)
		}
	}
	if strings.Contains(strings.Join(c.Config.Cmd, " "), "secret") {
		t.Errorf("the password is on the command line: %q", c.Config.Cmd)
	}

	dir := s.SocketDir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.InspectContainer(s.ContainerID()); !isNoSuchContainer(err) {
		t.Errorf("after Close, inspecting the container: %v, want no such container", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, the host directory %s: %v", dir, err)
	}
	if !strings.Contains(log.String(), "database system is ready to accept connections") {
		t.Errorf("WithLogOutput did not get the server log:\n%s", log.String())
	}
	if strings.Contains(log.String(), "secret") {
		t.Error("the log shows the password")
	}
}

func isNoSuchContainer(err error) bool {
	var e *dc.NoSuchContainer
	return errors.As(err, &e)
}

// TestDockerTrust checks POSTGRES_HOST_AUTH_METHOD=trust: no password.
func TestDockerTrust(t *testing.T) {
	clearBackendEnv(t)
	dockerEngine(t)
	s := startDocker(t, pgtest.Docker{HostAuthMethod: "trust"})
	u, err := url.Parse(s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, set := u.User.Password(); set {
		t.Errorf("DSN %q has a password", s.DSN())
	}
	if got := queryOne(t, s.URL("postgres", "", "postgres"), "select current_user"); got != "postgres" {
		t.Errorf("current_user = %q", got)
	}
}

// TestDockerStartFailure checks that a container that exits during start-up
// fails Start at once with the container's output, and leaves nothing.
func TestDockerStartFailure(t *testing.T) {
	clearBackendEnv(t)
	client := dockerEngine(t)
	start := time.Now()
	startFails(t, []string{"exited during start-up", "container log", "no-such-option"},
		pgtest.WithDocker(pgtest.Docker{InitDBArgs: "--no-such-option"}))
	if d := time.Since(start); d > time.Minute {
		t.Errorf("Start took %v to notice", d)
	}
	list, err := client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{
		"label": {"pgmoon.pgtest.pid=" + strconv.Itoa(os.Getpid())}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.State != "running" { // the other tests' containers run
			t.Errorf("container %s (%s) left behind", c.ID[:12], c.State)
		}
	}
}

// TestDockerNoEngine checks the error when the engine does not answer.
func TestDockerNoEngine(t *testing.T) {
	clearBackendEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	_, err := pgtest.Start(ctx, pgtest.WithDocker(pgtest.Docker{Endpoint: "unix://" + sock}))
	if err == nil || !strings.Contains(err.Error(), "does not answer") || !strings.Contains(err.Error(), "start Docker") {
		t.Errorf("Start = %v, want an error saying the engine does not answer", err)
	}
}

// TestDockerMissingImage checks the error for a version with no image.
func TestDockerMissingImage(t *testing.T) {
	clearBackendEnv(t)
	dockerEngine(t)
	startFails(t, []string{"image pgmoon-local/no-such-image:8 is not in the engine", "pgtest-image"},
		pgtest.WithDocker(pgtest.Docker{Image: "pgmoon-local/no-such-image"}), pgtest.WithVersion("8"))
}

// TestWithTLS starts a server with TLS on each backend and checks that the
// driver connects over TLS and that the server's certificate verifies
// against RootCAs for 127.0.0.1 and localhost.
func TestWithTLS(t *testing.T) {
	clearBackendEnv(t)
	for _, backend := range []string{pgtest.BackendLocal, pgtest.BackendDocker} {
		t.Run(backend, func(t *testing.T) {
			var s *pgtest.Server
			if backend == pgtest.BackendDocker {
				dockerEngine(t)
				s = startDocker(t, pgtest.Docker{}, pgtest.WithTLS())
			} else {
				s = startServer(t, pgtest.WithTLS())
			}
			if !strings.Contains(s.DSN(), "sslmode=require") {
				t.Errorf("DSN %q does not require TLS", s.DSN())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, err := pgmoon.ConnectString(ctx, s.DSN())
			if err != nil {
				t.Fatal(err)
			}
			if !conn.UsesTLS() {
				t.Error("UsesTLS = false")
			}
			conn.Close(ctx)
			if pem, err := os.ReadFile(s.CAFile()); err != nil || !strings.Contains(string(pem), "BEGIN CERTIFICATE") {
				t.Errorf("CAFile %q: %v", s.CAFile(), err)
			}
			for _, name := range []string{"localhost", "127.0.0.1"} {
				if err := verifyServerCert(ctx, s, name); err != nil {
					t.Errorf("verify as %s: %v", name, err)
				}
			}
		})
	}
}

// verifyServerCert does the TLS handshake that sslmode=verify-full would:
// SSLRequest, then crypto/tls with the server's authority and name.
func verifyServerCert(ctx context.Context, s *pgtest.Server, serverName string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}); err != nil { // SSLRequest
		return err
	}
	var b [1]byte
	if _, err := c.Read(b[:]); err != nil || b[0] != 'S' {
		return fmt.Errorf("SSLRequest answered %q, %v", b[0], err)
	}
	tc := tls.Client(c, &tls.Config{RootCAs: s.RootCAs(), ServerName: serverName})
	return tc.HandshakeContext(ctx)
}

// Child processes: TestMain runs runChild instead of the tests when
// childEnvVar is set, so that a test can kill a test binary that runs a
// container.
const childEnvVar = "PGTEST_DOCKER_CHILD"

// runChild starts a Docker server, prints its container id and waits to
// be killed.
func runChild() int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := pgtest.Start(ctx, pgtest.WithDocker(pgtest.Docker{}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("container %s\n", s.ContainerID())
	select {}
}

// startChild runs this test binary as a child that starts a container, and
// returns the child and the container's id.
func startChild(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnvVar+"=1", pgtest.EnvDSN+"=", pgtest.EnvBackend+"=")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "container ")
	if err != nil || !ok || id == "" {
		t.Fatalf("child printed %q, %v", line, err)
	}
	return cmd, id
}

// TestDockerKilledRunLeavesNoContainer kills (SIGKILL) a test binary that
// runs a container: the container outlives it, and the next Start removes
// it.
func TestDockerKilledRunLeavesNoContainer(t *testing.T) {
	clearBackendEnv(t)
	client := dockerEngine(t)
	cmd, id := startChild(t)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := client.InspectContainer(id); err != nil {
		t.Fatalf("the killed child's container is already gone (%v); the test proves nothing", err)
	}
	startDocker(t, pgtest.Docker{}) // the next run
	if _, err := client.InspectContainer(id); !isNoSuchContainer(err) {
		t.Errorf("after the next Start, the leftover container %s: %v, want no such container", id[:12], err)
		client.RemoveContainer(dc.RemoveContainerOptions{ID: id, Force: true, RemoveVolumes: true})
	}
}

// TestDockerInterruptedRunRemovesContainer interrupts (SIGINT, then
// SIGTERM) a test binary that runs a container: it removes the container
// before it dies of the signal.
func TestDockerInterruptedRunRemovesContainer(t *testing.T) {
	clearBackendEnv(t)
	client := dockerEngine(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, id := startChild(t)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != sig {
				t.Errorf("child ended with %v, want death by %v", err, sig)
			}
			if _, err := client.InspectContainer(id); !isNoSuchContainer(err) {
				t.Errorf("after %v, the container %s: %v, want no such container", sig, id[:12], err)
				client.RemoveContainer(dc.RemoveContainerOptions{ID: id, Force: true, RemoveVolumes: true})
			}
		})
	}
}

// TestDockerMatrix runs a check on every major version the engine has an
// image of.
func TestDockerMatrix(t *testing.T) {
	clearBackendEnv(t)
	dockerEngine(t)
	docker := pgtest.WithDocker(pgtest.Docker{})
	versions, err := pgtest.Versions(context.Background(), docker)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("versions: %v", versions)
	var ran []string
	pgtest.Matrix(t, versions, func(t *testing.T, s *pgtest.Server) {
		got := queryOne(t, s.DSN(), "select current_setting('server_version_num')::int / 10000")
		if got != strconv.Itoa(s.MajorVersion()) {
			t.Errorf("server is %s, MajorVersion %d", got, s.MajorVersion())
		}
		ran = append(ran, got)
	}, docker)
	if strings.Join(ran, ",") != strings.Join(versions, ",") {
		t.Errorf("ran %v, want %v", ran, versions)
	}
}

// TestDockerImageVolumes runs images that declare a VOLUME where the
// official images do (/var/lib/postgresql/data before PostgreSQL 18,
// /var/lib/postgresql since), under or at pgtest's own volume there, and checks that
// Close removes the anonymous volumes with the container.
func TestDockerImageVolumes(t *testing.T) {
	clearBackendEnv(t)
	client := dockerEngine(t)
	versions, err := pgtest.Versions(context.Background(), pgtest.WithDocker(pgtest.Docker{}))
	if err != nil || len(versions) == 0 {
		t.Fatalf("Versions = %v, %v", versions, err)
	}
	var base string
	for _, repo := range []string{"postgres", "pgmoon-local/postgres"} {
		if _, err := client.InspectImage(repo + ":" + versions[0]); err == nil {
			base = repo + ":" + versions[0]
			break
		}
	}
	for _, volume := range []string{"/var/lib/postgresql/data", "/var/lib/postgresql"} {
		t.Run(volume, func(t *testing.T) {
			image := "pgmoon-test/volume:" + strings.NewReplacer("/", "-").Replace(strings.Trim(volume, "/"))
			buildImage(t, client, image, "FROM "+base+"\nVOLUME "+volume+"\n")
			before := volumeNames(t, client)
			s := startDocker(t, pgtest.Docker{Image: image})
			if got := queryOne(t, s.DSN(), "select 1"); got != "1" {
				t.Errorf("select 1 = %q", got)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			for name := range volumeNames(t, client) {
				if !before[name] {
					t.Errorf("volume %s left behind", name)
				}
			}
		})
	}
}

// buildImage builds a one-file Dockerfile as image, removed when the test
// ends.
func buildImage(t *testing.T, client *dc.Client, image, dockerfile string) {
	t.Helper()
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))})
	tw.Write([]byte(dockerfile))
	tw.Close()
	var out bytes.Buffer
	err := client.BuildImage(dc.BuildImageOptions{Name: image, InputStream: &ctxTar, OutputStream: &out, RmTmpContainer: true})
	if err != nil {
		t.Fatalf("build %s: %v\n%s", image, err, out.String())
	}
	t.Cleanup(func() { client.RemoveImage(image) })
}

func volumeNames(t *testing.T, client *dc.Client) map[string]bool {
	t.Helper()
	vols, err := client.ListVolumes(dc.ListVolumesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := make(map[string]bool)
	for _, v := range vols {
		names[v.Name] = true
	}
	return names
}
