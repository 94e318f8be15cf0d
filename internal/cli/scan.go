package cli

// Scanner splits input lines into SQL statements and meta-commands with
// psql's lexical rules. PLACEHOLDER: see the contract below.
type Scanner struct {
	// Var looks up a psql variable for :name, :'name' and :"name"
	// interpolation; nil means none are defined.
	Var func(name string) (string, bool)
	buf []byte
}

// EventKind says what an Event is.
type EventKind int

const (
	EventSQL  EventKind = iota // a complete statement (ends with ';'), variables interpolated
	EventMeta                  // a backslash command
)

// Event is one thing the input asks for, in order.
type Event struct {
	Kind EventKind
	SQL  string // EventSQL: the statement text including its ';'
	Cmd  string // EventMeta: the name without the backslash, e.g. "d+", "copy", "g"
	Args string // EventMeta: the raw argument text, to be split by MetaArgs
}

// Feed lexes one input line (without its newline) and returns the events it completes.
// PLACEHOLDER.
func (s *Scanner) Feed(line string) []Event {
	s.buf = append(s.buf, line...)
	s.buf = append(s.buf, '\n')
	return nil
}

// Buffer is the query buffer: text fed but not yet ended by ';' or a meta-command like \g.
func (s *Scanner) Buffer() string { return string(s.buf) }

// Reset empties the query buffer and the lexer state (\r).
func (s *Scanner) Reset() { s.buf = s.buf[:0] }

// State is the continuation state for the prompt's %R: '=' nothing pending,
// '-' a statement continues, '\” inside a quoted literal, '"' inside a
// quoted identifier, '$' inside a dollar-quoted string, '*' inside a /* comment,
// '(' inside parentheses. PLACEHOLDER.
func (s *Scanner) State() byte {
	if len(s.buf) == 0 {
		return '='
	}
	return '-'
}

// MetaArgs splits a meta-command's argument text the way psql does for
// OT_NORMAL arguments: whitespace-separated, 'single quotes' with ” and
// backslash escapes, "double quotes" kept (psql keeps them for identifiers),
// :var, :'var' and :"var" interpolated through vars. PLACEHOLDER.
func MetaArgs(args string, vars func(string) (string, bool)) []string { return nil }
