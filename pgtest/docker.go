package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgimage"
)

// Docker configures a server that pgtest runs in a Docker container, through
// github.com/ory/dockertest/v3. The zero value runs the default image with
// a random superuser password. Fields other than Image and Endpoint follow
// the environment contract of the official postgres image
// (https://hub.docker.com/_/postgres), which any image pgtest runs must
// honour.
type Docker struct {
	// Image is the image to run, "repository:tag" or just "repository".
	// Without it, PGMOON_TEST_IMAGE ([EnvImage]) is used, and without that
	// the repository "postgres". A missing tag is the version asked for
	// with [WithVersion], or else the newest major version tag present in
	// the engine, or else DefaultTag. An image not present in the engine is
	// pulled.
	//
	// With no Image and no PGMOON_TEST_IMAGE, an image built from this
	// machine's PostgreSQL installation by
	// "go run github.com/pgmoon-go/pgmoon/pgtest/cmd/pgtest-image"
	// (pgmoon-local/postgres:MAJOR) stands in for postgres:MAJOR when that
	// is absent, for machines that cannot reach a registry.
	Image string

	User           string   // POSTGRES_USER: the superuser (default "postgres")
	Password       string   // POSTGRES_PASSWORD (default: random, unless HostAuthMethod is "trust")
	Database       string   // POSTGRES_DB: created at init (default: User)
	InitDBArgs     string   // POSTGRES_INITDB_ARGS, e.g. "--data-checksums --locale=C"
	HostAuthMethod string   // POSTGRES_HOST_AUTH_METHOD for TCP connections (default: the image's)
	Env            []string // further KEY=value variables for the container

	// Endpoint is the Docker engine's address, e.g.
	// "unix:///var/run/docker.sock". Default: DOCKER_HOST, or the
	// platform's default socket.
	Endpoint string
}

// DefaultTag is the tag of the official postgres image that pgtest pulls when
// nothing else names one and no postgres image is present.
const DefaultTag = "18"

// Paths inside a container pgtest starts.
const (
	containerSocketDir = "/pgtest-socket" // bind-mounted from the host when the engine is local
	localImageRepo     = pgimage.DefaultRepository
	officialImageRepo  = "postgres"
	imageBuildHint     = "on a machine that cannot pull images, build one from the local PostgreSQL " +
		"installation: go run github.com/pgmoon-go/pgmoon/pgtest/cmd/pgtest-image"
)

// dockerBackend runs postgres in a container.
type dockerBackend struct{ d Docker }

// dockerServer is one container that dockerBackend started.
type dockerServer struct {
	pool     *dockertest.Pool
	resource *dockertest.Resource
	o        *options
	port     int           // the server's port, on the host and in the container
	dir      string        // host directory: unix socket (when mounted) and CA file
	logDone  chan struct{} // closed when the log copy ends; nil without WithLogOutput
	stopped  bool          // Stop stopped the container
	held     io.Closer     // the host port, held while stopped; or nil
}

