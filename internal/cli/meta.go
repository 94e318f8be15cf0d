package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// metaHelp is \?'s text: the meta-commands pgmoon-cli has.
const metaHelp = `General
  \q                     quit pgmoon-cli
  \? [commands]          show help on backslash commands
  \! [COMMAND]           execute command in shell or start interactive shell
  \cd [DIR]              change the current working directory
  \timing [on|off]       toggle timing of commands (currently %s)
  \watch [SEC]           execute query every SEC seconds, until interrupted

Query Buffer
  \g [FILE]              execute query (and send result to file)
  \gx [FILE]             as \g, but forces expanded output mode
  \gset [PREFIX]         execute query and store result in psql variables
  \p                     show the contents of the query buffer
  \r                     reset (clear) the query buffer

Input/Output
  \copy ...              perform SQL COPY with data stream to the client host
  \echo [-n] [STRING]    write string to standard output (-n for no newline)
  \i FILE                execute commands from file
  \ir FILE               as \i, but relative to location of current script
  \o [FILE]              send all query results to file
  \qecho [-n] [STRING]   write string to \o output stream
  \warn [-n] [STRING]    write string to standard error

Informational
  (options: S = show system objects, + = additional detail)
  \d[S+]                 list tables, views, and sequences
  \d[S+]  NAME           describe table, view, sequence, or index
  \df[S+] [PATTERN]      list functions
  \di[S+] [PATTERN]      list indexes
  \dm[S+] [PATTERN]      list materialized views
  \dn[S+] [PATTERN]      list schemas
  \ds[S+] [PATTERN]      list sequences
  \dt[S+] [PATTERN]      list tables
  \du[S+] [PATTERN]      list roles
  \dv[S+] [PATTERN]      list views
  \dx[+]  [PATTERN]      list extensions
  \l[+]   [PATTERN]      list databases
  \errverbose            show most recent error message at maximum verbosity

Formatting
  \a                     toggle between unaligned and aligned output mode
  \C [STRING]            set table title, or unset if none
  \f [STRING]            show or set field separator for unaligned query output
  \pset [NAME [VALUE]]   set table output option
                         (border|csv_fieldsep|expanded|fieldsep|fieldsep_zero|
                         footer|format|linestyle|null|recordsep|recordsep_zero|
                         tuples_only|title|unicode_border_linestyle|
                         unicode_column_linestyle|unicode_header_linestyle)
  \t [on|off]            show only rows (currently %s)
  \x [on|off|auto]       toggle expanded output (currently %s)

Connection
  \c[onnect] {[DBNAME|- USER|- HOST|- PORT|-] | conninfo}
                         connect to new database
  \conninfo              display information about current connection
  \encoding [ENCODING]   show or set client encoding

Variables
  \set [NAME [VALUE]]    set internal variable, or list all if no parameters
  \unset NAME            unset (delete) internal variable
`

// runMeta runs one backslash command.
func (s *Session) runMeta(ctx context.Context, cmd, rawArgs string) {
	s.failed = false
	defer func() {
		for _, w := range s.afterMeta {
			s.warnf("%s", w)
		}
		s.afterMeta = s.afterMeta[:0]
	}()
	if err := s.meta(ctx, cmd, rawArgs); err != nil {
		s.failed = true
		s.scanner.Discard() // psql ignores the rest of the line after a failed command
		var pgErr *pgmoon.PgError
		if errors.As(err, &pgErr) {
			s.reportError(err, "")
			return
		}
		var dm *DescribeMessage
		if errors.As(err, &dm) {
			if s.quiet() {
				// psql drops these messages when QUIET is on.
			} else if dm.Stderr {
				s.errorf("%s", dm.Text)
			} else {
				fmt.Fprintln(s.out, dm.Text)
			}
			s.failed = dm.Failed
			return
		}
		s.errorf("%s", err)
	}
}

// infof prints a confirmation message on standard output unless QUIET is set.
func (s *Session) infof(format string, args ...any) {
	if !s.quiet() {
		fmt.Fprintf(s.env.Stdout, format+"\n", args...)
	}
}

