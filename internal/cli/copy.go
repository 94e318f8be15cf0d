package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// copyKind tells whether a statement is COPY ... FROM STDIN ('i') or
// COPY ... TO STDOUT ('o'), which need the COPY protocol, or neither (0).
func copyKind(sql string) byte {
	toks := sqlWords(sql)
	if len(toks) == 0 || toks[0] != "copy" {
		return 0
	}
	for i := 1; i+1 < len(toks); i++ {
		switch {
		case toks[i] == "from" && toks[i+1] == "stdin":
			return 'i'
		case toks[i] == "to" && toks[i+1] == "stdout":
			return 'o'
		}
	}
	return 0
}

// sqlWords returns the lower-cased words of sql outside quotes, comments
// and parentheses; quoted parts become "'" or "\"".
func sqlWords(sql string) []string {
	var words []string
	depth := 0
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			nest := 0
			for i < len(sql) {
				if strings.HasPrefix(sql[i:], "/*") {
					nest++
					i += 2
				} else if strings.HasPrefix(sql[i:], "*/") {
					nest--
					i += 2
					if nest == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if depth == 0 {
				words = append(words, string(c))
			}
			i = j + 1
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
		case isVarChar(c):
			j := i
			for j < len(sql) && isVarChar(sql[j]) {
				j++
			}
			if depth == 0 {
				words = append(words, strings.ToLower(sql[i:j]))
			}
			i = j
		default:
			i++
		}
	}
	return words
}

// copyInput is COPY FROM STDIN's data read line by line from the session's
// input (a script, the terminal, or standard input for -c) until a line
// "\." or the end of the input, as psql does.
type copyInput struct {
	next func() (string, error)
	buf  []byte
	done bool
}

func (c *copyInput) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		line, err := c.next()
		if err != nil {
			c.done = true
			if errors.Is(err, io.EOF) {
				return 0, io.EOF
			}
			return 0, err
		}
		if line == `\.` {
			c.done = true
			return 0, io.EOF
		}
		c.buf = append(c.buf, line...)
		c.buf = append(c.buf, '\n')
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// copyData is COPY FROM STDIN's data from the session's current input (the
// script, the terminal with prompt, or standard input for -c).
func (s *Session) copyData(prompt string) *copyInput {
	read := s.readLine
	return &copyInput{next: func() (string, error) {
		if read == nil {
			return "", io.EOF
		}
		return read(prompt)
	}}
}

// drain reads what the caller had no use for, up to "\." (when the server
// refused the data midway).
func (c *copyInput) drain() {
	for !c.done {
		line, err := c.next()
		if err != nil || line == `\.` {
			c.done = true
		}
	}
}

// runCopy runs a COPY FROM STDIN or TO STDOUT statement typed as SQL.
func (s *Session) runCopy(ctx context.Context, sql string, kind byte, out io.Writer) {
	qctx, stop := s.interruptible(ctx)
	var n int64
	var err error
	if kind == 'o' {
		n, err = s.conn.CopyTo(qctx, out, sql)
	} else {
		prompt := ""
		if s.interactive {
			prompt = s.vars["PROMPT3"]
			if !s.quiet() {
				fmt.Fprintln(s.env.Stdout, "Enter data to be copied followed by a newline.\nEnd with a backslash and a period on a line by itself, or an EOF signal.")
			}
		}
		in := s.copyData(prompt)
		n, err = s.conn.CopyFromReader(qctx, in, sql)
		if err != nil && in.buf != nil {
			in.drain()
		}
	}
	stop()
	if err != nil {
		s.reportError(err, sql)
		return
	}
	s.vars["ERROR"], s.vars["SQLSTATE"] = "false", "00000"
	s.vars["ROW_COUNT"] = fmt.Sprint(n)
	// As psql: no "COPY n" after data written to the same stream.
	if !s.quiet() && !(kind == 'o' && out == s.out) {
		fmt.Fprintf(s.out, "COPY %d\n", n)
	}
}

// clientCopy is \copy: COPY through this client, to or from a file, a
// program, or the standard streams. The arguments after the file are
// passed to the server's COPY unchanged.
func (s *Session) clientCopy(ctx context.Context, args string) error {
	spec, err := parseCopyArgs(args)
	if err != nil {
		return err
	}
	if s.conn == nil || s.conn.IsClosed() {
		return errors.New("You are currently not connected to a database.")
	}
	qctx, stop := s.interruptible(ctx)
	defer stop()
	var n int64
	if spec.from {
		sql := "COPY " + spec.target + " FROM STDIN " + spec.options
		var r io.Reader
		var size int64
		switch {
		case spec.program:
			cmd := exec.Command("/bin/sh", "-c", spec.file)
			cmd.Stderr = s.env.Stderr
			pr, err := cmd.StdoutPipe()
			if err != nil {
				return err
			}
			if err := cmd.Start(); err != nil {
				return fmt.Errorf("could not execute command \"%s\": %v", spec.file, err)
			}
			defer cmd.Wait()
			r = pr
		case spec.file == "stdin":
			r = s.copyData(s.vars["PROMPT3"])
		case spec.file == "pstdin":
			// Through the shared reader: a script read from standard
			// input may have buffered the data already.
			r = &copyInput{next: s.stdin().next}
		default:
			f, err := os.Open(spec.file)
			if err != nil {
				return fmt.Errorf("%s: %v", spec.file, unwrapPathError(err))
			}
			defer f.Close()
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				size = st.Size()
			}
			r = f
		}
		p := s.progress("\\copy from", size)
		if p != nil {
			r = io.TeeReader(r, p)
		}
		n, err = s.conn.CopyFromReader(qctx, r, sql)
		p.finish()
	} else {
		sql := "COPY " + spec.target + " TO STDOUT " + spec.options
		var w io.Writer
		var closeFn func() error
		switch {
		case spec.program:
			cmd := exec.Command("/bin/sh", "-c", spec.file)
			cmd.Stdout, cmd.Stderr = s.env.Stdout, s.env.Stderr
			pw, err := cmd.StdinPipe()
			if err != nil {
				return err
			}
			if err := cmd.Start(); err != nil {
				return fmt.Errorf("could not execute command \"%s\": %v", spec.file, err)
			}
			w = pw
			closeFn = func() error { pw.Close(); return cmd.Wait() }
		case spec.file == "stdout":
			w = s.out
		case spec.file == "pstdout":
			w = s.env.Stdout
		default:
			f, err := os.Create(spec.file)
			if err != nil {
				return fmt.Errorf("%s: %v", spec.file, unwrapPathError(err))
			}
			w = f
			closeFn = f.Close
		}
		p := s.progress("\\copy to", 0)
		if p != nil {
			w = io.MultiWriter(w, p)
		}
		n, err = s.conn.CopyTo(qctx, w, sql)
		p.finish()
		if closeFn != nil {
			if cerr := closeFn(); cerr != nil && err == nil {
				err = fmt.Errorf("%s: %v", spec.file, cerr)
			}
		}
	}
	if err != nil {
		return err
	}
	s.vars["ROW_COUNT"] = fmt.Sprint(n)
	if !s.quiet() && !(!spec.from && (spec.file == "stdout" || spec.file == "pstdout")) {
		fmt.Fprintf(s.out, "COPY %d\n", n)
	}
	return nil
}