// newPool connects to the engine and checks that it answers.
func newPool(ctx context.Context, endpoint string) (*dockertest.Pool, error) {
	pool, err := dockertest.NewPool(endpoint)
	if err != nil {
		return nil, fmt.Errorf("pgtest: docker: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Client.PingWithContext(pctx); err != nil {
		return nil, fmt.Errorf("pgtest: docker: engine at %s does not answer: %w; %s",
			pool.Client.Endpoint(), err, dockerHint)
	}
	return pool, nil
}

const dockerHint = "start Docker (or set DOCKER_HOST to a running engine)"

func (b dockerBackend) start(ctx context.Context, o *options) (*Server, error) {
	pool, err := newPool(ctx, b.d.Endpoint)
	if err != nil {
		return nil, err
	}
	removeLeftoverContainers(ctx, pool)
	removeStaleDirs()

	repo, tag, err := resolveImage(ctx, pool.Client, b.d.Image, o.version)
	if err != nil {
		return nil, err
	}
	d := b.d
	if d.User == "" {
		d.User = "postgres"
	}
	if d.Database == "" {
		d.Database = d.User
	}
	if d.Password == "" && d.HostAuthMethod != "trust" {
		d.Password = randomHex(16)
	}

	ds := &dockerServer{pool: pool, o: o}
	if ds.dir, err = makeHostDir(); err != nil {
		return nil, fmt.Errorf("pgtest: temp dir: %w", err)
	}
	s, err := ds.setUp(ctx, o, d, repo, tag)
	if err != nil {
		if serr := ds.stop(); serr != nil {
			err = fmt.Errorf("%w\n(cleaning up: %v)", err, serr)
		}
		return nil, err
	}
	return s, nil
}

func (ds *dockerServer) setUp(ctx context.Context, o *options, d Docker, repo, tag string) (*Server, error) {
	env := []string{
		"POSTGRES_USER=" + d.User,
		"POSTGRES_PASSWORD=" + d.Password,
		"POSTGRES_DB=" + d.Database,
	}
	// Speed, as for a local server: initdb skips its final fsync, and with
	// TZ set it does not search the time zone database for the system's.
	env = append(env, "POSTGRES_INITDB_ARGS="+strings.TrimSpace("--no-sync "+d.InitDBArgs), "TZ=Etc/UTC")
	if d.HostAuthMethod != "" {
		env = append(env, "POSTGRES_HOST_AUTH_METHOD="+d.HostAuthMethod)
	}
	env = append(env, d.Env...)

	// pgtest's settings, then listen_addresses overridden (the later -c
	// wins): connections arrive from the engine's network.
	settings := append(slices.Clip(baseSettings), setting{"listen_addresses", "*"})
	mountSocket := engineIsLocal(ds.pool)
	if mountSocket {
		settings = append(settings, setting{"unix_socket_directories", "/var/run/postgresql," + containerSocketDir})
	}
	settings = append(settings, o.settings...)
	cmd := []string{"postgres"}
	for _, s := range settings {
		cmd = append(cmd, "-c", s.name+"="+s.value)
	}

	// The server listens on the same port inside the container as on the
	// host, so that the socket's name carries the port, as it does for a
	// local server.
	var (
		res  *dockertest.Resource
		port int
		err  error
	)
	for attempt := 1; ; attempt++ {
		if port, err = pickPort(); err != nil {
			return nil, fmt.Errorf("pgtest: pick port: %w", err)
		}
		p := dc.Port(strconv.Itoa(port) + "/tcp")
		id := randomHex(8)
		run := &dockertest.RunOptions{
			Repository:   repo,
			Tag:          tag,
			Env:          append(env, "PGPORT="+strconv.Itoa(port)),
			Cmd:          append(cmd, "-c", "port="+strconv.Itoa(port)),
			Labels:       containerLabels(id),
			ExposedPorts: []string{string(p)},
			PortBindings: map[dc.Port][]dc.PortBinding{p: {{HostIP: "127.0.0.1", HostPort: strconv.Itoa(port)}}},
		}
		if mountSocket {
			run.Mounts = []string{ds.dir + ":" + containerSocketDir}
		}
		res, err = runContainer(ctx, ds.pool, run, id)
		if err == nil {
			break
		}
		if !isPortTaken(err) || attempt == portAttempts {
			return nil, fmt.Errorf("pgtest: docker: run %s:%s: %w", repo, tag, err)
		}
	}
	ds.resource = res
	ds.port = port
	registerContainer(ds.pool, res.Container.ID)
	if o.logOutput != nil {
		ds.followLogs(o.logOutput, 0)
	}

	u := url.URL{
		Scheme:   "postgres",
		Host:     fmt.Sprintf("127.0.0.1:%d", port),
		Path:     "/" + d.Database,
		RawQuery: "sslmode=disable",
	}
	if d.Password != "" {
		u.User = url.UserPassword(d.User, d.Password)
	} else {
		u.User = url.User(d.User)
	}
	s := &Server{
		backend:   BackendDocker,
		dsn:       u.String(),
		host:      "127.0.0.1",
		port:      port,
		stop:      ds.stop,
		docker:    ds,
		container: res.Container.ID,
	}
	if err := ds.waitReady(ctx, o, s.dsn); err != nil {
		return nil, err
	}
	if mountSocket {
		s.socketDir = ds.dir
		s.socketDSN = fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
			quoteKeywordValue(ds.dir), port, quoteKeywordValue(d.User), quoteKeywordValue(d.Database))
		if d.Password != "" {
			s.socketDSN += " password=" + quoteKeywordValue(d.Password)
		}
		if ping(ctx, s.socketDSN) != nil {
			// The engine runs elsewhere after all (a VM, say): no socket.
			s.socketDir, s.socketDSN = "", ""
		}
	}
	return s, nil
}