func (s *Session) meta(ctx context.Context, cmd, rawArgs string) error {
	args := MetaArgs(rawArgs, s.lookupVar)
	arg := func(i int) (string, bool) {
		if i < len(args) {
			return args[i], true
		}
		return "", false
	}
	switch cmd {
	case "q", "quit":
		s.quit = true
		return nil
	case "?":
		fmt.Fprintf(s.out, metaHelp, onOff(s.timing), onOff(s.print.TuplesOnly), s.print.Expanded)
		return nil
	case "g", "gx":
		po := s.print
		if cmd == "gx" {
			po.Expanded = "on"
		}
		return s.runBuffer(ctx, po, args)
	case "gset":
		return s.gset(ctx, args)
	case "p", "print":
		switch {
		case s.scanner.Buffer() != "":
			fmt.Fprintln(s.out, strings.TrimRight(s.scanner.Buffer(), "\n"))
		case s.prevQuery != "":
			fmt.Fprintln(s.out, s.prevQuery)
		default:
			s.infof("Query buffer is empty.")
		}
		return nil
	case "r", "reset":
		s.scanner.Reset()
		s.infof("Query buffer reset (cleared).")
		return nil
	case "echo", "qecho", "warn":
		w := s.env.Stdout
		switch cmd {
		case "qecho":
			w = s.out
		case "warn":
			w = s.env.Stderr
		}
		nl := "\n"
		if len(args) > 0 && args[0] == "-n" {
			args, nl = args[1:], ""
		}
		fmt.Fprint(w, strings.Join(args, " ")+nl)
		return nil
	case "set":
		return s.setVar(args)
	case "unset":
		name, ok := arg(0)
		if !ok {
			return errors.New("\\unset: missing required argument")
		}
		delete(s.vars, name)
		return nil
	case "x":
		return s.pset("expanded", args)
	case "t":
		return s.pset("tuples_only", args)
	case "a":
		if s.print.Format != "aligned" {
			return s.pset("format", []string{"aligned"})
		}
		return s.pset("format", []string{"unaligned"})
	case "f":
		return s.pset("fieldsep", args)
	case "C":
		if len(args) == 0 {
			args = []string{""}
		}
		return s.pset("title", args)
	case "pset":
		if len(args) == 0 {
			fmt.Fprint(s.out, s.print.ShowAll())
			return nil
		}
		return s.pset(args[0], args[1:])
	case "timing":
		if v, ok := arg(0); ok {
			b, valid := parseBool(v)
			if !valid {
				return fmt.Errorf("unrecognized value \"%s\" for \"\\timing\": Boolean expected", v)
			}
			s.timing = b
		} else {
			s.timing = !s.timing
		}
		s.infof("Timing is %s.", onOff(s.timing))
		return nil
	case "o", "out":
		name, _ := arg(0)
		if err := s.setOutput(name); err != nil {
			return fmt.Errorf("%s: %v", name, unwrapPathError(err))
		}
		return nil
	case "i", "include", "ir", "include_relative":
		name, ok := arg(0)
		if !ok {
			return fmt.Errorf("\\%s: missing required argument", cmd)
		}
		if (cmd == "ir" || cmd == "include_relative") && s.source != "" && !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(s.source), name)
		}
		return s.include(ctx, name)
	case "conninfo":
		return s.connInfo()
	case "c", "connect":
		return s.reconnect(ctx, args)
	case "encoding":
		if v, ok := arg(0); ok {
			_, err := s.query(ctx, "set client_encoding to "+quoteLiteral(v))
			if err != nil {
				return fmt.Errorf("%s: invalid encoding name or conversion procedure not found", v)
			}
			s.setConnVars()
			return nil
		}
		fmt.Fprintln(s.out, s.conn.ParameterStatus("client_encoding"))
		return nil
	case "copy":
		return s.clientCopy(ctx, rawArgs)
	case "watch":
		return s.watch(ctx, args)
	case "!":
		return s.shell(rawArgs)
	case "cd":
		dir, ok := arg(0)
		if !ok {
			home, err := os.UserHomeDir()
			if err != nil {
				return fmt.Errorf("could not get home directory: %v", err)
			}
			dir = home
		}
		if err := os.Chdir(dir); err != nil {
			return fmt.Errorf("\\cd: could not change directory to \"%s\": %v", dir, unwrapPathError(err))
		}
		return nil
	case "errverbose":
		if s.lastErr == nil {
			s.infof("There is no previous error.")
			return nil
		}
		io.WriteString(s.env.Stderr, FormatError(s.lastErr, "verbose", "always", s.lastErrQuery))
		return nil
	}
	if isDescribe(cmd) {
		if s.conn == nil || s.conn.IsClosed() {
			return errors.New("You are currently not connected to a database.")
		}
		var extra []string
		if !describeUsesAllArgs(cmd) && len(args) > 1 {
			args, extra = args[:1], args[1:]
		}
		// psql warns about extra arguments after the command ran.
		for _, e := range extra {
			s.afterMeta = append(s.afterMeta, fmt.Sprintf("\\%s: extra argument \"%s\" ignored", cmd, e))
		}
		tables, err := Describe(ctx, s.query, s.serverVersion(), cmd, args)
		for _, t := range tables {
			po := s.print
			s.printTable(s.out, t, po)
		}
		return err
	}
	if s.interactive {
		return fmt.Errorf("invalid command \\%s\nTry \\? for help.", cmd)
	}
	return fmt.Errorf("invalid command \\%s", cmd)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// pset applies a print setting and prints its confirmation.
