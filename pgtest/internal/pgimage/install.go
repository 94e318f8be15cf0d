package pgimage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// installation is a PostgreSQL installation on this machine.
type installation struct {
	binDir        string // real directory of postgres (symbolic links resolved)
	libDir        string // pkglibdir: the server's modules
	shareDir      string // sharedir: postgres.bki, extensions, time zone sets
	versionOutput string // postgres --version: "postgres (PostgreSQL) 15.4 (Debian 15.4-1)"
	version       string // "15.4"
	major         string // "15"; "9.6" before PostgreSQL 10
}

func inspectInstallation(ctx context.Context, bins pgbin.Binaries) (*installation, error) {
	postgres, err := filepath.EvalSymlinks(bins.Postgres)
	if err != nil {
		return nil, fmt.Errorf("pgimage: resolve %s: %w", bins.Postgres, err)
	}
	inst := &installation{binDir: filepath.Dir(postgres)}
	if _, err := os.Stat(filepath.Join(inst.binDir, "initdb")); err != nil {
		return nil, fmt.Errorf("pgimage: %s is in %s, but initdb is not: %w", bins.Postgres, inst.binDir, err)
	}
	out, err := runTool(ctx, postgres, "--version")
	if err != nil {
		return nil, err
	}
	inst.versionOutput = strings.TrimSpace(out)
	if inst.version, inst.major, err = pgbin.ParseVersion(inst.versionOutput); err != nil {
		return nil, fmt.Errorf("pgimage: %s --version: %w", postgres, err)
	}

	// pg_config of the installation knows its directories; without it,
	// guess the usual layouts.
	if pgConfig := filepath.Join(inst.binDir, "pg_config"); isFile(pgConfig) {
		out, err := runTool(ctx, pgConfig, "--pkglibdir", "--sharedir")
		if err != nil {
			return nil, err
		}
		if lines := strings.Fields(out); len(lines) == 2 {
			inst.libDir, inst.shareDir = lines[0], lines[1]
		}
	}
	if inst.libDir == "" {
		inst.libDir = filepath.Join(filepath.Dir(inst.binDir), "lib")
		for _, d := range []string{
			"/usr/share/postgresql/" + inst.major,             // Debian
			filepath.Join(filepath.Dir(inst.binDir), "share"), // from source, PGDG RPMs
		} {
			if isFile(filepath.Join(d, "postgres.bki")) {
				inst.shareDir = d
				break
			}
		}
	}
	if inst.shareDir == "" || !isFile(filepath.Join(inst.shareDir, "postgres.bki")) {
		return nil, fmt.Errorf("pgimage: no share directory with postgres.bki for %s (tried pg_config --sharedir and the usual places)", inst.binDir)
	}
	if fi, err := os.Stat(inst.libDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("pgimage: library directory %s of %s: not a directory", inst.libDir, inst.binDir)
	}
	return inst, nil
}

// runTool runs one of the installation's programs and returns its output.
func runTool(ctx context.Context, path string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = pgbin.CleanEnv()
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("pgimage: %s %s: %w", path, strings.Join(args, " "), err)
	}
	return string(out), nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
