package cli

import (
	"strings"
	"unicode/utf8"
)

// Scanner splits input lines into SQL statements and meta-commands with
// psql's lexical rules (PostgreSQL 15's psql): quotes, dollar quotes,
// nested comments, parentheses, CREATE FUNCTION ... BEGIN ATOMIC bodies,
// backslash commands and variable interpolation.
//
// The query buffer behaves like psql's: leading whitespace and "--" comments
// of a statement are dropped, a newline joins input lines once the buffer
// holds something, an empty input line outside a quote or comment adds
// nothing, and a line holding only a backslash command leaves the buffer as
// it was.
//
// A meta-command may change the query buffer (\g sends and empties it, \r
// empties it), so Feed stops after the first meta-command of a line: the
// rest of the line waits, Pending reports it, and Next lexes it once the
// caller has acted on the events so far. A Feed while text is pending lexes
// that text first, so a caller that never calls Next still sees every event
// in order (but acts on a meta-command only after the rest of its line was
// lexed).
//
// The zero Scanner is ready to use.
type Scanner struct {
	// Var looks up a psql variable for :name, :'name', :"name" and :{?name}
	// interpolation; nil means none are defined.
	Var func(name string) (string, bool)
	// NonStandardStrings makes plain '...' literals take backslash escapes,
	// as with standard_conforming_strings off (default false: on).
	NonStandardStrings bool

	buf []byte

	st         lexState
	parenDepth int
	xcDepth    int
	dolTag     string
	beginDepth int
	identCount int
	idents     [4]byte

	addedNL    int // len(buf) right after Feed added a newline, else 0
	pending    string
	hasPending bool
}

type lexState byte

const (
	stInitial lexState = iota
	stQuote            // '...', B'...', X'...', U&'...'
	stEQuote           // E'...' (backslash escapes)
	stIdent            // "..." and U&"..."
	stComment          // /* ... */, nested
	stDollar           // $tag$ ... $tag$
)

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
	// Args is, for EventMeta, the argument text with surrounding whitespace
	// removed, to be split by MetaArgs. For \!, \copy (any case), \ef, \ev,
	// \sf[+], \sv[+], \h and \help it is the whole rest of the line, as it
	// is for \g, \gx, \o and \w once an argument starts with '|'. Otherwise
	// it ends where an unquoted backslash starts a new command; a "\\"
	// separator there is consumed and lexing goes on with SQL.
	Args string
}

// Feed lexes one input line (without its newline) and returns the events it
// completes, stopping after the first meta-command (see Pending). Text left
// pending from an earlier line is lexed first.
func (s *Scanner) Feed(line string) []Event {
	var evs []Event
	for s.hasPending {
		evs = append(evs, s.Next()...)
	}
	// psql ignores an empty line unless it is inside a quote or comment.
	if line == "" && s.st == stInitial {
		return evs
	}
	if len(s.buf) > 0 {
		s.buf = append(s.buf, '\n')
		s.addedNL = len(s.buf)
	}
	s.pending, s.hasPending = line, true
	return append(evs, s.Next()...)
}

// Pending reports whether the rest of a line after a meta-command waits to be lexed by Next.
func (s *Scanner) Pending() bool { return s.hasPending }

// Next lexes the pending rest of the line, up to and including the next
// meta-command. It returns nil when nothing is pending.
func (s *Scanner) Next() []Event {
	if !s.hasPending {
		return nil
	}
	in := s.pending
	evs, rest, more := s.lex(in, nil, true)
	s.pending, s.hasPending = rest, more
	if !more {
		s.pending = ""
	}
	return evs
}

// Buffer is the query buffer: text fed but not yet ended by ';' or taken by a meta-command like \g.
func (s *Scanner) Buffer() string { return string(s.buf) }

// Discard drops the pending rest of the line: psql throws it away after a
// meta-command fails (an invalid command, a bad argument).
func (s *Scanner) Discard() { s.pending, s.hasPending = "", false }