type copySpec struct {
	target  string // table [(columns)] or (query)
	from    bool
	file    string
	program bool
	options string
}

// parseCopyArgs splits \copy's arguments: what precedes FROM or TO, the
// file (stdin, stdout, pstdin, pstdout, a name, 'a quoted name' or PROGRAM
// 'command'), and the rest.
func parseCopyArgs(args string) (*copySpec, error) {
	args = strings.TrimSpace(args)
	if args == "" {
		return nil, errors.New("\\copy: arguments required")
	}
	toks, err := copyTokens(args)
	if err != nil {
		return nil, err
	}
	spec := &copySpec{}
	for i, t := range toks {
		lt := strings.ToLower(t.text)
		if i == 0 || (lt != "from" && lt != "to") {
			continue
		}
		spec.from = lt == "from"
		spec.target = strings.TrimSpace(args[:t.start])
		j := i + 1
		if j < len(toks) && strings.ToLower(toks[j].text) == "program" {
			spec.program = true
			j++
		}
		if j >= len(toks) {
			return nil, fmt.Errorf("\\copy: parse error at end of line")
		}
		f := toks[j]
		spec.file = f.text
		if strings.HasPrefix(f.text, "'") {
			spec.file = strings.ReplaceAll(f.text[1:len(f.text)-1], "''", "'")
		} else if !spec.program {
			switch lf := strings.ToLower(f.text); lf {
			case "stdin", "stdout", "pstdin", "pstdout":
				spec.file = lf
			}
		} else {
			return nil, errors.New("\\copy: PROGRAM needs a quoted command")
		}
		spec.options = strings.TrimSpace(args[f.end:])
		if spec.from && (spec.file == "stdout" || spec.file == "pstdout") || !spec.from && (spec.file == "stdin" || spec.file == "pstdin") {
			return nil, fmt.Errorf("\\copy: parse error at \"%s\"", f.text)
		}
		return spec, nil
	}
	return nil, fmt.Errorf("\\copy: parse error at end of line")
}

type copyToken struct {
	text       string
	start, end int
}

// copyTokens splits at top level: words, 'quoted', "quoted" and
// parenthesised groups are single tokens.
func copyTokens(s string) ([]copyToken, error) {
	var toks []copyToken
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		start := i
		switch {
		case c == '\'' || c == '"':
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("\\copy: unterminated quoted string")
				}
				if s[i] == c {
					if i+1 < len(s) && s[i+1] == c {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
		case c == '(':
			depth := 0
			for i < len(s) {
				switch s[i] {
				case '(':
					depth++
				case ')':
					depth--
				case '\'', '"':
					q := s[i]
					i++
					for i < len(s) && s[i] != q {
						i++
					}
				}
				i++
				if depth == 0 {
					break
				}
			}
			if depth != 0 {
				return nil, fmt.Errorf("\\copy: parse error at end of line")
			}
		default:
			for i < len(s) && !strings.ContainsRune(" \t\n\r('\"", rune(s[i])) {
				i++
			}
		}
		toks = append(toks, copyToken{text: s[start:i], start: start, end: i})
	}
	return toks, nil
}

// progressBar draws \copy's progress on a terminal's standard error.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int64
	done  int64
	last  time.Time
	shown bool
}

// progress returns a progress bar when standard error is a terminal, else nil.
func (s *Session) progress(label string, total int64) *progressBar {
	if !s.env.StderrTerminal || s.quiet() {
		return nil
	}
	return &progressBar{w: s.env.Stderr, label: label, total: total}
}

func (p *progressBar) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		p.draw()
	}
	return len(b), nil
}

func (p *progressBar) draw() {
	p.shown = true
	if p.total > 0 {
		pct := float64(p.done) / float64(p.total)
		if pct > 1 {
			pct = 1
		}
		const width = 30
		filled := int(pct * width)
		fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %s/%s", p.label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), pct*100, humanBytes(p.done), humanBytes(p.total))
	} else {
		fmt.Fprintf(p.w, "\r%s %s", p.label, humanBytes(p.done))
	}
}

func (p *progressBar) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		p.draw()
		fmt.Fprint(p.w, "\n")
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