func (s *Session) pset(name string, args []string) error {
	value, has := "", len(args) > 0
	if has {
		value = args[0]
	}
	msg, err := s.print.Set(name, value, has)
	if err != nil {
		return err
	}
	if msg != "" {
		s.infof("%s", msg)
	}
	return nil
}

// setVar is \set: no arguments lists the variables; otherwise the value is
// the remaining arguments concatenated.
func (s *Session) setVar(args []string) error {
	if len(args) == 0 {
		names := make([]string, 0, len(s.vars))
		for n := range s.vars {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			fmt.Fprintf(s.out, "%s = '%s'\n", n, s.vars[n])
		}
		return nil
	}
	name := args[0]
	if !validVarName(name) {
		return fmt.Errorf("invalid variable name: \"%s\"", name)
	}
	value := strings.Join(args[1:], "")
	return s.assignVar(name, value)
}

// assignVar sets a variable, checking the ones psql checks.
func (s *Session) assignVar(name, value string) error {
	switch name {
	case "ON_ERROR_STOP", "QUIET", "AUTOCOMMIT", "SINGLESTEP", "SINGLELINE", "ON_ERROR_ROLLBACK":
		if name == "ON_ERROR_ROLLBACK" && strings.EqualFold(value, "interactive") {
			break
		}
		b, ok := parseBool(value)
		if !ok {
			return fmt.Errorf("unrecognized value \"%s\" for \"%s\": Boolean expected", value, name)
		}
		if name == "AUTOCOMMIT" && !b {
			return errors.New("AUTOCOMMIT off is not supported by pgmoon-cli")
		}
		value = onOff(b)
	case "VERBOSITY":
		if !slices.Contains([]string{"default", "verbose", "terse", "sqlstate"}, value) {
			return fmt.Errorf("unrecognized value \"%s\" for \"%s\"\nAvailable values are: default, verbose, terse, sqlstate.", value, name)
		}
	case "SHOW_CONTEXT":
		if !slices.Contains([]string{"never", "errors", "always"}, value) {
			return fmt.Errorf("unrecognized value \"%s\" for \"%s\"\nAvailable values are: never, errors, always.", value, name)
		}
	case "ECHO":
		if !slices.Contains([]string{"none", "errors", "queries", "all"}, value) {
			return fmt.Errorf("unrecognized value \"%s\" for \"%s\"\nAvailable values are: none, errors, queries, all.", value, name)
		}
	case "ECHO_HIDDEN":
		if value != "noexec" {
			b, ok := parseBool(value)
			if !ok {
				return fmt.Errorf("unrecognized value \"%s\" for \"%s\"\nAvailable values are: on, off, noexec.", value, name)
			}
			value = onOff(b)
		}
	}
	s.vars[name] = value
	return nil
}

func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80) {
			return false
		}
	}
	return true
}

