package cli

import (
	"fmt"
	"os"

	"golang.org/x/term"
)

// StdEnv is the process's own environment: standard streams, the terminal
// when standard input is one, and the given Ctrl-C notifications.
func StdEnv(interrupts <-chan struct{}) Env {
	env := Env{
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		Interrupts:     interrupts,
		StdoutTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTerminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		env.Term = os.Stdin
	}
	env.Width = func() int {
		w, _, err := term.GetSize(int(os.Stdout.Fd()))
		if err != nil {
			return 0
		}
		return w
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		env.ReadPassword = func(prompt string) (string, error) {
			fmt.Fprint(tty, prompt)
			pw, err := term.ReadPassword(int(tty.Fd()))
			fmt.Fprintln(tty)
			return string(pw), err
		}
	}
	return env
}