// SetBuffer empties the query buffer and lexes text as psql does after \e:
// as one line (newlines included) that may complete statements and hold
// meta-commands. Like Feed, it stops after the first meta-command; see
// Pending and Next.
func (s *Scanner) SetBuffer(text string) []Event {
	s.Reset()
	s.pending, s.hasPending = text, true
	return s.Next()
}

// Reset empties the query buffer and the lexer state (\r). Text pending
// after the current meta-command stays pending.
func (s *Scanner) Reset() {
	s.buf = s.buf[:0]
	s.st, s.parenDepth, s.xcDepth, s.dolTag = stInitial, 0, 0, ""
	s.beginDepth, s.identCount = 0, 0
	s.addedNL = 0
}

// State is the continuation state for the prompt's %R: '=' nothing pending,
// '-' a statement continues, '\” inside a quoted literal, '"' inside a
// quoted identifier, '$' inside a dollar-quoted string, '*' inside a /* comment,
// '(' inside parentheses.
func (s *Scanner) State() byte {
	switch s.st {
	case stQuote, stEQuote:
		return '\''
	case stIdent:
		return '"'
	case stComment:
		return '*'
	case stDollar:
		return '$'
	}
	switch {
	case s.parenDepth > 0:
		return '('
	case s.beginDepth > 0, len(s.buf) > 0:
		return '-'
	}
	return '='
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// trimSpace removes psql's whitespace (not \v) from both ends of s.
func trimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r < utf8.RuneSelf && isSpace(byte(r)) })
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isVarChar is psql's variable_char.
func isVarChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isIdentCont(c byte) bool { return isVarChar(c) || c == '$' }

// dollarTag returns the length of a "$tag$" delimiter at in[i:], or 0.
func dollarTag(in string, i int) int {
	if i >= len(in) || in[i] != '$' {
		return 0
	}
	j := i + 1
	if j < len(in) && isIdentStart(in[j]) {
		for j++; j < len(in) && isVarChar(in[j]); j++ {
		}
	}
	if j < len(in) && in[j] == '$' {
		return j + 1 - i
	}
	return 0
}

func (s *Scanner) emit(t string) { s.buf = append(s.buf, t...) }

// emitSpace echoes whitespace or a "--" comment unless the buffer is empty.
func (s *Scanner) emitSpace(t string) {
	if len(s.buf) > 0 {
		s.emit(t)
	}
}

func (s *Scanner) endStatement() Event {
	e := Event{Kind: EventSQL, SQL: string(s.buf)}
	s.buf = s.buf[:0]
	s.identCount = 0
	s.addedNL = 0
	return e
}

// identifier tracks CREATE [OR REPLACE] {FUNCTION|PROCEDURE} ... BEGIN ...
// END, whose body semicolons do not end the statement.
func (s *Scanner) identifier(w string) {
	if s.identCount == 0 {
		s.idents = [4]byte{}
	}
	switch strings.ToLower(w) {
	case "create", "function", "procedure", "or", "replace":
		if s.identCount < len(s.idents) {
			s.idents[s.identCount] = w[0] | 0x20
		}
	}
	s.identCount++
	id := s.idents
	if id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' ||
		id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p')) && s.parenDepth == 0 {
		switch strings.ToLower(w) {
		case "begin":
			s.beginDepth++
		case "case":
			if s.beginDepth >= 1 {
				s.beginDepth++
			}
		case "end":
			if s.beginDepth > 0 {
				s.beginDepth--
			}
		}
	}
}