// takeBuffer returns the query to run for \g, \gset and \watch: the query
// buffer, or the previous query when the buffer is empty.
func (s *Session) takeBuffer() string {
	q := s.scanner.Buffer()
	s.scanner.Reset()
	if strings.TrimSpace(q) == "" {
		return s.prevQuery
	}
	return strings.TrimRight(q, "\n")
}

func (s *Session) runBuffer(ctx context.Context, po PrintOptions, args []string) error {
	q := s.takeBuffer()
	if q == "" {
		return errors.New("\\g: no query buffer")
	}
	var out io.Writer
	if len(args) > 0 {
		f, err := os.Create(args[0])
		if err != nil {
			return fmt.Errorf("%s: %v", args[0], unwrapPathError(err))
		}
		defer f.Close()
		out = f
	}
	s.runSQL(ctx, q, po, out)
	return nil
}

// gset runs the buffer and stores the one row's columns in variables named
// PREFIX + column name.
func (s *Session) gset(ctx context.Context, args []string) error {
	q := s.takeBuffer()
	if q == "" {
		return errors.New("\\gset: no query buffer")
	}
	prefix := ""
	if len(args) > 0 {
		prefix = args[0]
	}
	s.prevQuery = q
	r, err := s.query(ctx, q)
	if err != nil {
		var pgErr *pgmoon.PgError
		if errors.As(err, &pgErr) {
			s.reportError(err, q)
			s.failed = true
			return nil
		}
		return err
	}
	if r.Fields == nil {
		return errors.New("\\gset: query did not return rows")
	}
	switch len(r.Rows) {
	case 0:
		return errors.New("no rows returned for \\gset")
	case 1:
	default:
		return errors.New("more than one row returned for \\gset")
	}
	for i, f := range r.Fields {
		name := prefix + f.Name
		if !validVarName(name) {
			return fmt.Errorf("attempt to \\gset into specially treated variable \"%s\" ignored", name)
		}
		if v := r.Rows[0][i]; v == nil {
			delete(s.vars, name)
		} else if err := s.assignVar(name, string(v)); err != nil {
			return err
		}
	}
	return nil
}

// include runs the commands in a file (\i), with messages prefixed by its
// name and line numbers.
func (s *Session) include(ctx context.Context, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("%s: %v", name, unwrapPathError(err))
	}
	defer f.Close()
	savedSource, savedLine, savedRead := s.source, s.lineNo, s.readLine
	savedScanner := s.scanner
	s.scanner = &Scanner{Var: s.lookupVar}
	defer func() {
		s.source, s.lineNo, s.readLine, s.scanner = savedSource, savedLine, savedRead, savedScanner
	}()
	s.source, s.lineNo = name, 0
	s.runReader(ctx, newLineReader(f))
	return nil
}

func (s *Session) connInfo() error {
	if s.conn == nil || s.conn.IsClosed() {
		return errors.New("You are currently not connected to a database.")
	}
	cfg := s.conn.Config()
	if strings.HasPrefix(cfg.Host, "/") || strings.HasPrefix(cfg.Host, "@") {
		fmt.Fprintf(s.out, "You are connected to database \"%s\" as user \"%s\" via socket in \"%s\" at port \"%d\".\n", cfg.Database, cfg.User, cfg.Host, cfg.Port)
	} else {
		host := cfg.Host
		if host == "" {
			host = cfg.HostAddr
		}
		if cfg.HostAddr != "" && cfg.HostAddr != host {
			fmt.Fprintf(s.out, "You are connected to database \"%s\" as user \"%s\" on host \"%s\" (address \"%s\") at port \"%d\".\n", cfg.Database, cfg.User, host, cfg.HostAddr, cfg.Port)
		} else {
			fmt.Fprintf(s.out, "You are connected to database \"%s\" as user \"%s\" on host \"%s\" at port \"%d\".\n", cfg.Database, cfg.User, host, cfg.Port)
		}
	}
	if s.conn.UsesTLS() {
		fmt.Fprintln(s.out, "SSL connection (TLS)")
	}
	return nil
}

