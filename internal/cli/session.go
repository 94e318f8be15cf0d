package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// Env is what a session reads from and writes to. StdEnv gives the process's
// own; tests give buffers.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Term is the controlling terminal when standard input is one, else nil:
	// it selects the interactive REPL.
	Term *os.File
	// StderrTerminal reports whether Stderr is a terminal (\copy's progress bar).
	StderrTerminal bool
	// StdoutTerminal reports whether Stdout is a terminal (progress bars, the
	// width for \pset expanded auto).
	StdoutTerminal bool
	// Width returns the terminal width, or 0.
	Width func() int
	// ReadPassword prompts on the terminal without echo; nil when there is no
	// terminal to ask on.
	ReadPassword func(prompt string) (string, error)
	// Interrupts receives one value per Ctrl-C (SIGINT).
	Interrupts <-chan struct{}
}

// Session is one pgmoon-cli session: a connection, psql variables, print
// settings, and the input being read.
type Session struct {
	env     Env
	opts    *Options
	cfg     *pgmoon.Config
	conn    *pgmoon.Conn
	scanner *Scanner
	vars    map[string]string
	print   PrintOptions

	out     io.Writer // Stdout or the \o file
	outFile *os.File

	// source and lineNo name the script being read, for the
	// "pgmoon-cli:file:line: " prefix of messages; source is empty for -c,
	// standard input and the REPL.
	source string
	lineNo int
	lineMu sync.Mutex // lineNo as COPY data is read, against notices

	interactive bool
	timing      bool
	listening   bool

	stdinLines *lineReader // see stdin

	// readLine reads the next input line (COPY FROM STDIN data); set by the
	// script runner and the REPL.
	readLine func(prompt string) (string, error)

	prevQuery string // what \g reruns when the buffer is empty

	// failed is set when the last command failed; connLost when the server
	// connection is gone.
	failed   bool
	connLost bool
	// cancelPressed is set when Ctrl-C interrupted a command; it ends a
	// script (exit status 3), as in psql.
	cancelPressed bool
	quit          bool

	closers []func()

	// afterMeta are warnings printed once the meta-command ran.
	afterMeta []string

	// lastErr is the most recent server error, for \errverbose.
	lastErr      *pgmoon.PgError
	lastErrQuery string
}

const progName = "pgmoon-cli"

func newSession(env Env, opts *Options) *Session {
	s := &Session{
		env:     env,
		opts:    opts,
		scanner: &Scanner{},
		vars: map[string]string{
			"AUTOCOMMIT":    "on",
			"ON_ERROR_STOP": "off",
			"VERBOSITY":     "default",
			"SHOW_CONTEXT":  "errors",
			"PROMPT1":       "%/%R%x%# ",
			"PROMPT2":       "%/%R%x%# ",
			"PROMPT3":       ">> ",
			"HISTSIZE":      "500",
			"ECHO":          "none",
			"ECHO_HIDDEN":   "off",
			"QUIET":         "off",
			"VERSION_NAME":  Version,
		},
		print: DefaultPrintOptions(),
		out:   env.Stdout,
	}
	s.scanner.Var = s.lookupVar
	return s
}

func (s *Session) lookupVar(name string) (string, bool) {
	v, ok := s.vars[name]
	return v, ok
}

func (s *Session) varOn(name string) bool {
	b, ok := parseBool(s.vars[name])
	return ok && b
}

func (s *Session) quiet() bool { return s.varOn("QUIET") }

func (s *Session) dbName() string {
	if s.conn == nil {
		return ""
	}
	return s.conn.Config().Database
}

func (s *Session) userName() string {
	if s.conn == nil {
		return ""
	}
	return s.conn.Config().User
}

func (s *Session) host() string {
	if s.conn == nil {
		return ""
	}
	return s.conn.Config().Host
}

func (s *Session) port() string {
	if s.conn == nil {
		return ""
	}
	return strconv.Itoa(int(s.conn.Config().Port))
}

