package pgimage_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgimage"
)

// containerLabels are the labels pgtest gives its containers (see
// pgtest/docker.go), so that pgtest's next Docker start removes a container
// this test leaves behind if it is killed.
func containerLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		"pgmoon.pgtest":         "1",
		"pgmoon.pgtest.host":    host,
		"pgmoon.pgtest.pid":     strconv.Itoa(os.Getpid()),
		"pgmoon.pgtest.started": time.Now().UTC().Format(time.RFC3339),
	}
}

// requireDocker is the environment variable that turns a missing engine
// or installation from a skip into a failure.
const requireDocker = "PGMOON_TEST_REQUIRE_DOCKER"

// dockerClient returns a client of the engine DOCKER_HOST names, or skips
// the test (fails it when PGMOON_TEST_REQUIRE_DOCKER=1) if there is no
// engine or nothing to build an image from.
func dockerClient(t *testing.T) *docker.Client {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv(requireDocker) == "1" {
			t.Fatalf(format+" (and %s=1)", append(args, requireDocker)...)
		}
		t.Skipf(format, args...)
	}
	if runtime.GOOS != "linux" {
		unavailable("pgimage builds images on Linux only, not %s", runtime.GOOS)
	}
	if _, err := pgbin.Find(context.Background(), ""); err != nil {
		unavailable("no local PostgreSQL installation to build an image from: %v", err)
	}
	pool, err := dockertest.NewPool("")
	if err != nil {
		unavailable("docker engine: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pool.Client.PingWithContext(ctx); err != nil {
		unavailable("docker engine unreachable: %v", err)
	}
	return pool.Client
}

// logWriter sends progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	if s := strings.TrimRight(string(p), "\n"); strings.TrimSpace(s) != "" {
		w.t.Log(s)
	}
	return len(p), nil
}

// ensureImage builds (or reuses) the image, then checks that a second call
// reuses it.
func ensureImage(t *testing.T, ctx context.Context, client *docker.Client) string {
	t.Helper()
	res, err := pgimage.Ensure(ctx, client, pgimage.Options{Log: logWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first Ensure: %+v", res)
	again, err := pgimage.Ensure(ctx, client, pgimage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Built || again.Image != res.Image {
		t.Fatalf("second Ensure = %+v, want %s reused (Built false)", again, res.Image)
	}
	t.Logf("second Ensure: %+v", again)
	return res.Image
}

// container is one started from the image; it is removed when the test
// ends.
type container struct {
	t      *testing.T
	client *docker.Client
	id     string
}

// startContainer creates a container like docker run -d -p 127.0.0.1::5432,
// copies files into it before it starts, and starts it.
func startContainer(t *testing.T, ctx context.Context, client *docker.Client, image string, env, cmd []string, files map[string]string) *container {
	t.Helper()
	c, err := client.CreateContainer(docker.CreateContainerOptions{
		Context: ctx,
		Config: &docker.Config{
			Image:        image,
			Env:          env,
			Cmd:          cmd,
			Labels:       containerLabels(),
			ExposedPorts: map[docker.Port]struct{}{"5432/tcp": {}},
		},
		HostConfig: &docker.HostConfig{
			PortBindings: map[docker.Port][]docker.PortBinding{"5432/tcp": {{HostIP: "127.0.0.1"}}},
		},
	})
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	ct := &container{t: t, client: client, id: c.ID}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := client.RemoveContainer(docker.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true, Context: ctx})
		if err != nil {
			t.Errorf("remove container %s: %v", c.ID, err)
		}
	})
	if len(files) > 0 {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for name, content := range files {
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
			tw.Write([]byte(content))
		}
		tw.Close()
		if err := client.UploadToContainer(c.ID, docker.UploadToContainerOptions{
			InputStream: &buf, Path: "/docker-entrypoint-initdb.d", Context: ctx,
		}); err != nil {
			t.Fatalf("copy init files: %v", err)
		}
	}
	if err := client.StartContainerWithContext(c.ID, nil, ctx); err != nil {
		t.Fatalf("start container: %v", err)
	}
	return ct
}

func (c *container) inspect(ctx context.Context) *docker.Container {
	c.t.Helper()
	info, err := c.client.InspectContainerWithContext(c.id, ctx)
	if err != nil {
		c.t.Fatalf("inspect container: %v", err)
	}
	return info
}

// port is the host port published for 5432.
func (c *container) port(ctx context.Context) string {
	c.t.Helper()
	b := c.inspect(ctx).NetworkSettings.Ports["5432/tcp"]
	if len(b) == 0 || b[0].HostPort == "" {
		c.t.Fatal("port 5432 is not published")
	}
	return b[0].HostPort
}

// logs returns what the container printed so far.
func (c *container) logs() string {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.client.Logs(docker.LogsOptions{
		Context: ctx, Container: c.id, OutputStream: &out, ErrorStream: &out, Stdout: true, Stderr: true,
	})
	if err != nil {
		fmt.Fprintf(&out, "\n(logs: %v)", err)
	}
	return out.String()
}

