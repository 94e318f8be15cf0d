package pgimage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// entrypointPackage is the entrypoint's main package.
const entrypointPackage = "github.com/pgmoon-go/pgmoon/pgtest/internal/pgimage/entrypoint"

// entrypointDir returns where the entrypoint is built: a directory in the
// user's cache, so that go build finds the binary up to date and skips
// linking (half a second) when nothing changed; tmp if there is no cache
// directory. Callers hold the lock.
func entrypointDir(tmp string) string {
	cache, err := os.UserCacheDir()
	if err != nil {
		return tmp
	}
	dir := filepath.Join(cache, "pgmoon", "pgimage", "linux_"+runtime.GOARCH)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tmp
	}
	return dir
}

// buildEntrypoint builds the entrypoint into dir and returns its path. The
// build is static (CGO_ENABLED=0) and reproducible (-trimpath, no VCS
// stamp), so that an unchanged entrypoint keeps the image's hash.
func buildEntrypoint(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, serr := os.Stat(goTool); runtime.GOROOT() == "" || serr != nil {
			return "", fmt.Errorf("pgimage: go build entrypoint: no go command in PATH or GOROOT: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, goBuildTimeout)
	defer cancel()
	out := filepath.Join(dir, "docker-entrypoint")
	cmd := exec.CommandContext(ctx, goTool, "build",
		"-trimpath", "-buildvcs=false", "-ldflags=-s -w",
		"-o", out, entrypointPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
		}
		return "", fmt.Errorf("pgimage: go build %s (run from a module that requires github.com/pgmoon-go/pgmoon): %w\n%s",
			entrypointPackage, err, strings.TrimSpace(string(b)))
	}
	return out, nil
}