// setConnVars keeps DBNAME, USER, HOST, PORT, ENCODING and SERVER_VERSION_*
// current, as psql does after every connection.
func (s *Session) setConnVars() {
	if s.conn == nil {
		return
	}
	s.vars["DBNAME"] = s.dbName()
	s.vars["USER"] = s.userName()
	s.vars["HOST"] = s.host()
	s.vars["PORT"] = s.port()
	s.vars["ENCODING"] = s.conn.ParameterStatus("client_encoding")
	s.vars["SERVER_VERSION_NAME"] = s.conn.ParameterStatus("server_version")
	s.vars["SERVER_VERSION_NUM"] = strconv.Itoa(s.serverVersion())
}

// serverVersion is server_version_num, derived from server_version
// ("15.18 (Debian 15.18-0+deb12u1)" is 150018, "9.6.24" is 90624).
func (s *Session) serverVersion() int {
	v := s.conn.ParameterStatus("server_version")
	var nums []int
	for _, part := range strings.SplitN(v, ".", 3) {
		i := strings.IndexFunc(part, func(r rune) bool { return r < '0' || r > '9' })
		if i >= 0 {
			part = part[:i]
		}
		n, _ := strconv.Atoi(part)
		nums = append(nums, n)
		if i >= 0 {
			break
		}
	}
	for len(nums) < 3 {
		nums = append(nums, 0)
	}
	if nums[0] >= 10 {
		return nums[0]*10000 + nums[1]
	}
	return nums[0]*10000 + nums[1]*100 + nums[2]
}

// errorf prints a message on stderr with the script prefix, as psql's
// pg_log_error does ("pgmoon-cli:file:3: ...").
// In a script file the level follows the prefix, as psql's "error: ".
func (s *Session) errorf(format string, args ...any) {
	level := ""
	if s.source != "" {
		level = "error: "
	}
	fmt.Fprintf(s.env.Stderr, "%s%s%s\n", s.prefix(), level, fmt.Sprintf(format, args...))
}

// warnf prints a warning as psql's pg_log_warning does.
func (s *Session) warnf(format string, args ...any) {
	level := ""
	if s.source != "" {
		level = "warning: "
	}
	fmt.Fprintf(s.env.Stderr, "%s%s%s\n", s.prefix(), level, fmt.Sprintf(format, args...))
}

func (s *Session) prefix() string {
	// Notices during COPY FROM STDIN arrive on the driver's reader
	// goroutine while this one reads data lines and counts them.
	s.lineMu.Lock()
	defer s.lineMu.Unlock()
	if s.source == "" {
		return ""
	}
	return fmt.Sprintf("%s:%s:%d: ", progName, s.source, s.lineNo)
}

// printServerMessage prints an error or notice on stderr the way psql does.
func (s *Session) printServerMessage(e *pgmoon.PgError, query string) {
	text := FormatError(e, s.vars["VERBOSITY"], s.vars["SHOW_CONTEXT"], query)
	io.WriteString(s.env.Stderr, s.prefix()+text)
}

// ProcessLine feeds one input line to the scanner and runs what it
// completes. It reports whether the session should end (\q).
func (s *Session) ProcessLine(ctx context.Context, line string) (quit bool) {
	s.lineNo++
	if s.vars["ECHO"] == "all" && !s.interactive {
		fmt.Fprintln(s.env.Stdout, line)
	}
	// A meta-command may change the query buffer, so the scanner stops
	// after each one and the rest of the line is lexed after it ran.
	sc := s.scanner
	for evs := sc.Feed(line); ; evs = sc.Next() {
		for _, ev := range evs {
			switch ev.Kind {
			case EventSQL:
				s.runSQL(ctx, ev.SQL, s.print, nil)
			case EventMeta:
				s.runMeta(ctx, ev.Cmd, ev.Args)
			}
			if s.quit || s.stopOnError() || s.connLost && !s.interactive {
				sc.Discard()
				return true
			}
		}
		if !sc.Pending() {
			return s.quit
		}
	}
}

// stopOnError reports whether ON_ERROR_STOP ends the script now.
func (s *Session) stopOnError() bool {
	return s.failed && s.varOn("ON_ERROR_STOP")
}

// flush sends what is left in the query buffer at the end of a script, as
// psql does with a statement that has no terminating semicolon.
func (s *Session) flush(ctx context.Context) {
	buf := s.scanner.Buffer()
	if strings.TrimSpace(buf) == "" {
		s.scanner.Reset()
		return
	}
	s.scanner.Reset()
	s.runSQL(ctx, buf, s.print, nil)
}

