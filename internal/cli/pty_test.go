//go:build linux

package cli

// A harness that runs pgmoon-cli on a pseudo-terminal and models the screen
// it draws, so tests can type keys and check what a user would see.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// ptyTimeout bounds every wait for output. It is not a timing assertion:
// it only turns a hang into a failure that shows the screen.
const ptyTimeout = 20 * time.Second

const (
	ptyCols = 120
	ptyRows = 40
)

// vtScreen is a small VT100 emulator: enough of the control sequences for the
// line editor and for plain output (cursor motion, erase in line and display,
// auto-wrap, double-width characters). Rows that scroll off the top are kept,
// so Text shows the whole session. It also keeps the output as plain text,
// escape sequences removed, for waiting on output in order.
type vtScreen struct {
	width, height int
	lines         [][]rune // cells; wideTail marks the right half of a wide character
	row, col      int      // col == width: a wrap is pending
	state         int      // parser state
	seq           []byte   // escape sequence or partial UTF-8 being collected
	plain         []byte
}

const wideTail = -1

const (
	stNormal = iota
	stEsc
	stCSI
	stOSC
	stCharset
)

func newVTScreen(width, height int) *vtScreen {
	return &vtScreen{width: width, height: height, lines: [][]rune{nil}}
}

func (s *vtScreen) top() int { return max(0, len(s.lines)-s.height) }

func (s *vtScreen) line() []rune {
	for len(s.lines) <= s.row {
		s.lines = append(s.lines, nil)
	}
	return s.lines[s.row]
}

func (s *vtScreen) put(r rune) {
	w := editRuneWidth(r)
	if w == 0 {
		return
	}
	if s.col+w > s.width {
		s.col, s.row = 0, s.row+1
	}
	l := s.line()
	for len(l) < s.col+w {
		l = append(l, ' ')
	}
	if s.col > 0 && l[s.col] == wideTail {
		l[s.col-1] = ' '
	}
	l[s.col] = r
	if w == 2 {
		l[s.col+1] = wideTail
	}
	s.lines[s.row] = l
	s.col += w
}

// Write takes terminal output.
func (s *vtScreen) Write(p []byte) (int, error) {
	for _, c := range p {
		s.feed(c)
	}
	return len(p), nil
}

func (s *vtScreen) feed(c byte) {
	switch s.state {
	case stEsc:
		switch c {
		case '[':
			s.state, s.seq = stCSI, s.seq[:0]
		case ']':
			s.state = stOSC
		case '(', ')':
			s.state = stCharset
		default:
			s.state = stNormal
		}
		return
	case stCSI:
		if c >= 0x40 && c <= 0x7e {
			s.csi(string(s.seq), c)
			s.state, s.seq = stNormal, s.seq[:0]
		} else {
			s.seq = append(s.seq, c)
		}
		return
	case stOSC:
		if c == 7 || c == '\\' {
			s.state = stNormal
		}
		return
	case stCharset:
		s.state = stNormal
		return
	}
	if len(s.seq) > 0 || c >= 0x80 {
		s.seq = append(s.seq, c)
		if !utf8.FullRune(s.seq) {
			return
		}
		r, _ := utf8.DecodeRune(s.seq)
		s.seq = s.seq[:0]
		s.put(r)
		s.plain = utf8.AppendRune(s.plain, r)
		return
	}
	switch c {
	case 0x1b:
		s.state = stEsc
	case '\r':
		s.col = 0
	case '\n', '\v', '\f':
		s.row++
		s.line()
		s.col = min(s.col, s.width-1)
		s.plain = append(s.plain, '\n')
	case '\b':
		s.col = max(0, min(s.col, s.width-1)-1)
	case '\t':
		s.col = min(s.width-1, (s.col/8+1)*8)
	case 7, 0:
	default:
		if c >= 0x20 && c != 0x7f {
			s.put(rune(c))
			s.plain = append(s.plain, c)
		}
	}
}

