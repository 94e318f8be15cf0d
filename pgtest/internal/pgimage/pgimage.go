// Package pgimage builds a PostgreSQL Docker image from this machine's
// PostgreSQL installation, for machines whose Docker engine cannot pull the
// official postgres image (no registry access).
//
// The image is FROM scratch: the installation's bin, lib (without the LLVM
// JIT provider) and share directories, the time zone database, the C.UTF-8
// locale, /bin/sh, the shared libraries that ldd lists for all of them, a
// minimal /etc, and an entrypoint written in Go (package entry) that honours
// the official image's environment contract: POSTGRES_PASSWORD,
// POSTGRES_USER, POSTGRES_DB, POSTGRES_INITDB_ARGS, the _FILE variants,
// POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD, PGDATA, PGPORT and
// /docker-entrypoint-initdb.d. So a container started from it is used like
// one started from postgres:<major>.
//
// # Reuse
//
// The image carries a label with a hash of everything it was built from
// (the entrypoint binary, postgres --version, the list of copied files with
// their sizes, modes and times, and the contents of the small ones). Ensure
// rebuilds only when that hash changed, so that calling it before every
// test run costs well under a second once the image exists.
//
// # Requirements
//
// A Linux host (the files are copied, not cross-built), ldd, and the go
// command: the entrypoint is built with go build, from a working directory
// inside a module that requires github.com/pgmoon-go/pgmoon (this one, or a
// user's whose tests import pgtest).
package pgimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/ory/dockertest/v3/docker"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// Labels of the image.
const (
	// LabelImage marks images built here; its value is "local".
	LabelImage = "pgmoon.pgtest.image"
	// LabelHash holds the hex SHA-256 of what the image was built from.
	LabelHash = "pgmoon.pgtest.image-hash"
	// LabelDescription is the OCI description label.
	LabelDescription = "org.opencontainers.image.description"
)

// DefaultRepository is the repository of the image when Options leave it
// empty.
const DefaultRepository = "pgmoon-local/postgres"

// Limits of the steps that run other programs or talk to the engine, on top
// of the context's.
const (
	goBuildTimeout = 3 * time.Minute
	lddTimeout     = 30 * time.Second // one ldd
	versionTimeout = 10 * time.Second
	buildTimeout   = 5 * time.Minute // sending the context and building
)

// Options say which installation to copy and how to name the image.
type Options struct {
	BinDir     string    // bin directory of the installation (default: the one pgtest's local backend finds: PATH, pg_config, /usr/lib/postgresql/*/bin, ...)
	Repository string    // image repository (default: "pgmoon-local/postgres")
	Tag        string    // image tag (default: the major version, e.g. "15" or "9.6")
	Force      bool      // build even if an up-to-date image exists, without the engine's build cache (default: false)
	Log        io.Writer // progress lines and the engine's build output (default: nil, none)
}

// Result describes the image Ensure made sure of.
type Result struct {
	Image string        // "repository:tag", e.g. "pgmoon-local/postgres:15"
	Built bool          // false: an image with the same hash existed and was reused
	Took  time.Duration // time Ensure spent
}

// Ensure makes sure that the engine behind client has an image of the
// PostgreSQL installation in o.BinDir tagged o.Repository:o.Tag and built
// from the installation as it is now, building it if needed. Calls on one
// machine are serialized with a lock file, so that parallel test processes
// build once.
//
// Errors start with "pgimage:" and name the step that failed.
func Ensure(ctx context.Context, client *docker.Client, o Options) (Result, error) {
	start := time.Now()
	res, err := ensure(ctx, client, o)
	res.Took = time.Since(start)
	return res, err
}

func ensure(ctx context.Context, client *docker.Client, o Options) (Result, error) {
	if runtime.GOOS != "linux" {
		return Result{}, fmt.Errorf("pgimage: the image is made of this machine's files, which needs a Linux host, not %s", runtime.GOOS)
	}
	if client == nil {
		return Result{}, errors.New("pgimage: nil docker client")
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "pgimage: "+format+"\n", args...)
		}
	}

	bins, err := pgbin.Find(ctx, o.BinDir)
	if err != nil {
		return Result{}, fmt.Errorf("pgimage: %w", err)
	}
	inst, err := inspectInstallation(ctx, bins)
	if err != nil {
		return Result{}, err
	}
	repo, tag := o.Repository, o.Tag
	if repo == "" {
		repo = DefaultRepository
	}
	if tag == "" {
		tag = inst.major
	}
	if strings.ContainsAny(tag, ":/@ ") || strings.ContainsAny(repo, ":@ ") {
		return Result{}, fmt.Errorf("pgimage: invalid image name %q:%q", repo, tag)
	}
	res := Result{Image: repo + ":" + tag}

	unlock, err := lock(ctx)
	if err != nil {
		return res, fmt.Errorf("pgimage: lock: %w", err)
	}
	defer unlock()

	tmp, err := os.MkdirTemp("", "pgmoon-pgimage-")
	if err != nil {
		return res, fmt.Errorf("pgimage: temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)

	entrypoint, err := buildEntrypoint(ctx, entrypointDir(tmp))
	if err != nil {
		return res, err
	}
	files, err := collect(ctx, inst, entrypoint, logf)
	if err != nil {
		return res, err
	}
	body, imageLabels := dockerfile(inst, files), labels(inst)
	hash, err := files.hash(body, imageLabels, inst.versionOutput)
	if err != nil {
		return res, err
	}

	existing, err := findImage(ctx, client, res.Image)
	if err != nil {
		return res, err
	}
	if existing != nil && existing.Labels[LabelHash] == hash && !o.Force {
		logf("%s is up to date (%s)", res.Image, shortHash(hash))
		return res, nil
	}
	switch {
	case existing == nil:
		logf("building %s: no such image yet", res.Image)
	case o.Force:
		logf("building %s: forced", res.Image)
	default:
		logf("building %s: the installation or the builder changed", res.Image)
	}
	logf("%d files, %.1f MB, from %s", files.count(), float64(files.size())/1e6, inst.binDir)

	imageLabels[LabelHash] = hash
	if err := build(ctx, client, res.Image, files, body+labelLine(imageLabels), o.Force, o.Log); err != nil {
		return res, err
	}
	res.Built = true
	built, err := findImage(ctx, client, res.Image)
	if err != nil {
		return res, err
	}
	if built == nil || built.Labels[LabelHash] != hash {
		return res, fmt.Errorf("pgimage: build of %s finished, but the engine has no such image with hash %s", res.Image, shortHash(hash))
	}
	removeDangling(ctx, client, logf)
	return res, nil
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