// interruptible returns a context that ends when the user presses Ctrl-C,
// which makes the driver send a CancelRequest, and a function to stop
// watching.
func (s *Session) interruptible(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-s.env.Interrupts:
			fmt.Fprintln(s.env.Stderr, "Cancel request sent")
			s.cancelPressed = !s.interactive
			cancel()
		case <-done:
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		close(done)
		<-stopped
		cancel()
	}
}

// runSQL sends one statement (or a -c string of several) with the simple
// query protocol and prints every result. po are the print settings for this
// query (\gx changes them); out, when non-nil, replaces the output (\g file).
func (s *Session) runSQL(ctx context.Context, sql string, po PrintOptions, out io.Writer) {
	s.prevQuery = sql
	s.failed = false
	if s.conn == nil || s.conn.IsClosed() {
		s.errorf("You are currently not connected to a database.")
		s.failed = true
		return
	}
	if out == nil {
		out = s.out
	}
	if s.vars["ECHO"] == "queries" {
		fmt.Fprintln(s.env.Stdout, sql)
	}
	if kind := copyKind(sql); kind != 0 {
		s.runCopy(ctx, sql, kind, out)
		return
	}
	if isListen(sql) {
		s.listening = true
	}
	qctx, stop := s.interruptible(ctx)
	start := time.Now()
	results, err := s.conn.SimpleQuery(qctx, sql)
	elapsed := time.Since(start)
	stop()
	for _, r := range results {
		if r.Err != nil {
			break
		}
		s.printResult(out, r, po)
		s.setResultVars(r)
	}
	for _, r := range results {
		for _, n := range r.Notifications {
			s.printNotification(out, n)
		}
	}
	if err != nil {
		s.reportError(err, sql)
	} else {
		s.vars["ERROR"] = "false"
		s.vars["SQLSTATE"] = "00000"
	}
	if s.timing {
		s.printTiming(elapsed)
	}
	s.pollNotifications(ctx)
}

func isListen(sql string) bool {
	w := strings.ToLower(strings.TrimSpace(sql))
	return strings.HasPrefix(w, "listen")
}

func (s *Session) setResultVars(r *pgmoon.Result) {
	if r.Fields != nil {
		s.vars["ROW_COUNT"] = strconv.Itoa(len(r.Rows))
	} else {
		s.vars["ROW_COUNT"] = strconv.FormatInt(r.CommandTag.RowsAffected(), 10)
	}
}

func (s *Session) printResult(out io.Writer, r *pgmoon.Result, po PrintOptions) {
	if r.Fields == nil {
		if tag := r.CommandTag.String(); tag != "" && !s.quiet() {
			fmt.Fprintln(out, tag)
		}
		return
	}
	t := ResultTable(r)
	s.printTable(out, t, po)
}

func (s *Session) printTable(out io.Writer, t *Table, po PrintOptions) {
	// \pset columns wins over the terminal's width.
	if po.Columns == 0 && out == s.env.Stdout && s.env.StdoutTerminal && s.env.Width != nil {
		po.Columns = s.env.Width()
	}
	if err := PrintTable(out, t, &po); err != nil {
		s.errorf("could not print result table: %v", err)
	}
}

func (s *Session) printNotification(out io.Writer, n *pgmoon.Notification) {
	if n.Payload != "" {
		fmt.Fprintf(out, "Asynchronous notification \"%s\" with payload \"%s\" received from server process with PID %d.\n", n.Channel, n.Payload, n.PID)
	} else {
		fmt.Fprintf(out, "Asynchronous notification \"%s\" received from server process with PID %d.\n", n.Channel, n.PID)
	}
}

// pollNotifications prints notifications that arrived while no command ran,
// as psql does before each prompt.
func (s *Session) pollNotifications(ctx context.Context) {
	if !s.listening || s.conn == nil || s.conn.IsClosed() {
		return
	}
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		n, err := s.conn.WaitForNotification(pctx)
		cancel()
		if err != nil || n == nil {
			if err != nil && s.conn.IsClosed() {
				s.connectionLost(err)
			}
			return
		}
		s.printNotification(s.out, n)
	}
}