func (s *vtScreen) csi(params string, final byte) {
	if strings.HasPrefix(params, "?") || strings.HasPrefix(params, ">") {
		return // modes: bracketed paste, cursor keys, ...
	}
	args := strings.Split(params, ";")
	arg := func(i, def int) int {
		if i < len(args) {
			if n, err := strconv.Atoi(args[i]); err == nil && n > 0 {
				return n
			}
		}
		return def
	}
	s.col = min(s.col, s.width-1) // any cursor motion ends a pending wrap
	switch final {
	case 'A':
		s.row = max(s.top(), s.row-arg(0, 1))
	case 'B':
		s.row += arg(0, 1)
		s.line()
	case 'C':
		s.col = min(s.width-1, s.col+arg(0, 1))
	case 'D':
		s.col = max(0, s.col-arg(0, 1))
	case 'G':
		s.col = min(s.width-1, arg(0, 1)-1)
	case 'H', 'f':
		s.row = s.top() + arg(0, 1) - 1
		s.col = min(s.width-1, arg(1, 1)-1)
		s.line()
	case 'K':
		l := s.line()
		switch arg(0, 0) {
		case 0:
			if s.col < len(l) {
				s.lines[s.row] = l[:s.col]
			}
		case 1:
			for i := 0; i <= s.col && i < len(l); i++ {
				l[i] = ' '
			}
		case 2:
			s.lines[s.row] = nil
		}
	case 'J':
		switch arg(0, 0) {
		case 0:
			l := s.line()
			if s.col < len(l) {
				s.lines[s.row] = l[:s.col]
			}
			s.lines = s.lines[:s.row+1]
		case 2, 3:
			for i := s.top(); i < len(s.lines); i++ {
				s.lines[i] = nil
			}
		}
	}
}

// Text is every row, trailing blanks trimmed, rows joined by "\n", with
// trailing empty rows dropped.
func (s *vtScreen) Text() string {
	rows := make([]string, len(s.lines))
	for i, l := range s.lines {
		var b strings.Builder
		for _, r := range l {
			if r != wideTail {
				b.WriteRune(r)
			}
		}
		rows[i] = strings.TrimRight(b.String(), " ")
	}
	return strings.TrimRight(strings.Join(rows, "\n"), "\n")
}