// lex runs the SQL lexer over in. stack holds the variables being expanded
// (nil at top level). At top level a meta-command stops lexing: it returns
// the events so far plus the meta-command, the unlexed rest and true when
// the rest is not empty. Below top level (a variable's value) a backslash
// command stops lexing too, returning the rest from the backslash and true.
func (s *Scanner) lex(in string, stack []string, top bool) (evs []Event, rest string, more bool) {
	i := 0
	for i < len(in) {
		c := in[i]
		switch s.st {
		case stQuote, stEQuote:
			j := i
			for j < len(in) {
				if in[j] == '\\' && s.st == stEQuote {
					j += 2
					continue
				}
				if in[j] == '\'' {
					if j+1 < len(in) && in[j+1] == '\'' {
						j += 2
						continue
					}
					j++
					s.st = stInitial
					break
				}
				j++
			}
			j = min(j, len(in))
			s.emit(in[i:j])
			i = j
		case stIdent:
			j := i
			for j < len(in) {
				if in[j] == '"' {
					if j+1 < len(in) && in[j+1] == '"' {
						j += 2
						continue
					}
					j++
					s.st = stInitial
					break
				}
				j++
			}
			s.emit(in[i:j])
			i = j
		case stComment:
			j := i
			for j < len(in) && s.st == stComment {
				switch {
				case in[j] == '/' && j+1 < len(in) && in[j+1] == '*':
					s.xcDepth++
					j += 2
				case in[j] == '*' && j+1 < len(in) && in[j+1] == '/':
					if s.xcDepth <= 0 {
						s.st = stInitial
					} else {
						s.xcDepth--
					}
					j += 2
				default:
					j++
				}
			}
			s.emit(in[i:j])
			i = j
		case stDollar:
			j := i
			for j < len(in) {
				if in[j] != '$' {
					j++
					continue
				}
				n := dollarTag(in, j)
				if n == 0 {
					j++
					continue
				}
				if in[j:j+n] == s.dolTag {
					j += n
					s.st, s.dolTag = stInitial, ""
					break
				}
				j += n - 1 // the closing '$' may open the right tag
			}
			s.emit(in[i:j])
			i = j
		default:
			var next, next2 byte
			if i+1 < len(in) {
				next = in[i+1]
			}
			if i+2 < len(in) {
				next2 = in[i+2]
			}
			switch {
			case isSpace(c):
				j := i + 1
				for j < len(in) && isSpace(in[j]) {
					j++
				}
				s.emitSpace(in[i:j])
				i = j
			case c == '-' && next == '-':
				j := strings.IndexByte(in[i:], '\n')
				if j < 0 {
					j = len(in)
				} else {
					j += i
				}
				s.emitSpace(in[i:j])
				i = j
			case c == '/' && next == '*':
				s.st, s.xcDepth = stComment, 0
				s.emit("/*")
				i += 2
			case c == '\'':
				s.st = stQuote
				if s.NonStandardStrings {
					s.st = stEQuote
				}
				s.emit("'")
				i++
			case c == '"':
				s.st = stIdent
				s.emit(`"`)
				i++
			case (c == 'e' || c == 'E') && next == '\'':
				s.st = stEQuote
				s.emit(in[i : i+2])
				i += 2
			case (c == 'b' || c == 'B' || c == 'x' || c == 'X') && next == '\'':
				s.st = stQuote
				s.emit(in[i : i+2])
				i += 2
			case (c == 'n' || c == 'N') && next == '\'':
				s.emit(in[i : i+1]) // the quote that follows is a plain literal
				i++
			case (c == 'u' || c == 'U') && next == '&' && (next2 == '\'' || next2 == '"'):
				s.st = stQuote
				if next2 == '"' {
					s.st = stIdent
				}
				s.emit(in[i : i+3])
				i += 3
			case isIdentStart(c):
				j := i + 1
				for j < len(in) && isIdentCont(in[j]) {
					j++
				}
				s.identifier(in[i:j])
				s.emit(in[i:j])
				i = j
			case isDigit(c) || c == '.' && isDigit(next):
				j := lexNumber(in, i)
				s.emit(in[i:j])
				i = j
			case c == '$':
				j := i + 1
				if isDigit(next) {
					for j < len(in) && isDigit(in[j]) {
						j++
					}
					if j < len(in) && isIdentStart(in[j]) {
						j++ // param_junk
					}
				} else if n := dollarTag(in, i); n > 0 {
					s.st, s.dolTag = stDollar, in[i:i+n]
					j = i + n
				} else if isIdentStart(next) {
					for j++; j < len(in) && isVarChar(in[j]); j++ {
					}
				}
				s.emit(in[i:j])
				i = j
			case c == '(':
				s.parenDepth++
				s.emit("(")
				i++
			case c == ')':
				if s.parenDepth > 0 {
					s.parenDepth--
				}
				s.emit(")")
				i++
			case c == ';':
				s.emit(";")
				i++
				if s.parenDepth == 0 && s.beginDepth == 0 {
					evs = append(evs, s.endStatement())
				}
			case c == ':':
				n, metaRest, isMeta := s.colon(in[i:], stack, &evs)
				if isMeta {
					// A variable's value holds a backslash command: as in
					// psql, its arguments run on into the text after the
					// reference.
					in, i = metaRest+in[i+n:], 0
					if !top {
						return evs, in, true
					}
					continue
				}
				i += n
			case c == '\\' && (next == ';' || next == ':'):
				s.emit(in[i+1 : i+2])
				if next == ';' {
					s.identCount = 0
				}
				i += 2
			case c == '\\':
				if !top {
					return evs, in[i:], true
				}
				ev, n := s.meta(in[i:])
				evs = append(evs, ev)
				rest = in[i+n:]
				return evs, rest, rest != ""
			default:
				s.emit(in[i : i+1])
				i++
			}
		}
	}
	return evs, "", false
}