// isPortTaken reports whether the engine could not publish the port
// because another process took it after pickPort.
func isPortTaken(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use")
}

// runContainer is dockertest's RunWithOptions bounded by ctx. If ctx ends
// first, or the run fails half way, the container is removed once it
// exists.
func runContainer(ctx context.Context, pool *dockertest.Pool, run *dockertest.RunOptions, id string) (*dockertest.Resource, error) {
	type result struct {
		res *dockertest.Resource
		err error
	}
	ch := make(chan result, 1)
	go func() {
		res, err := pool.RunWithOptions(run, func(hc *dc.HostConfig) {
			hc.PublishAllPorts = false // only the server's port, and only on 127.0.0.1
			// The data directory (under /var/lib/postgresql in the
			// official images) on an anonymous volume: unlike a tmpfs it
			// survives Stop and Start, it bypasses the engine's storage
			// driver, which can be slow, and the container's removal
			// (RemoveVolumes) removes it.
			hc.Mounts = append(hc.Mounts, dc.HostMount{Type: "volume", Target: "/var/lib/postgresql"})
		})
		ch <- result{res, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			removeContainersWithID(pool, id) // created but not started, say
		}
		return r.res, r.err
	case <-ctx.Done():
		go func() {
			<-ch
			removeContainersWithID(pool, id)
		}()
		return nil, context.Cause(ctx)
	}
}

// waitReady polls with real connections until the server answers a query
// over TCP. The official image's entrypoint first runs a temporary server
// that listens only on its unix socket, so a TCP answer means the final
// server.
func (ds *dockerServer) waitReady(ctx context.Context, o *options, dsn string) error {
	timeout := o.startTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		pctx, pcancel := context.WithTimeout(ctx, pingTimeout)
		lastErr = ping(pctx, dsn)
		pcancel()
		if lastErr == nil {
			return nil
		}
		c, err := ds.pool.Client.InspectContainerWithContext(ds.resource.Container.ID, ctx)
		if err == nil && !c.State.Running {
			return fmt.Errorf("pgtest: docker: container %s exited during start-up (exit code %d)%s",
				shortID(c.ID), c.State.ExitCode, ds.logTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: docker: wait for postgres: %w (last attempt: %v)%s",
				context.Cause(ctx), lastErr, ds.logTail())
		case <-tick.C:
		}
	}
}

// logTail formats the end of the container's output for an error.
func (ds *dockerServer) logTail() string {
	if ds.resource == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	err := ds.pool.Client.Logs(dc.LogsOptions{
		Context:      ctx,
		Container:    ds.resource.Container.ID,
		OutputStream: &out,
		ErrorStream:  &out,
		Stdout:       true,
		Stderr:       true,
		Tail:         "50",
	})
	if err != nil {
		return fmt.Sprintf(" (container log unavailable: %v)", err)
	}
	return outputTail("container log", out.Bytes())
}

// followLogs copies the container's output from since (a Unix time in
// seconds; 0 for all of it) to w until the container stops.
func (ds *dockerServer) followLogs(w io.Writer, since int64) {
	done := make(chan struct{})
	ds.logDone = done
	go func() {
		defer close(done)
		_ = ds.pool.Client.Logs(dc.LogsOptions{
			Container:    ds.resource.Container.ID,
			OutputStream: w,
			ErrorStream:  w,
			Stdout:       true,
			Stderr:       true,
			Follow:       true,
			Since:        since,
		})
	}()
}

// waitLogs waits, for a bounded time, until the log copy has ended.
func (ds *dockerServer) waitLogs() error {
	if ds.logDone == nil {
		return nil
	}
	select {
	case <-ds.logDone:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("pgtest: docker: the container log stream did not end")
	}
}