// Row is one row's text, trailing blanks trimmed; i < 0 counts from the cursor row.
func (s *vtScreen) Row(i int) string {
	if i < 0 {
		i += s.row + 1
	}
	if i < 0 || i >= len(s.lines) {
		return ""
	}
	var b strings.Builder
	for _, r := range s.lines[i] {
		if r != wideTail {
			b.WriteRune(r)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// ptyTerm is the master side of a pty with a screen fed by what comes out.
type ptyTerm struct {
	t      testing.TB
	master *os.File

	mu      sync.Mutex
	scr     *vtScreen
	raw     []byte
	mark    int           // expect searches s.scr.plain from here
	changed chan struct{} // signalled after output arrives
	eof     chan struct{} // closed when the master reads EOF/EIO
}

func newPTYTerm(t testing.TB, master *os.File) *ptyTerm {
	p := &ptyTerm{
		t: t, master: master, scr: newVTScreen(ptyCols, ptyRows),
		changed: make(chan struct{}, 1), eof: make(chan struct{}),
	}
	go p.readLoop()
	return p
}

func (p *ptyTerm) readLoop() {
	defer close(p.eof)
	var b [4096]byte
	for {
		n, err := p.master.Read(b[:])
		if n > 0 {
			p.mu.Lock()
			p.raw = append(p.raw, b[:n]...)
			p.scr.Write(b[:n])
			p.mu.Unlock()
			select {
			case p.changed <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// send types keys.
func (p *ptyTerm) send(keys string) {
	p.t.Helper()
	if _, err := p.master.Write([]byte(keys)); err != nil {
		p.t.Fatalf("send %q: %v", keys, err)
	}
}

// waitFor waits until cond holds on the screen. cond runs with the screen
// locked: it must not block, nor end the test.
func (p *ptyTerm) waitFor(what string, cond func(s *vtScreen) bool) {
	p.t.Helper()
	deadline := time.NewTimer(ptyTimeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		ok := cond(p.scr)
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-p.changed:
		case <-p.eof:
			p.mu.Lock()
			ok := cond(p.scr)
			p.mu.Unlock()
			if !ok {
				p.t.Fatalf("output ended before %s\n%s", what, p.dump())
			}
			return
		case <-deadline.C:
			p.t.Fatalf("timed out after %v waiting for %s\n%s", ptyTimeout, what, p.dump())
		}
	}
}

// expect waits for text in the output after what the previous expect matched.
func (p *ptyTerm) expect(text string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%q", text), func(s *vtScreen) bool {
		i := strings.Index(string(s.plain[p.mark:]), text)
		if i < 0 {
			return false
		}
		p.mark += i + len(text)
		return true
	})
}

// expectRow waits until the cursor's row (offset rows above it; 0 for the
// cursor's own) reads exactly want.
func (p *ptyTerm) expectRow(offset int, want string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("row %d above the cursor to be %q", offset, want), func(s *vtScreen) bool {
		return s.Row(-1-offset) == want
	})
}

// screenText is the screen's text now.
func (p *ptyTerm) screenText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.scr.Text()
}

// skip moves the expect mark to the end of the output so far.
func (p *ptyTerm) skip() {
	p.mu.Lock()
	p.mark = len(p.scr.plain)
	p.mu.Unlock()
}

func (p *ptyTerm) dump() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	raw := p.raw
	if len(raw) > 2000 {
		raw = raw[len(raw)-2000:]
	}
	return fmt.Sprintf("--- vtScreen (cursor row %d, col %d) ---\n%s\n--- last output bytes ---\n%q",
		p.scr.row, p.scr.col, p.scr.Text(), raw)
}

// ptyCLI is pgmoon-cli running on a pty.
type ptyCLI struct {
	*ptyTerm
	cmd  *exec.Cmd
	done chan struct{}
	err  error // from Wait, valid after done
	home string
}

var (
	cliBuildOnce sync.Once
	cliBinary    string
	cliBuildErr  error
)

// buildCLIBinary builds cmd/pgmoon-cli once per test process. The binary goes to
// a directory under the system temp dir where binaries older than a day,
// left by earlier runs, are removed.
func buildCLIBinary(t testing.TB) string {
	t.Helper()
	cliBuildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			cliBuildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		dir := filepath.Join(os.TempDir(), "pgmoon-cli-pty-test")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			cliBuildErr = err
			return
		}
		if old, err := os.ReadDir(dir); err == nil {
			for _, e := range old {
				if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
					os.Remove(filepath.Join(dir, e.Name()))
				}
			}
		}
		cliBinary = filepath.Join(dir, "pgmoon-cli-"+strconv.Itoa(os.Getpid()))
		cmd := exec.Command("go", "build", "-o", cliBinary, "./cmd/pgmoon-cli")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			cliBuildErr = fmt.Errorf("go build ./cmd/pgmoon-cli: %v\n%s", err, out)
		}
	})
	if cliBuildErr != nil {
		t.Fatal(cliBuildErr)
	}
	return cliBinary
}

// startPTY runs pgmoon-cli with args on a new pty, with HOME a new temp
// directory (or home, when not ""), the history in $HOME/history and
// TERM=xterm-256color.
func startPTY(t testing.TB, home string, args ...string) *ptyCLI {
	t.Helper()
	bin := buildCLIBinary(t)
	if home == "" {
		home = t.TempDir()
	}
	master, slave, err := openPTY(ptyCols, ptyRows)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"PGMOON_HISTORY=" + filepath.Join(home, "history"),
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"PAGER=cat", "PSQL_PAGER=cat",
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		master.Close()
		slave.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	slave.Close()
	p := &ptyCLI{ptyTerm: newPTYTerm(t, master), cmd: cmd, done: make(chan struct{}), home: home}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		<-p.eof
		master.Close()
	})
	return p
}

// wait waits for the process to exit and returns its exit status.
func (p *ptyCLI) wait() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(ptyTimeout):
		p.t.Fatalf("pgmoon-cli did not exit within %v\n%s", ptyTimeout, p.dump())
	}
	<-p.eof
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		p.t.Fatalf("wait: %v", p.err)
	}
	return 0
}

// interrupt sends SIGINT to the process, as Ctrl-C on a terminal in
// cooked mode does (the tests type ^C instead where they can).
func (p *ptyCLI) interrupt() {
	p.cmd.Process.Signal(syscall.SIGINT)
}

// editorRig runs a lineEditor in this process on the slave side of a pty.
type editorRig struct {
	*ptyTerm
	ed      *lineEditor
	results chan editorResult
	running bool // a ReadLine was started and its result not taken
}

type editorResult struct {
	line string
	err  error
}

