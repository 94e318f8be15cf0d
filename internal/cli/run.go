package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses, as psql's.
const (
	ExitOK         = 0 // success
	ExitFatal      = 1 // a fatal error of pgmoon-cli itself, or a failed -c
	ExitConnection = 2 // the connection failed or was lost in a script
	ExitScript     = 3 // a script stopped by ON_ERROR_STOP (or Ctrl-C)
)

// lineReader reads input lines without their newline.
type lineReader struct {
	r   *bufio.Reader
	eof bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64*1024)}
}

// stdin is the one line reader over standard input. Scripts on standard
// input, -f -, COPY data for -c and the REPL without a terminal all read
// through it, so that what one of them buffered is not lost to the next.
func (s *Session) stdin() *lineReader {
	if s.stdinLines == nil {
		var r io.Reader = os.Stdin
		if s.env.Stdin != nil {
			r = s.env.Stdin
		}
		s.stdinLines = newLineReader(r)
	}
	return s.stdinLines
}

func (l *lineReader) next() (string, error) {
	if l.eof {
		return "", io.EOF
	}
	line, err := l.r.ReadString('\n')
	if err != nil {
		if !errors.Is(err, io.EOF) {
			return "", err
		}
		l.eof = true
		if line == "" {
			return "", io.EOF
		}
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// runReader runs every line of lr as script input and reports how the
// script ended: ExitOK, ExitScript (ON_ERROR_STOP or Ctrl-C) or
// ExitConnection.
func (s *Session) runReader(ctx context.Context, lr *lineReader) int {
	saved := s.readLine
	s.readLine = func(string) (string, error) {
		line, err := lr.next()
		if err == nil {
			s.lineMu.Lock()
			s.lineNo++
			s.lineMu.Unlock()
		}
		return line, err
	}
	defer func() { s.readLine = saved }()
	for {
		line, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.errorf("could not read input: %v", err)
				return ExitFatal
			}
			s.flush(ctx)
			break
		}
		if s.ProcessLine(ctx, line) {
			break
		}
		if s.cancelPressed {
			return ExitScript
		}
	}
	switch {
	case s.connLost:
		return ExitConnection
	case s.stopOnError() || s.cancelPressed:
		return ExitScript
	}
	return ExitOK
}

// runFile runs -f FILE ("-" is standard input).
func (s *Session) runFile(ctx context.Context, name string) int {
	lr := s.stdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(s.env.Stderr, "%s: error: %s: %v\n", progName, name, unwrapPathError(err))
			return ExitFatal
		}
		defer f.Close()
		lr = newLineReader(f)
		s.source = name
	} else {
		s.source = "<stdin>"
	}
	defer func() { s.source = "" }()
	s.lineNo = 0
	return s.runReader(ctx, lr)
}

// runCommand runs -c: a backslash command line, or SQL sent to the server
// as one query, however many statements it has (psql 15 prints every
// result).
func (s *Session) runCommand(ctx context.Context, cmd string) int {
	s.readLine = func(string) (string, error) { return s.stdin().next() }
	s.failed = false
	if strings.HasPrefix(strings.TrimLeft(cmd, " \t\n\r"), "\\") {
		// As psql: one backslash command; the rest of the string is ignored.
		sc := &Scanner{Var: s.lookupVar}
		first, _, _ := strings.Cut(cmd, "\n")
		for _, ev := range sc.Feed(first) {
			if ev.Kind == EventMeta {
				saved := s.scanner
				s.scanner = sc
				s.runMeta(ctx, ev.Cmd, ev.Args)
				s.scanner = saved
				break
			}
		}
	} else {
		// As psql: the string goes to the server as it is, uninterpolated.
		s.runSQL(ctx, cmd, s.print, nil)
	}
	switch {
	case s.connLost:
		return ExitConnection
	case s.failed:
		return ExitFatal
	}
	return ExitOK
}

// runActions runs the -c and -f options in order. A failure stops the rest
// only with ON_ERROR_STOP; the exit status is the last action's.
func (s *Session) runActions(ctx context.Context) int {
	status := ExitOK
	if s.opts.SingleTx {
		if _, err := s.query(ctx, "BEGIN"); err != nil {
			s.reportError(err, "BEGIN")
			return ExitFatal
		}
	}
	for _, a := range s.opts.Actions {
		if a.File {
			status = s.runFile(ctx, a.Value)
		} else {
			status = s.runCommand(ctx, a.Value)
		}
		if status == ExitConnection || s.quit {
			break
		}
		if status != ExitOK && (s.varOn("ON_ERROR_STOP") || s.cancelPressed) {
			break
		}
	}
	if s.opts.SingleTx && !s.connLost && s.conn != nil {
		end := "COMMIT"
		if status != ExitOK {
			end = "ROLLBACK"
		}
		if _, err := s.query(ctx, end); err != nil {
			s.reportError(err, end)
			if status == ExitOK {
				status = ExitFatal
			}
		}
	}
	return status
}