// lexNumber returns the end of the numeric token at in[i:], taking one
// trailing identifier character as junk the way PostgreSQL 15's lexer does.
func lexNumber(in string, i int) int {
	j := i
	for j < len(in) && isDigit(in[j]) {
		j++
	}
	if j < len(in) && in[j] == '.' && !(j+1 < len(in) && in[j+1] == '.') {
		for j++; j < len(in) && isDigit(in[j]); j++ {
		}
	}
	if j < len(in) && (in[j] == 'e' || in[j] == 'E') {
		k := j + 1
		if k < len(in) && (in[k] == '+' || in[k] == '-') {
			k++
		}
		if k < len(in) && isDigit(in[k]) {
			for j = k; j < len(in) && isDigit(in[j]); j++ {
			}
		}
	}
	if j < len(in) && isIdentStart(in[j]) {
		j += utf8Len(in[j:])
	}
	return j
}

func utf8Len(s string) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// varName returns the length of the variable name at in[0:].
func varName(in string) int {
	n := 0
	for n < len(in) && isVarChar(in[n]) {
		n++
	}
	return n
}

// colonVar recognizes :name, :'name', :"name" and :{?name} at in[0:] and
// returns the quoting ('p' plain, '\” literal, '"' identifier, '?' test),
// the name and the length consumed; length 0 means no variable reference.
func colonVar(in string) (kind byte, name string, n int) {
	if len(in) < 2 || in[0] != ':' {
		return 0, "", 0
	}
	switch c := in[1]; {
	case c == '\'' || c == '"':
		k := varName(in[2:])
		if k > 0 && 2+k < len(in) && in[2+k] == c {
			return c, in[2 : 2+k], k + 3
		}
	case c == '{':
		if len(in) > 2 && in[2] == '?' {
			k := varName(in[3:])
			if k > 0 && 3+k < len(in) && in[3+k] == '}' {
				return '?', in[3 : 3+k], k + 4
			}
		}
	default:
		if k := varName(in[1:]); k > 0 {
			return 'p', in[1 : 1+k], k + 1
		}
	}
	return 0, "", 0
}