// halt stops the container: SIGINT to postgres, its PID 1, which shuts
// down in fast mode; SIGKILL after stopGrace or when ctx ends. The
// container, its volume and its host directory are kept, and the host port
// is held (when the engine runs here) until resume.
func (ds *dockerServer) halt(ctx context.Context) error {
	if ds.stopped {
		return nil
	}
	id := ds.resource.Container.ID
	client := ds.pool.Client
	var errs []error
	err := client.KillContainer(dc.KillContainerOptions{ID: id, Signal: dc.SIGINT, Context: ctx})
	var notRunning *dc.ContainerNotRunning
	if err != nil && !errors.As(err, &notRunning) {
		return fmt.Errorf("pgtest: stop: docker: signal container %s: %w", shortID(id), err)
	}
	wctx, cancel := context.WithTimeout(ctx, stopGrace)
	_, err = client.WaitContainerWithContext(id, wctx)
	cancel()
	if err != nil {
		why := fmt.Sprintf("did not stop %v after SIGINT", stopGrace)
		if ctx.Err() != nil {
			why = fmt.Sprintf("was still shutting down when the context ended (%v)", context.Cause(ctx))
		}
		kctx, kcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer kcancel()
		kerr := client.KillContainer(dc.KillContainerOptions{ID: id, Context: kctx}) // SIGKILL
		if kerr != nil && !errors.As(kerr, &notRunning) {
			return fmt.Errorf("pgtest: stop: docker: container %s %s, and killing it failed: %w", shortID(id), why, kerr)
		}
		if _, werr := client.WaitContainerWithContext(id, kctx); werr != nil {
			return fmt.Errorf("pgtest: stop: docker: container %s %s, and did not exit when killed: %w", shortID(id), why, werr)
		}
		errs = append(errs, fmt.Errorf("pgtest: stop: docker: container %s %s; killed it", shortID(id), why))
	}
	ds.stopped = true
	if err := ds.waitLogs(); err != nil {
		errs = append(errs, err)
	}
	if engineIsLocal(ds.pool) {
		ds.held = holdPort(ds.port)
	}
	return errors.Join(errs...)
}