// reconnect is \c: new connection settings, "-" or a missing argument
// keeps the current value; a connection string replaces them all. The old
// connection is kept if the new one fails interactively.
func (s *Session) reconnect(ctx context.Context, args []string) error {
	o := *s.opts
	o.Password = ""
	cur := s.conn
	keep := func(i int) (string, bool) {
		if i < len(args) && args[i] != "-" {
			return args[i], true
		}
		return "", false
	}
	if len(args) > 0 && isConnString(args[0]) {
		o = Options{DBName: args[0], NoPassword: s.opts.NoPassword}
	} else {
		if cur != nil {
			c := cur.Config()
			o.DBName, o.User, o.Host = c.Database, c.User, c.Host
			o.Port = strconv.Itoa(int(c.Port))
		}
		if v, ok := keep(0); ok {
			o.DBName = v
		}
		if v, ok := keep(1); ok {
			o.User = v
		}
		if v, ok := keep(2); ok {
			o.Host = v
		}
		if v, ok := keep(3); ok {
			o.Port = v
		}
	}
	cfg, err := buildConfig(&o)
	if err != nil {
		return err
	}
	if cur != nil && cfg.User == cur.Config().User && cfg.Host == cur.Config().Host && cfg.Port == cur.Config().Port {
		// libpq reuses the password for the same user and server.
		if cfg.Password == "" {
			cfg.Password = s.cfg.Password
		}
	}
	conn, err := s.connect(ctx, cfg, &o)
	if err != nil {
		if !s.interactive {
			// As psql: a script whose \connect fails ends with status 2.
			if cur != nil {
				cur.Close(ctx)
				s.conn = nil
			}
			s.connLost = true
			return fmt.Errorf("\\connect: %v", err)
		}
		return fmt.Errorf("\\connect: %v\nPrevious connection kept", err)
	}
	if cur != nil {
		cur.Close(ctx)
	}
	s.conn, s.cfg, s.listening = conn, cfg, false
	s.setConnVars()
	c := conn.Config()
	if cur != nil && (c.Host != cur.Config().Host || c.Port != cur.Config().Port) {
		s.infof("You are now connected to database \"%s\" as user \"%s\" on host \"%s\" at port \"%d\".", c.Database, c.User, c.Host, c.Port)
	} else {
		s.infof("You are now connected to database \"%s\" as user \"%s\".", c.Database, c.User)
	}
	return nil
}

// shell is \!: the command through /bin/sh, or an interactive shell.
func (s *Session) shell(cmdline string) error {
	cmdline = strings.TrimSpace(cmdline)
	var cmd *exec.Cmd
	if cmdline == "" {
		sh := os.Getenv("SHELL")
		if sh == "" {
			sh = "/bin/sh"
		}
		cmd = exec.Command(sh)
	} else {
		cmd = exec.Command("/bin/sh", "-c", cmdline)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, s.env.Stdout, s.env.Stderr
	if s.env.Term != nil {
		cmd.Stdin = s.env.Term
	} else if s.env.Stdin != nil {
		cmd.Stdin = s.env.Stdin
	}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("\\!: failed")
		}
		return err
	}
	return nil
}

// watch is \watch [SEC]: runs the query every SEC seconds (default 2) until
// Ctrl-C or an error, each time under a title with the time, as psql does.
func (s *Session) watch(ctx context.Context, args []string) error {
	interval := 2.0
	if len(args) > 0 {
		v := strings.TrimPrefix(args[0], "i=")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return fmt.Errorf("\\watch: incorrect interval value \"%s\"", args[0])
		}
		interval = f
	}
	q := s.takeBuffer()
	if q == "" {
		return errors.New("\\watch cannot be used with an empty query")
	}
	for {
		po := s.print
		title := po.Title
		if title == "" {
			title = time.Now().Format("Mon Jan _2 15:04:05 2006")
		}
		po.Title = fmt.Sprintf("%s (every %gs)\n", title, interval)
		s.runSQL(ctx, q, po, nil)
		if s.failed {
			return nil
		}
		select {
		case <-s.env.Interrupts:
			return nil
		case <-ctx.Done():
			return nil
		case <-time.After(time.Duration(interval * float64(time.Second))):
		}
	}
}

// quoteLiteral quotes a string as a SQL literal.
func quoteLiteral(v string) string {
	q, err := pgmoon.QuoteLiteral(v)
	if err != nil {
		return "''"
	}
	return q
}
