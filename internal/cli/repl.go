package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// REPL reads statements and meta-commands from the terminal until \q or
// end of input (Ctrl-D), and returns the exit status. Lines are edited with
// lineEditor when stdin is a terminal; complete statements, as many lines as
// they took, are kept in the history file. Ctrl-C while a line is edited
// discards the query buffer, as psql does; Ctrl-C while a query runs
// cancels it (ProcessLine's business).
func (s *Session) REPL(ctx context.Context) int {
	stdout := s.env.Stdout
	s.interactive = true
	if !s.quiet() {
		fmt.Fprint(stdout, s.banner())
	}

	hist := loadHistory(historyPath(), s.histSize())
	read := s.lineReader(hist)
	// COPY FROM STDIN reads its data with the PROMPT3 format it passes.
	s.readLine = func(format string) (string, error) {
		return read(renderPrompt(format, prompt3, s.promptInfo()))
	}
	defer func() {
		if err := hist.Save(); err != nil {
			fmt.Fprintf(s.env.Stderr, "%s: %v\n", progName, err)
		}
	}()

	var entry []string // the lines of the statement being entered, for history
	for ctx.Err() == nil {
		kind := prompt1
		if s.scanner.Buffer() != "" || s.scanner.State() != '=' {
			kind = prompt2
		}
		line, err := read(s.renderPrompt(kind))
		switch {
		case errors.Is(err, errInterrupt):
			s.scanner.Reset()
			entry = entry[:0]
			continue
		case err == io.EOF:
			fmt.Fprintln(stdout, `\q`)
			return 0
		case err != nil:
			fmt.Fprintf(s.env.Stderr, "pgmoon-cli: %v\n", err)
			return 1
		}
		s.drainInterrupts()
		entry = append(entry, line)
		quit := false
		// A recalled history entry can hold several lines.
		for l := range strings.SplitSeq(line, "\n") {
			if quit = s.ProcessLine(ctx, l); quit {
				break
			}
		}
		if quit || s.scanner.Buffer() == "" {
			hist.Add(strings.Join(entry, "\n"))
			entry = entry[:0]
		}
		if quit {
			return 0
		}
	}
	return 0
}

// banner is what REPL prints first.
func (s *Session) banner() string {
	server := ""
	if s.conn != nil {
		if sv := s.conn.ParameterStatus("server_version"); sv != "" {
			server = ", server " + sv
		}
	}
	return fmt.Sprintf("%s %s (pgmoon-go)%s\nType \"help\" for help.\n\n", progName, Version, server)
}

// histSize is HISTSIZE, else psql's 500.
func (s *Session) histSize() int {
	if v, ok := s.vars["HISTSIZE"]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n
		}
	}
	return defaultHistSize
}

// lineReader returns the function that reads an input line: the line editor
// on a terminal, else plain reads of stdin after writing the prompt.
func (s *Session) lineReader(hist *lineHistory) func(prompt string) (string, error) {
	if tty := s.env.Term; tty != nil && term.IsTerminal(int(tty.Fd())) {
		var out io.Writer = tty
		if f, ok := s.env.Stdout.(*os.File); ok && s.env.StdoutTerminal {
			out = f // the terminal stdin is on may be open for reading only
		}
		ed := newLineEditor(tty, out, hist)
		return ed.ReadLine
	}
	in := s.stdin()
	return func(prompt string) (string, error) {
		io.WriteString(s.env.Stdout, stripPromptMarkers(prompt))
		line, err := in.next()
		return strings.TrimSuffix(line, "\r"), err
	}
}

// drainInterrupts drops SIGINTs that arrived while no query ran, so that
// they do not cancel the next one.
func (s *Session) drainInterrupts() {
	for {
		select {
		case <-s.env.Interrupts:
		default:
			return
		}
	}
}

// renderPrompt renders PROMPT1, PROMPT2 or PROMPT3 for the session's state.
func (s *Session) renderPrompt(kind promptKind) string {
	name, def := "PROMPT1", defaultPrompt1
	switch kind {
	case prompt2:
		name, def = "PROMPT2", defaultPrompt2
	case prompt3:
		name, def = "PROMPT3", defaultPrompt3
	}
	format, ok := s.vars[name]
	if !ok {
		format = def
	}
	return renderPrompt(format, kind, s.promptInfo())
}

func (s *Session) promptInfo() promptInfo {
	in := promptInfo{
		Connected:  s.conn != nil && !s.conn.IsClosed(),
		SingleLine: s.vars["SINGLELINE"] == "on",
		Var: func(name string) (string, bool) {
			v, ok := s.vars[name]
			return v, ok
		},
	}
	if s.scanner != nil {
		in.State = s.scanner.State()
		// The line about to be read is the statement's first when the
		// buffer is empty, else the one after the buffer's last.
		in.LineNo = 1
		if buf := strings.TrimSuffix(s.scanner.Buffer(), "\n"); buf != "" {
			in.LineNo = strings.Count(buf, "\n") + 2
		}
	}
	if !in.Connected {
		return in
	}
	in.DB, in.User, in.Host, in.Port = s.dbName(), s.userName(), s.host(), s.port()
	in.DefaultDB = in.DB == in.User || in.DB == os.Getenv("PGDATABASE")
	in.PID = s.conn.PID()
	in.TxStatus = s.conn.TxStatus()
	in.Superuser = s.conn.ParameterStatus("is_superuser") == "on"
	return in
}