// connect retries until the server in the container accepts the
// connection, the container stops, or a minute passes.
func (c *container) connect(ctx context.Context, cfg *pgmoon.Config) *pgmoon.Conn {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		conn, err := pgmoon.Connect(actx, cfg)
		acancel()
		if err == nil {
			c.t.Cleanup(func() { conn.Close(context.Background()) })
			return conn
		}
		if !c.inspect(ctx).State.Running {
			c.t.Fatalf("container stopped: %v\n%s", err, c.logs())
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("server not ready: %v\n%s", err, c.logs())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func scalar(t *testing.T, ctx context.Context, conn *pgmoon.Conn, sql string) string {
	t.Helper()
	res, err := conn.SimpleQuery(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(res) != 1 || len(res[0].Rows) != 1 || len(res[0].Rows[0]) != 1 {
		t.Fatalf("%s: want one value", sql)
	}
	return string(res[0].Rows[0][0])
}

func randomPassword(t *testing.T) string {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	// A quote and a space check that nothing on the way is a shell.
	return "pw' " + hex.EncodeToString(b)
}

// TestImage builds the image and uses it as the official image is used:
// docker run -e POSTGRES_PASSWORD -e POSTGRES_USER=alice -e POSTGRES_DB=shop
// -e POSTGRES_INITDB_ARGS=--data-checksums -p 127.0.0.1::5432 IMAGE
// -c max_connections=42, with init scripts.
func TestImage(t *testing.T) {
	client := dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	image := ensureImage(t, ctx, client)

	password := randomPassword(t)
	c := startContainer(t, ctx, client, image,
		[]string{
			"POSTGRES_PASSWORD=" + password,
			"POSTGRES_USER=alice",
			"POSTGRES_DB=shop",
			"POSTGRES_INITDB_ARGS=--data-checksums",
		},
		[]string{"-c", "max_connections=42"},
		map[string]string{
			// CREATE DATABASE refuses to run in a multi-statement query.
			"01-schema.sql": "create table items (id int primary key, name text);\n" +
				"insert into items values (1, 'semi;colon');\n" +
				"create database reports;\n" +
				"create function two() returns int language sql as $$ select 2; $$;\n",
			// psql in the image, over the socket, with PGPASSWORD set.
			"02-more.sh":   `psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "insert into items values (2, 'from sh')"` + "\n",
			"03-notes.txt": "not run",
		})
	port := c.port(ctx)

	cfg := &pgmoon.Config{
		Host: "127.0.0.1", User: "alice", Password: password, Database: "shop", SSLMode: pgmoon.SSLDisable,
	}
	fmt.Sscan(port, &cfg.Port)
	conn := c.connect(ctx, cfg)

	for sql, want := range map[string]string{
		"SHOW data_checksums":                                        "on",
		"SHOW max_connections":                                       "42",
		"SELECT current_user":                                        "alice",
		"SELECT current_database()":                                  "shop",
		"SELECT string_agg(name, ',' ORDER BY id) FROM items":        "semi;colon,from sh",
		"SELECT count(*) FROM pg_database WHERE datname = 'reports'": "1",
		"SELECT two()":                                               "2",
		"SHOW server_encoding":                                       "UTF8",
		"SHOW lc_collate":                                            "C.UTF-8",
		"SHOW TimeZone":                                              "Etc/UTC",
		"SHOW password_encryption":                                   "scram-sha-256",
		"SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user": "true",
	} {
		if got := scalar(t, ctx, conn, sql); got != want {
			t.Errorf("%s = %q, want %q", sql, got, want)
		}
	}

	wrong := *cfg
	wrong.Password = "wrong"
	_, err := pgmoon.Connect(ctx, &wrong)
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("connect with a wrong password: %v, want invalid_password (28P01)", err)
	}

	logs := c.logs()
	for _, want := range []string{
		"PostgreSQL init process complete; ready for start up.",
		"running /docker-entrypoint-initdb.d/01-schema.sql",
		"running /docker-entrypoint-initdb.d/02-more.sh",
		"ignoring /docker-entrypoint-initdb.d/03-notes.txt",
		"CREATE DATABASE",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, password) || strings.Contains(logs, password[4:]) {
		t.Errorf("logs show the password:\n%s", logs)
	}
	t.Logf("container output:\n%s", logs)
	if info := c.inspect(ctx); info.Config.User != "" {
		t.Errorf("container user %q, want the image's default (root, then postgres)", info.Config.User)
	}

	// A restart finds the database and skips initialization; docker stop
	// (SIGINT, a fast shutdown) reaches postgres as PID 1.
	start := time.Now()
	if err := client.StopContainerWithContext(c.id, 30, ctx); err != nil {
		t.Fatalf("stop container: %v", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("docker stop took %v: postgres did not get the stop signal", took)
	}
	if code := c.inspect(ctx).State.ExitCode; code != 0 {
		t.Errorf("exit code after stop %d, want 0\n%s", code, c.logs())
	}
	if err := client.StartContainerWithContext(c.id, nil, ctx); err != nil {
		t.Fatalf("restart container: %v", err)
	}
	cfg.Port = 0
	fmt.Sscan(c.port(ctx), &cfg.Port)
	conn = c.connect(ctx, cfg)
	if got := scalar(t, ctx, conn, "SELECT count(*) FROM items"); got != "2" {
		t.Errorf("rows after restart %s, want 2", got)
	}
	if logs := c.logs(); !strings.Contains(logs, "Skipping initialization") {
		t.Errorf("restart did not skip initialization:\n%s", logs)
	}
}

// TestImageRefusesEmptyPassword checks the official image's refusal to
// initialize a database nobody could log in to.
func TestImageRefusesEmptyPassword(t *testing.T) {
	client := dockerClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	image := ensureImage(t, ctx, client)

	c := startContainer(t, ctx, client, image, nil, nil, nil)
	code, err := client.WaitContainerWithContext(c.id, ctx)
	if err != nil {
		t.Fatalf("wait for container: %v", err)
	}
	logs := c.logs()
	if code != 1 || !strings.Contains(logs, "POSTGRES_PASSWORD") || !strings.Contains(logs, "POSTGRES_HOST_AUTH_METHOD=trust") {
		t.Errorf("exit code %d, want 1 with an explanation; logs:\n%s", code, logs)
	}
}