func newEditorRig(t *testing.T, hist *lineHistory) *editorRig {
	t.Helper()
	master, slave, err := openPTY(ptyCols, ptyRows)
	if err != nil {
		t.Fatal(err)
	}
	r := &editorRig{ptyTerm: newPTYTerm(t, master), ed: newLineEditor(slave, slave, hist), results: make(chan editorResult, 1)}
	t.Cleanup(func() {
		// Ctrl-C ends a ReadLine a failed test left waiting; then the
		// master reads EIO once the slave is closed.
		if r.running {
			master.Write([]byte{3})
			select {
			case <-r.results:
			case <-time.After(ptyTimeout):
			}
		}
		slave.Close()
		<-r.eof
		master.Close()
	})
	return r
}

// readLine starts ReadLine and waits for its prompt.
func (r *editorRig) readLine(prompt string) {
	r.t.Helper()
	r.skip()
	r.running = true
	go func() {
		line, err := r.ed.ReadLine(prompt)
		r.results <- editorResult{line, err}
	}()
	r.expect(stripPromptMarkers(prompt))
}

func (r *editorRig) result() (string, error) {
	r.t.Helper()
	select {
	case res := <-r.results:
		r.running = false
		return res.line, res.err
	case <-time.After(ptyTimeout):
		r.t.Fatalf("ReadLine did not return\n%s", r.dump())
		return "", nil
	}
}

const (
	keyUpSeq    = "\x1b[A"
	keyDownSeq  = "\x1b[B"
	keyRightSeq = "\x1b[C"
	keyLeftSeq  = "\x1b[D"
)

func TestLineEditorKeys(t *testing.T) {
	tests := []struct {
		name, keys, want, row string
	}{
		{"plain", "select 1;", "select 1;", "db=# select 1;"},
		{"backspace", "selectt\x7f 1", "select 1", "db=# select 1"},
		{"insert after left", "helo" + keyLeftSeq + "l", "hello", "db=# hello"},
		{"home end", "bc\x01a\x05d", "abcd", "db=# abcd"},
		{"home end keys", "bc\x1b[Ha\x1b[Fd", "abcd", "db=# abcd"},
		{"kill to end", "abcdef\x1b[D\x1b[D\x1b[D\x0b", "abc", "db=# abc"},
		{"kill to start and yank", "abc def\x1b[D\x1b[D\x1b[D\x15x\x05\x19", "xdefabc ", "db=# xdefabc"},
		{"kill word", "select foo bar\x17baz", "select foo baz", "db=# select foo baz"},
		{"delete key", "abc\x01\x1b[3~", "bc", "db=# bc"},
		{"ctrl-d deletes when not empty", "abc\x01\x04", "bc", "db=# bc"},
		{"word left", "one two\x1b[1;5Dx", "one xtwo", "db=# one xtwo"},
		{"utf-8", "café" + keyLeftSeq + "\x7f", "caé", "db=# caé"},
		{"wide", "日本語" + keyLeftSeq + "x", "日本x語", "db=# 日本x語"},
		{"wide backspace", "日本語\x7fé", "日本é", "db=# 日本é"},
		{"transpose", "ab\x14", "ba", "db=# ba"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newEditorRig(t, nil)
			r.readLine("db=# ")
			r.send(tt.keys)
			r.expectRow(0, tt.row)
			r.send("\r")
			line, err := r.result()
			if err != nil || line != tt.want {
				t.Fatalf("ReadLine = %q, %v; want %q\n%s", line, err, tt.want, r.dump())
			}
		})
	}
}

// TestLineEditorCursor checks the cursor lands where the edit is, with wide characters.
func TestLineEditorCursor(t *testing.T) {
	r := newEditorRig(t, nil)
	r.readLine("> ")
	r.send("日本語ab" + keyLeftSeq + keyLeftSeq + keyLeftSeq)
	r.waitFor("cursor after 日本", func(s *vtScreen) bool { return s.Row(-1) == "> 日本語ab" && s.col == 2+4 })
	r.send("\r")
	r.result()
}