// colon handles ':' in SQL: a "::" cast or a variable reference. It
// returns how much of in it consumed and, when the value of a variable
// holds a backslash command, the unlexed rest of the value from there.
func (s *Scanner) colon(in string, stack []string, evs *[]Event) (int, string, bool) {
	if len(in) > 1 && in[1] == ':' {
		s.emit("::")
		return 2, "", false
	}
	kind, name, n := colonVar(in)
	if n == 0 {
		s.emit(":")
		return 1, "", false
	}
	var val string
	var ok bool
	if s.Var != nil {
		val, ok = s.Var(name)
	}
	switch kind {
	case '?':
		if ok {
			s.emit("TRUE")
		} else {
			s.emit("FALSE")
		}
		return n, "", false
	case 'p':
		recursive := false
		for _, v := range stack {
			if v == name {
				recursive = true
			}
		}
		if !ok || recursive {
			s.emit(in[:n])
			return n, "", false
		}
		// psql lexes the value as if it were typed here.
		e, rest, meta := s.lex(val, append(stack[:len(stack):len(stack)], name), false)
		*evs = append(*evs, e...)
		return n, rest, meta
	}
	if q, good := quoteVar(val, ok, kind); good {
		s.emit(q)
	} else {
		s.emit(in[:n])
	}
	return n, "", false
}

// quoteVar quotes a variable's value for :'name' (kind '\”) or :"name"
// (kind '"') as libpq's PQescapeLiteral and PQescapeIdentifier do.
func quoteVar(val string, ok bool, kind byte) (string, bool) {
	if !ok || !utf8.ValidString(val) {
		return "", false
	}
	var b strings.Builder
	if kind == '"' {
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(val, `"`, `""`))
		b.WriteByte('"')
		return b.String(), true
	}
	if strings.IndexByte(val, '\\') >= 0 {
		b.WriteString(" E")
	}
	b.WriteByte('\'')
	for i := 0; i < len(val); i++ {
		if val[i] == '\'' || val[i] == '\\' {
			b.WriteByte(val[i])
		}
		b.WriteByte(val[i])
	}
	b.WriteByte('\'')
	return b.String(), true
}

// wholeLine lists the commands whose argument is the rest of the line
// (psql also takes \copy in any letter case).
var wholeLine = map[string]bool{
	"!": true, "copy": true, "ef": true, "ev": true, "sf": true, "sf+": true,
	"sv": true, "sv+": true, "h": true, "help": true,
}

// filePipe lists the commands for which an argument starting with '|' takes the rest of the line.
var filePipe = map[string]bool{"g": true, "gx": true, "o": true, "out": true, "w": true, "write": true}

// meta lexes a backslash command at in[0:] (in[0] == '\\') and returns its
// event and the length consumed, including a "\\" separator after it.
func (s *Scanner) meta(in string) (Event, int) {
	// A line holding only a backslash command leaves the buffer as it was.
	if s.addedNL > 0 && len(s.buf) == s.addedNL {
		s.buf = s.buf[:len(s.buf)-1]
	}
	s.addedNL = 0
	j := 1
	for j < len(in) && !isSpace(in[j]) && in[j] != '\\' {
		j++
	}
	ev := Event{Kind: EventMeta, Cmd: in[1:j]}
	if wholeLine[ev.Cmd] || strings.EqualFold(ev.Cmd, "copy") {
		ev.Args = trimSpace(in[j:])
		return ev, len(in)
	}
	k := metaArgsEnd(in, j, filePipe[ev.Cmd])
	ev.Args = trimSpace(in[j:k])
	if strings.HasPrefix(in[k:], `\\`) {
		k += 2
	}
	return ev, k
}

// metaArgsEnd returns where OT_NORMAL arguments starting at in[i:] end: at
// an unquoted backslash or the end of the line. With pipe set, an argument
// starting with '|' runs to the end of the line.
func metaArgsEnd(in string, i int, pipe bool) int {
	for {
		for i < len(in) && isSpace(in[i]) {
			i++
		}
		if i >= len(in) || in[i] == '\\' {
			return i
		}
		if pipe && in[i] == '|' {
			return len(in)
		}
		for i < len(in) && !isSpace(in[i]) {
			switch in[i] {
			case '\\':
				return i
			case '\'':
				for i++; i < len(in); i++ {
					if in[i] == '\\' {
						i++
					} else if in[i] == '\'' {
						break
					}
				}
			case '"', '`':
				if k := strings.IndexByte(in[i+1:], in[i]); k >= 0 {
					i += k + 1
				} else {
					i = len(in) - 1
				}
			}
			i++
		}
		i = min(i, len(in))
	}
}

