package cli

// TEMPORARY stub of the lead's session contract; deleted before merging cli.

import (
	"context"
	"io"
	"os"

	"github.com/pgmoon-go/pgmoon"
)

type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Term           *os.File
	Interrupts     <-chan struct{}
}

type Session struct {
	conn     *pgmoon.Conn
	scanner  *Scanner
	vars     map[string]string
	env      Env
	readLine func(prompt string) (string, error)
}

func (s *Session) ProcessLine(ctx context.Context, line string) (quit bool) {
	s.scanner.Feed(line)
	return line == `\q`
}
func (s *Session) dbName() string   { return "" }
func (s *Session) userName() string { return "" }
func (s *Session) host() string     { return "" }
func (s *Session) port() string     { return "" }
