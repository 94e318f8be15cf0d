package cli

import (
	"strconv"
	"strings"
)

// Default prompts, as psql's: PROMPT1 starts a statement, PROMPT2 continues
// one, PROMPT3 reads COPY FROM STDIN data.
const (
	defaultPrompt1 = "%/%R%x%# "
	defaultPrompt2 = "%/%R%x%# "
	defaultPrompt3 = ">> "
)

// Prompt markers: the text between promptIgnoreStart and promptIgnoreEnd
// (written %[ and %] in a prompt) takes no room on the screen, typically a
// colour escape sequence. The line editor leaves the markers out of its
// output and out of the prompt's width.
const (
	promptIgnoreStart = '\x01'
	promptIgnoreEnd   = '\x02'
)

// promptInfo is what a prompt can show about the session.
type promptInfo struct {
	Connected  bool
	DB         string
	DefaultDB  bool   // DB is the user's default database (%~ shows "~")
	User       string // session user
	Host       string // host name, IP address or Unix socket directory
	Port       string
	PID        uint32
	TxStatus   byte // 'I', 'T', 'E' as in ReadyForQuery; anything else is unknown
	Superuser  bool
	State      byte // the scanner's continuation state, for %R in PROMPT2
	SingleLine bool // -S: %R shows '^' in PROMPT1
	LineNo     int  // %l: line number within the current statement, from 1
	// Var looks up a psql variable for %:name:.
	Var func(name string) (string, bool)
}

// promptKind says which prompt is being rendered: %R means something else in each.
type promptKind int

const (
	prompt1 promptKind = 1 + iota
	prompt2
	prompt3
)

// renderPrompt expands psql's prompt escapes in format:
//
//	%/ database        %~ database, or ~ when it is the default one
//	%n user            %m host up to the first dot, or [local]   %M host or [local]
//	%> port            %p backend PID        %l line number in the statement
//	%R '=' ('^' single-line, '!' disconnected) in PROMPT1, the continuation state in PROMPT2
//	%x '' idle, '*' in a transaction, '!' in a failed one, '?' unknown
//	%# '#' for a superuser, else '>'
//	%:name: a variable  %[ %] enclose text of no width  %NNN octal byte  %% a percent sign
//
// An unknown escape expands to nothing, like psql.
func renderPrompt(format string, kind promptKind, in promptInfo) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = format[i]; c {
		case '%':
			b.WriteByte('%')
		case '/':
			if in.Connected {
				b.WriteString(in.DB)
			}
		case '~':
			if in.Connected {
				if in.DefaultDB {
					b.WriteByte('~')
				} else {
					b.WriteString(in.DB)
				}
			}
		case 'n':
			if in.Connected {
				b.WriteString(in.User)
			}
		case 'm', 'M':
			if !in.Connected {
				break
			}
			h := in.Host
			switch {
			case h == "" || strings.HasPrefix(h, "/") || strings.HasPrefix(h, "@"):
				h = "[local]"
			case c == 'm' && !isIPAddress(h):
				if dot := strings.IndexByte(h, '.'); dot > 0 {
					h = h[:dot]
				}
			}
			b.WriteString(h)
		case '>':
			if in.Connected {
				b.WriteString(in.Port)
			}
		case 'p':
			if in.Connected && in.PID != 0 {
				b.WriteString(strconv.FormatUint(uint64(in.PID), 10))
			}
		case 'l':
			b.WriteString(strconv.Itoa(max(in.LineNo, 1)))
		case 'R':
			switch kind {
			case prompt1:
				switch {
				case !in.Connected:
					b.WriteByte('!')
				case in.SingleLine:
					b.WriteByte('^')
				default:
					b.WriteByte('=')
				}
			case prompt2:
				if in.State != 0 {
					b.WriteByte(in.State)
				} else {
					b.WriteByte('-')
				}
			}
		case 'x':
			if !in.Connected {
				break
			}
			switch in.TxStatus {
			case 'I':
			case 'T':
				b.WriteByte('*')
			case 'E':
				b.WriteByte('!')
			default:
				b.WriteByte('?')
			}
		case '#':
			if in.Superuser {
				b.WriteByte('#')
			} else {
				b.WriteByte('>')
			}
		case ':':
			end := strings.IndexByte(format[i+1:], ':')
			if end < 0 {
				i = len(format) - 1
				break
			}
			name := format[i+1 : i+1+end]
			if in.Var != nil {
				if v, ok := in.Var(name); ok {
					b.WriteString(v)
				}
			}
			i += 1 + end
		case '[':
			b.WriteByte(promptIgnoreStart)
		case ']':
			b.WriteByte(promptIgnoreEnd)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n, j := 0, i
			for ; j < len(format) && j < i+3 && format[j] >= '0' && format[j] <= '7'; j++ {
				n = n*8 + int(format[j]-'0')
			}
			b.WriteByte(byte(n))
			i = j - 1
		}
	}
	return b.String()
}

// isIPAddress reports whether h looks like a numeric address, which %m keeps whole.
func isIPAddress(h string) bool {
	if strings.Contains(h, ":") {
		return true
	}
	return strings.Trim(h, "0123456789.") == ""
}

// stripPromptMarkers removes the %[ %] markers, for output where they mean nothing.
func stripPromptMarkers(s string) string {
	return strings.Map(func(r rune) rune {
		if r == promptIgnoreStart || r == promptIgnoreEnd {
			return -1
		}
		return r
	}, s)
}
