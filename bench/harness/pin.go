package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/pgmoon-go/pgmoon"
)

// pinner pins this process and the server's processes to CPUs with
// taskset(1): the postmaster and all its children, with -a (every thread),
// so that backends forked later inherit the postmaster's CPU.
type pinner struct {
	taskset    string // path of taskset, "" if missing
	postmaster int    // pid of the server's postmaster, 0 if not found (a remote server)
	why        string // why something cannot be pinned
	restore    map[int]string
	procs      int // GOMAXPROCS to restore
}

func newPinner(ctx context.Context, dsn string) *pinner {
	p := &pinner{restore: map[int]string{}, procs: runtime.GOMAXPROCS(0)}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		p.why = "taskset not found: running unpinned"
		return p
	}
	p.taskset = ts
	pm, err := findPostmaster(ctx, dsn)
	if err != nil {
		p.why = "server not pinned: " + err.Error()
		return p
	}
	p.postmaster = pm
	return p
}

// findPostmaster asks the server for a backend's pid and takes its parent
// from /proc: the postmaster, if the server runs on this machine.
func findPostmaster(ctx context.Context, dsn string) (int, error) {
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("find postmaster: %w", err)
	}
	defer conn.Close(ctx)
	var pid int32
	if err := conn.QueryRow(ctx, "select pg_backend_pid()").Scan(&pid); err != nil {
		return 0, fmt.Errorf("find postmaster: %w", err)
	}
	ppid, _, err := procStat(int(pid))
	if err != nil {
		return 0, fmt.Errorf("find postmaster: backend %d is not a local process (a remote server or a container?)", pid)
	}
	if _, pcomm, err := procStat(ppid); err != nil || !strings.HasPrefix(pcomm, "postgres") && !strings.HasPrefix(pcomm, "postmaster") {
		return 0, fmt.Errorf("find postmaster: parent %d of backend %d is %q, not postgres", ppid, pid, pcomm)
	}
	return ppid, nil
}

// procStat reads the parent pid and command name of pid from /proc.
func procStat(pid int) (ppid int, comm string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", err
	}
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return 0, "", fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	comm = s[open+1 : close]
	f := strings.Fields(s[close+1:])
	if len(f) < 2 {
		return 0, "", fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, comm, err
}

// serverPIDs is the postmaster and its children.
func (p *pinner) serverPIDs() []int {
	pids := []int{p.postmaster}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if ppid, _, err := procStat(pid); err == nil && ppid == p.postmaster {
			pids = append(pids, pid)
		}
	}
	return pids
}

// affinity returns pid's current CPU list, as taskset prints it.
func (p *pinner) affinity(pid int) (string, error) {
	out, err := exec.Command(p.taskset, "-pc", strconv.Itoa(pid)).Output()
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(out))
	i := strings.LastIndex(s, ": ")
	if i < 0 {
		return "", fmt.Errorf("taskset: unexpected output %q", s)
	}
	return s[i+2:], nil
}

func (p *pinner) set(pid int, cpus string) error {
	if _, ok := p.restore[pid]; !ok {
		if a, err := p.affinity(pid); err == nil {
			p.restore[pid] = a
		}
	}
	out, err := exec.Command(p.taskset, "-a", "-pc", cpus, strconv.Itoa(pid)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset -a -pc %s %d: %v: %s", cpus, pid, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// pin puts this process on clientCPU (with GOMAXPROCS 1) and the server on
// serverCPU. It returns a note for the report on what was not pinned.
func (p *pinner) pin(clientCPU, serverCPU int) (note string) {
	if p.taskset == "" {
		return p.why
	}
	if err := p.set(os.Getpid(), strconv.Itoa(clientCPU)); err != nil {
		return "unpinned: " + err.Error()
	}
	runtime.GOMAXPROCS(1)
	note = fmt.Sprintf("client on CPU %d (GOMAXPROCS 1)", clientCPU)
	if p.postmaster == 0 {
		return note + "; " + p.why
	}
	for _, pid := range p.serverPIDs() {
		if err := p.set(pid, strconv.Itoa(serverCPU)); err != nil && pid == p.postmaster {
			return note + "; server not pinned: " + err.Error()
		}
	}
	return note + fmt.Sprintf("; server (postmaster %d and children) on CPU %d", p.postmaster, serverCPU)
}

// unpin gives every process pinned its affinity back.
func (p *pinner) unpin() {
	if p.taskset == "" {
		return
	}
	runtime.GOMAXPROCS(p.procs)
	all := fmt.Sprintf("0-%d", runtime.NumCPU()-1)
	if a, ok := p.restore[os.Getpid()]; ok {
		all = a
	}
	for pid, a := range p.restore {
		exec.Command(p.taskset, "-a", "-pc", a, strconv.Itoa(pid)).Run()
	}
	if p.postmaster != 0 {
		// Backends forked while pinned.
		for _, pid := range p.serverPIDs() {
			if _, ok := p.restore[pid]; !ok {
				exec.Command(p.taskset, "-a", "-pc", all, strconv.Itoa(pid)).Run()
			}
		}
	}
	p.restore = map[int]string{}
}

// wrap returns argv prefixed with taskset -c cpu, for a child process
// (pgbench) on the client's CPU, or argv unchanged when not pinning.
func (p *pinner) wrap(pinned bool, cpu int, argv []string) []string {
	if !pinned || p.taskset == "" {
		return argv
	}
	return append([]string{p.taskset, "-c", strconv.Itoa(cpu)}, argv...)
}