// MetaArgs splits a meta-command's argument text the way psql does for
// OT_NORMAL arguments: whitespace-separated; 'single quotes' removed, with
// ” and the backslash escapes \n \t \b \r \f \digits (octal) \xHH and
// \<any> processed; "double quotes" kept (psql keeps them for identifiers);
// :var, :'var', :"var" and :{?var} interpolated through vars (an undefined
// one stays as written). An unquoted backslash ends the arguments.
//
// `Backticks` are not run: a back-quoted part is returned as written,
// backticks included.
func MetaArgs(args string, vars func(string) (string, bool)) []string {
	var out []string
	i := 0
	for {
		for i < len(args) && isSpace(args[i]) {
			i++
		}
		if i >= len(args) || args[i] == '\\' {
			return out
		}
		var b []byte
		quoted := false
	token:
		for i < len(args) && !isSpace(args[i]) {
			switch c := args[i]; c {
			case '\\':
				break token
			case '\'':
				quoted = true
				i++
				b, i = unquoteArg(b, args, i)
			case '"', '`':
				k := strings.IndexByte(args[i+1:], c)
				if k < 0 {
					b = append(b, args[i:]...)
					i = len(args)
				} else {
					b = append(b, args[i:i+k+2]...)
					i += k + 2
				}
				if c == '"' {
					quoted = true
				}
			case ':':
				kind, name, n := colonVar(args[i:])
				if n == 0 {
					b = append(b, ':')
					i++
					break
				}
				var val string
				var ok bool
				if vars != nil {
					val, ok = vars(name)
				}
				switch kind {
				case '?':
					if ok {
						b = append(b, "TRUE"...)
					} else {
						b = append(b, "FALSE"...)
					}
				case 'p':
					if ok {
						b = append(b, val...)
					} else {
						b = append(b, args[i:i+n]...)
					}
				default:
					if q, good := quoteVar(val, ok, kind); good {
						b = append(b, q...)
					} else {
						b = append(b, args[i:i+n]...)
					}
				}
				i += n
			default:
				b = append(b, c)
				i++
			}
		}
		if len(b) > 0 || quoted {
			out = append(out, string(b))
		}
	}
}

// unquoteArg appends the body of a single-quoted argument starting at
// args[i:] (after the opening quote) and returns the index after the closing quote.
func unquoteArg(b []byte, args string, i int) ([]byte, int) {
	for i < len(args) {
		c := args[i]
		switch {
		case c == '\'' && i+1 < len(args) && args[i+1] == '\'':
			b = append(b, '\'')
			i += 2
		case c == '\'':
			return b, i + 1
		case c == '\\' && i+1 < len(args):
			d := args[i+1]
			switch {
			case d == 'n':
				b = append(b, '\n')
			case d == 't':
				b = append(b, '\t')
			case d == 'b':
				b = append(b, '\b')
			case d == 'r':
				b = append(b, '\r')
			case d == 'f':
				b = append(b, '\f')
			case d >= '0' && d <= '7':
				v, k := 0, i+1
				for ; k < len(args) && k < i+4 && args[k] >= '0' && args[k] <= '7'; k++ {
					v = v*8 + int(args[k]-'0')
				}
				b = append(b, byte(v))
				i = k
				continue
			case d == 'x' && i+2 < len(args) && isHex(args[i+2]):
				v, k := 0, i+2
				for ; k < len(args) && k < i+4 && isHex(args[k]); k++ {
					v = v*16 + hexVal(args[k])
				}
				b = append(b, byte(v))
				i = k
				continue
			default:
				b = append(b, d)
			}
			i += 2
		default:
			b = append(b, c)
			i++
		}
	}
	return b, i
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