func TestLineEditorWrap(t *testing.T) {
	r := newEditorRig(t, nil)
	r.readLine("db=# ")
	long := strings.Repeat("x", ptyCols-5) + "yz"
	r.send(long)
	r.expectRow(0, "yz")
	r.expectRow(1, "db=# "+strings.Repeat("x", ptyCols-5))
	// Editing the first row redraws both.
	r.send("\x01-")
	r.expectRow(0, "db=# -"+strings.Repeat("x", ptyCols-6))
	r.send("\r")
	line, err := r.result()
	if err != nil || line != "-"+long {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	if got := r.screenText(); !strings.HasSuffix(got, "db=# -"+strings.Repeat("x", ptyCols-6)+"\nxyz") {
		t.Fatalf("vtScreen:\n%s", got)
	}
}

func TestLineEditorInterruptAndEOF(t *testing.T) {
	r := newEditorRig(t, nil)
	r.readLine("db=# ")
	r.send("select half")
	r.expectRow(0, "db=# select half")
	r.send("\x03")
	if line, err := r.result(); err != errInterrupt || line != "" {
		t.Fatalf("Ctrl-C: ReadLine = %q, %v; want errInterrupt", line, err)
	}
	r.expectRow(1, "db=# select half^C")

	r.readLine("db=# ")
	r.send("\x04")
	if line, err := r.result(); err != io.EOF || line != "" {
		t.Fatalf("Ctrl-D: ReadLine = %q, %v; want io.EOF", line, err)
	}
}

func TestLineEditorHistory(t *testing.T) {
	h := loadHistory("", 10)
	h.Add("select 1;")
	h.Add("select 2,\n3;")
	h.Add("\\x")
	r := newEditorRig(t, h)
	r.readLine("db=# ")
	r.send("draft")
	r.send(keyUpSeq)
	r.expectRow(0, "db=# \\x")
	r.send(keyUpSeq)
	r.expectRow(0, "3;")
	r.expectRow(1, "db=# select 2,")
	r.send(keyUpSeq)
	r.expectRow(0, "db=# select 1;")
	r.send(keyUpSeq) // no older entry: stays
	r.send(keyDownSeq + keyDownSeq + keyDownSeq)
	r.expectRow(0, "db=# draft")
	r.send(keyUpSeq + keyUpSeq)
	r.expectRow(0, "3;")
	// Editing a recalled entry: Home and End work within its line.
	r.send("\x01-- \x05")
	r.expectRow(0, "-- 3;")
	r.send("\r")
	line, err := r.result()
	if err != nil || line != "select 2,\n-- 3;" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
}

// TestLineEditorTypeAhead: keys typed before the prompt and pasted lines
// are kept for the next ReadLine.
func TestLineEditorTypeAhead(t *testing.T) {
	r := newEditorRig(t, nil)
	r.readLine("> ")
	r.send("one\rtwo\r")
	if line, err := r.result(); err != nil || line != "one" {
		t.Fatalf("first ReadLine = %q, %v", line, err)
	}
	r.running = true
	go func() {
		line, err := r.ed.ReadLine("> ")
		r.results <- editorResult{line, err}
	}()
	if line, err := r.result(); err != nil || line != "two" {
		t.Fatalf("second ReadLine = %q, %v", line, err)
	}
}

func TestLineEditorReverseSearch(t *testing.T) {
	h := loadHistory("", 10)
	for _, e := range []string{"select 1 from alpha;", "select 2 from beta;", "update alpha set x = 1;", "\\x"} {
		h.Add(e)
	}
	r := newEditorRig(t, h)
	r.readLine("db=# ")
	r.send("\x12alp")
	r.expectRow(0, "(reverse-i-search)`alp': update alpha set x = 1;")
	r.send("\x12") // an older match
	r.expectRow(0, "(reverse-i-search)`alp': select 1 from alpha;")
	r.send("\x12") // no older one
	r.expectRow(0, "(failed reverse-i-search)`alp': select 1 from alpha;")
	r.send("\x7f\x7f\x7fbet")
	r.expectRow(0, "(reverse-i-search)`bet': select 2 from beta;")
	r.send("\x07") // Ctrl-G: back to the line as it was
	r.expectRow(0, "db=#")
	r.send("\x12beta" + keyRightSeq + "x") // an arrow ends the search and edits the match
	r.expectRow(0, "db=# select 2 from bxeta;")
	r.send("\x15\x12update\r") // Enter runs the match
	line, err := r.result()
	if err != nil || line != "update alpha set x = 1;" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
}