// printTiming prints \timing's line: milliseconds, and for a second or more
// also the duration as psql shows it ("Time: 1001.532 ms (00:01.002)").
func (s *Session) printTiming(d time.Duration) {
	ms := float64(d) / float64(time.Millisecond)
	line := fmt.Sprintf("Time: %.3f ms", ms)
	if ms >= 1000 {
		secs := ms / 1000
		days := int(secs / 86400)
		secs -= float64(days) * 86400
		hours := int(secs / 3600)
		secs -= float64(hours) * 3600
		mins := int(secs / 60)
		secs -= float64(mins) * 60
		switch {
		case days > 0:
			line += fmt.Sprintf(" (%d d %02d:%02d:%06.3f)", days, hours, mins, secs)
		case hours > 0:
			line += fmt.Sprintf(" (%02d:%02d:%06.3f)", hours, mins, secs)
		default:
			line += fmt.Sprintf(" (%02d:%06.3f)", mins, secs)
		}
	}
	fmt.Fprintln(s.out, line)
}

// reportError prints a failed command's error and records it in ERROR,
// SQLSTATE, LAST_ERROR_MESSAGE and LAST_ERROR_SQLSTATE.
func (s *Session) reportError(err error, query string) {
	s.failed = true
	s.vars["ERROR"] = "true"
	var pgErr *pgmoon.PgError
	if errors.As(err, &pgErr) {
		s.vars["SQLSTATE"] = pgErr.Code
		s.vars["LAST_ERROR_SQLSTATE"] = pgErr.Code
		s.vars["LAST_ERROR_MESSAGE"] = pgErr.Message
		s.lastErr, s.lastErrQuery = pgErr, query
		s.printServerMessage(pgErr, query)
		if s.vars["ECHO"] == "errors" {
			fmt.Fprintf(s.env.Stderr, "%sSTATEMENT:  %s\n", s.prefix(), query)
		}
	} else {
		s.vars["SQLSTATE"] = ""
		s.vars["LAST_ERROR_MESSAGE"] = err.Error()
	}
	if s.conn.IsClosed() {
		s.connectionLost(err)
	} else if pgErr == nil {
		s.errorf("%v", err)
	}
}

// connectionLost reports a lost connection. Interactively it reconnects, as
// psql does; a script ends with exit status 2.
func (s *Session) connectionLost(err error) {
	if s.connLost {
		return
	}
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) {
		s.errorf("%v", err)
	}
	if !s.interactive {
		s.errorf("connection to server was lost")
		s.connLost = true
		return
	}
	io.WriteString(s.env.Stderr, "The connection to the server was lost. Attempting reset: ")
	conn, cerr := pgmoon.Connect(context.Background(), s.cfg)
	if cerr != nil {
		io.WriteString(s.env.Stderr, "Failed.\n")
		s.conn = nil
		return
	}
	io.WriteString(s.env.Stderr, "Succeeded.\n")
	s.conn = conn
	s.setConnVars()
}

// query runs a catalog query for meta-commands, echoing it when ECHO_HIDDEN
// is on, and returns its last result.
func (s *Session) query(ctx context.Context, sql string) (*pgmoon.Result, error) {
	if s.conn == nil || s.conn.IsClosed() {
		return nil, errors.New("You are currently not connected to a database.")
	}
	if s.varOn("ECHO_HIDDEN") || s.vars["ECHO_HIDDEN"] == "noexec" {
		fmt.Fprintf(s.out, "/******** QUERY *********/\n%s\n/************************/\n\n", sql)
	}
	qctx, stop := s.interruptible(ctx)
	defer stop()
	results, err := s.conn.SimpleQuery(qctx, sql)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, errors.New("no result")
	}
	return results[len(results)-1], nil
}

// close ends the session: the connection, the \o file and an ephemeral server.
func (s *Session) close() {
	if s.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.conn.Close(ctx)
		cancel()
	}
	s.setOutput("")
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// setOutput directs query output to a file ("" for standard output).
func (s *Session) setOutput(name string) error {
	if s.outFile != nil {
		s.outFile.Close()
		s.outFile = nil
	}
	s.out = s.env.Stdout
	if name == "" {
		return nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return err
	}
	s.outFile = f
	s.out = f
	return nil
}