// resume starts the container again, unless it runs, and waits until the
// server answers dsn. The engine publishes the same host port: the
// container keeps its port bindings.
func (ds *dockerServer) resume(ctx context.Context, dsn string) error {
	ds.releasePort()
	id := ds.resource.Container.ID
	since := time.Now().Unix()
	var err error
	for attempt := 1; ; attempt++ {
		err = ds.pool.Client.StartContainerWithContext(id, nil, ctx)
		var running *dc.ContainerAlreadyRunning
		if errors.As(err, &running) {
			if !ds.stopped {
				return nil
			}
			err = nil
		}
		if err == nil || !isPortTaken(err) || attempt == portAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: start: docker: container %s: port %d: %w", shortID(id), ds.port, context.Cause(ctx))
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err != nil {
		if isPortTaken(err) {
			return fmt.Errorf("pgtest: start: docker: container %s: %w (another process took port %d while the server was stopped)", shortID(id), err, ds.port)
		}
		return fmt.Errorf("pgtest: start: docker: container %s: %w", shortID(id), err)
	}
	ds.stopped = false
	if ds.o.logOutput != nil {
		if err := ds.waitLogs(); err != nil {
			return err
		}
		ds.followLogs(ds.o.logOutput, since)
	}
	return ds.waitReady(ctx, ds.o, dsn)
}

// releasePort lets go of the port halt held.
func (ds *dockerServer) releasePort() {
	if ds.held != nil {
		ds.held.Close()
		ds.held = nil
	}
}

// stop removes the container (and its anonymous volumes) and the host
// directory.
func (ds *dockerServer) stop() error {
	var errs []error
	ds.releasePort()
	if ds.resource != nil {
		unregisterContainer(ds.resource.Container.ID)
		if err := ds.pool.Purge(ds.resource); err != nil && !isNoSuchContainer(err) {
			errs = append(errs, fmt.Errorf("pgtest: docker: remove container %s: %w", shortID(ds.resource.Container.ID), err))
		}
		if err := ds.waitLogs(); err != nil {
			errs = append(errs, err)
		}
	}
	if ds.dir != "" {
		if err := removeAll(ds.dir); err != nil {
			errs = append(errs, fmt.Errorf("pgtest: remove temp dir: %w", err))
		}
	}
	return errors.Join(errs...)
}

func isNoSuchContainer(err error) bool {
	var e *dc.NoSuchContainer
	return errors.As(err, &e)
}

// makeHostDir makes a temporary directory for a container's unix socket and
// files, marked like a local server's so that a later run removes it if
// this process dies. It is writable by everyone: the server in the
// container runs as an account of the image's.
func makeHostDir() (string, error) {
	base := os.TempDir()
	if runtime.GOOS != "windows" && len(base)+len("/"+tempDirPrefix+"1234567890/.s.PGSQL.5432") > maxSocketPath {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, tempDirPrefix)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, markerFile), []byte(markerContent(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// engineIsLocal reports whether the engine runs on this machine, so that a
// directory bind-mounted into a container is this machine's directory (and
// a unix socket in it works from both sides).
func engineIsLocal(pool *dockertest.Pool) bool {
	return runtime.GOOS == "linux" && strings.HasPrefix(pool.Client.Endpoint(), "unix://")
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// EnvImage names the image the Docker backend runs when [Docker.Image] is
// empty: "repository:tag" or just "repository" (the tag is then chosen as
// for Docker.Image).
const EnvImage = "PGMOON_TEST_IMAGE"

// resolveImage picks the repository and tag to run and makes sure the
// engine has the image, pulling it if need be.
func resolveImage(ctx context.Context, client *dc.Client, image, version string) (repo, tag string, err error) {
	image, repos := imageRepos(image)
	if image != "" {
		repo, tag = splitImage(image)
	}
	if version != "" {
		tag = version
	}
	local, err := localTags(ctx, client)
	if err != nil {
		return "", "", fmt.Errorf("pgtest: docker: list images: %w", err)
	}
	if tag != "" && image != "" {
		return repo, tag, ensureImage(ctx, client, local, repo, tag)
	}
	if tag != "" { // a version, no image named: postgres:V, else pgmoon-local/postgres:V, else pull
		for _, r := range repos {
			if local[r+":"+tag] {
				return r, tag, nil
			}
		}
		return officialImageRepo, tag, ensureImage(ctx, client, local, officialImageRepo, tag)
	}
	// Neither: the newest major version present.
	best, bestRepo := -1, ""
	for _, r := range repos {
		for ref := range local {
			rest, ok := strings.CutPrefix(ref, r+":")
			if !ok {
				continue
			}
			if v, err := strconv.Atoi(rest); err == nil && v > best {
				best, bestRepo = v, r
			}
		}
	}
	if best >= 0 {
		return bestRepo, strconv.Itoa(best), nil
	}
	return repos[0], DefaultTag, ensureImage(ctx, client, local, repos[0], DefaultTag)
}

// imageRepos returns the image named by Docker.Image, else by
// PGMOON_TEST_IMAGE, else "", and the repositories to look in, in order,
// for a tag: the named image's, else postgres and its local stand-in.
func imageRepos(image string) (string, []string) {
	if image == "" {
		image = os.Getenv(EnvImage)
	}
	if image == "" {
		return "", []string{officialImageRepo, localImageRepo}
	}
	repo, _ := splitImage(image)
	return image, []string{repo}
}

// splitImage splits "host:5000/library/postgres:17" into repository and tag.
func splitImage(image string) (repo, tag string) {
	if i := strings.LastIndexByte(image, ':'); i > strings.LastIndexByte(image, '/') {
		return image[:i], image[i+1:]
	}
	return image, ""
}

// localTags returns the set of "repository:tag" references in the engine.
func localTags(ctx context.Context, client *dc.Client) (map[string]bool, error) {
	imgs, err := client.ListImages(dc.ListImagesOptions{Context: ctx})
	if err != nil {
		return nil, err
	}
	tags := make(map[string]bool)
	for _, img := range imgs {
		for _, t := range img.RepoTags {
			tags[t] = true
		}
	}
	return tags, nil
}

// ensureImage pulls repo:tag unless the engine has it.
func ensureImage(ctx context.Context, client *dc.Client, local map[string]bool, repo, tag string) error {
	if local[repo+":"+tag] {
		return nil
	}
	err := client.PullImage(dc.PullImageOptions{Repository: repo, Tag: tag, Context: ctx}, dc.AuthConfiguration{})
	if err != nil {
		return fmt.Errorf("pgtest: docker: image %s:%s is not in the engine and pulling it failed: %w; %s",
			repo, tag, err, imageBuildHint)
	}
	return nil
}

// Container labels: every container pgtest starts carries them, so that the
// containers of test binaries that were killed can be found and removed.
const (
	labelManaged = "pgmoon.pgtest"         // "1"
	labelID      = "pgmoon.pgtest.id"      // random, one per container
	labelHost    = "pgmoon.pgtest.host"    // hostname of the test binary's machine
	labelPID     = "pgmoon.pgtest.pid"     // process id of the test binary
	labelStarted = "pgmoon.pgtest.started" // RFC 3339 time the container was created
)

// leftoverAge is how old a container of another machine must be before a
// run here removes it: that machine's processes cannot be checked.
const leftoverAge = 24 * time.Hour

func containerLabels(id string) map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		labelManaged: "1",
		labelID:      id,
		labelHost:    host,
		labelPID:     strconv.Itoa(os.Getpid()),
		labelStarted: time.Now().UTC().Format(time.RFC3339),
	}
}

// removeLeftoverContainers removes, best effort, the containers of test
// binaries that died without removing them: pgtest containers of this
// machine whose process is gone, and those of other machines older than
// leftoverAge. It returns the ids removed.
func removeLeftoverContainers(ctx context.Context, pool *dockertest.Pool) []string {
	list, err := pool.Client.ListContainers(dc.ListContainersOptions{
		All:     true,
		Filters: map[string][]string{"label": {labelManaged + "=1"}},
		Context: ctx,
	})
	if err != nil {
		return nil
	}
	host, _ := os.Hostname()
	var removed []string
	for _, c := range list {
		if !isLeftover(c.Labels, host, time.Now()) {
			continue
		}
		err := pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true, Context: ctx})
		if err == nil || isNoSuchContainer(err) {
			removed = append(removed, c.ID)
		}
	}
	return removed
}

