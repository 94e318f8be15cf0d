package entry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// Main runs the entrypoint with the container's command (os.Args[1:]). It
// returns only on failure, with the exit status: on success the process
// becomes the command (postgres, as PID 1) through exec.
func Main(args []string) int {
	if err := run(args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: error: %v\n", progName, err)
		return 1
	}
	return 0
}

// progName prefixes the entrypoint's own messages.
const progName = "docker-entrypoint"

// serverUser is the account postgres runs as when the container starts as
// root.
const serverUser = "postgres"

func run(args []string) error {
	args = NormalizeArgs(args)
	if args[0] != "postgres" || WantHelp(args[1:]) {
		return execCommand(args)
	}
	env, err := LoadEnv(os.LookupEnv, os.ReadFile)
	if err != nil {
		return err
	}
	if err := makeDirs(env); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		if err := becomeServerUser(); err != nil {
			return err
		}
	}

	if _, err := os.Stat(filepath.Join(env.PGData, "PG_VERSION")); err == nil {
		fmt.Println()
		fmt.Println("PostgreSQL Database directory appears to contain a database; Skipping initialization")
		fmt.Println()
	} else {
		// SIGINT and SIGTERM (docker stop) during initialization stop the
		// temporary server before the container goes.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		err := initialize(ctx, env, args[1:])
		stop()
		if err != nil {
			return err
		}
	}
	return execCommand(args)
}

// execCommand replaces this process with args (PATH lookup).
func execCommand(args []string) error {
	path, err := exec.LookPath(args[0])
	if err != nil {
		return err
	}
	if err := syscall.Exec(path, args, os.Environ()); err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	return nil
}

// makeDirs creates PGDATA, the socket directory and the WAL directory
// with the modes PostgreSQL wants and, when running as root, gives them to
// the server's account.
func makeDirs(env *Env) error {
	if err := os.MkdirAll(env.PGData, 0o700); err != nil {
		return err
	}
	// Failures to chmod are ignored, as the official image does: postgres
	// itself says what it dislikes about the directory.
	_ = os.Chmod(env.PGData, 0o700)
	_ = os.MkdirAll(SocketDir, 0o775)
	_ = os.Chmod(SocketDir, 0o775|fs.ModeSetgid|fs.ModeSticky) // 03775
	dirs := []string{env.PGData, SocketDir}
	if env.WALDir != "" {
		if err := os.MkdirAll(env.WALDir, 0o700); err != nil {
			return err
		}
		_ = os.Chmod(env.WALDir, 0o700)
		dirs = append(dirs, env.WALDir)
	}
	if os.Geteuid() != 0 {
		return nil
	}
	uid, gid, _, err := lookupServerUser()
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := chownTree(d, uid, gid); err != nil {
			return fmt.Errorf("give %s to %s: %w", d, serverUser, err)
		}
	}
	return nil
}

// chownTree gives dir and everything in it that is not the server's yet to
// uid:gid.
func chownTree(dir string, uid, gid int) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid {
			return nil
		}
		return os.Lchown(path, uid, gid)
	})
}

func lookupServerUser() (uid, gid int, home string, err error) {
	u, err := user.Lookup(serverUser)
	if err != nil {
		return 0, 0, "", fmt.Errorf("look up OS user %s: %w", serverUser, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, "", fmt.Errorf("OS user %s: %w", serverUser, err)
	}
	return uid, gid, u.HomeDir, nil
}

// becomeServerUser drops root for the server's account, as gosu does in
// the official image. Go's syscall versions change every thread.
func becomeServerUser() error {
	uid, gid, home, err := lookupServerUser()
	if err != nil {
		return err
	}
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid %d: %w", gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid %d: %w", uid, err)
	}
	return os.Setenv("HOME", home)
}
