package cli

import "context"

// REPL is the interactive loop. PLACEHOLDER: replaced by the line-editing
// implementation.
func (s *Session) REPL(ctx context.Context) int {
	s.readLine = func(string) (string, error) { return "", nil }
	return s.runReader(ctx, s.env.Stdin)
}