// isLeftover decides whether a pgtest container with these labels belongs
// to a test binary that is gone.
func isLeftover(labels map[string]string, host string, now time.Time) bool {
	if labels[labelHost] != host {
		started, err := time.Parse(time.RFC3339, labels[labelStarted])
		return err == nil && now.Sub(started) > leftoverAge
	}
	pid, err := strconv.Atoi(labels[labelPID])
	if err != nil || pid <= 0 {
		return false
	}
	return pid != os.Getpid() && !processAlive(pid)
}

// removeContainersWithID removes the containers labelled with one id.
func removeContainersWithID(pool *dockertest.Pool, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := pool.Client.ListContainers(dc.ListContainersOptions{
		All:     true,
		Filters: map[string][]string{"label": {labelID + "=" + id}},
		Context: ctx,
	})
	if err != nil {
		return
	}
	for _, c := range list {
		_ = pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true, Context: ctx})
	}
}

// live holds the containers this process runs, so that an interrupt
// (SIGINT, SIGTERM, SIGHUP) removes them before the process dies.
var live = struct {
	sync.Mutex
	containers  map[string]*dockertest.Pool
	stopSignals func() // stops the signal handler; nil when none is installed
}{containers: map[string]*dockertest.Pool{}}

func registerContainer(pool *dockertest.Pool, id string) {
	live.Lock()
	defer live.Unlock()
	live.containers[id] = pool
	if live.stopSignals == nil {
		live.stopSignals = handleSignals(removeLiveContainers)
	}
}

func unregisterContainer(id string) {
	live.Lock()
	defer live.Unlock()
	delete(live.containers, id)
	if len(live.containers) == 0 && live.stopSignals != nil {
		live.stopSignals()
		live.stopSignals = nil
	}
}

// removeLiveContainers removes every container this process runs.
func removeLiveContainers() {
	live.Lock()
	defer live.Unlock()
	var wg sync.WaitGroup
	for id, pool := range live.containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: id, Force: true, RemoveVolumes: true, Context: ctx})
		}()
	}
	wg.Wait()
	clear(live.containers)
}
