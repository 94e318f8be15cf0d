package cli

// The line editor: reads one line from a terminal in raw mode, with cursor
// movement, kill and yank, history recall, UTF-8 and double-width characters,
// and entries that span several lines. The terminal is in raw mode only while
// a line is read, so that Ctrl-C during a query still reaches the process as
// SIGINT.
//
// golang.org/x/term's Terminal is not used: it reports Ctrl-C and Ctrl-D alike
// as io.EOF, measures every rune as one column and cannot show an entry with
// newlines. Only its raw-mode and window-size calls are.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"
)

// errInterrupt is returned by lineEditor.ReadLine when the user presses Ctrl-C:
// the line is discarded.
var errInterrupt = errors.New("canceled by user")

// lineEditor reads lines from a terminal. It is not safe for concurrent use.
type lineEditor struct {
	in   *os.File  // the terminal, read in raw mode
	out  io.Writer // where the prompt and the line are drawn (the same terminal)
	hist *lineHistory

	pending []byte // bytes read but not yet consumed (typed or pasted ahead)
	readErr error  // the error that ended input, reported once pending is used up
	// afterCR: the last key was Enter from a '\r' that ended pending, so
	// a '\n' arriving next is the rest of a "\r\n" split across reads.
	afterCR bool

	// State of the line being edited.
	buf       []rune
	pos       int    // cursor index into buf
	prompt    string // may contain promptIgnoreStart/End markers
	width     int    // terminal columns
	cursorRow int    // screen row of the cursor, counted from the prompt's first row
	histIdx   int    // -1: editing a new line; else the history entry shown (0 = newest)
	draft     []rune // the new line, kept while history is browsed
	yank      []rune // the last killed text, for Ctrl-Y
}

// newLineEditor makes an editor reading keys from tty and drawing on out
// (the same terminal, perhaps through another file).
func newLineEditor(tty *os.File, out io.Writer, hist *lineHistory) *lineEditor {
	return &lineEditor{in: tty, out: out, hist: hist}
}

// ReadLine shows prompt and returns the line the user enters, without its
// newline; a recalled multi-line history entry comes back whole, lines joined
// by "\n". Ctrl-C returns errInterrupt, Ctrl-D on an empty line io.EOF.
// The line is not added to history: the caller decides what is worth keeping.
func (e *lineEditor) ReadLine(prompt string) (string, error) {
	fd := int(e.in.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return "", err
	}
	defer term.Restore(fd, state)

	e.buf, e.pos, e.cursorRow = e.buf[:0], 0, 0
	e.prompt, e.histIdx, e.draft = prompt, -1, nil
	e.redraw()

	for {
		k, err := e.readKey()
		if err != nil {
			if len(e.buf) > 0 && err == io.EOF {
				// A line ended by end of input without a newline.
				e.finish("\r\n")
				return string(e.buf), nil
			}
			return "", err
		}
		if k.code == keySearch {
			if k = e.search(); k.code == keyNone {
				e.redraw()
				continue
			}
		}
		switch k.code {
		case keyRune:
			e.insert(k.r)
		case keyEnter:
			e.finish("\r\n")
			return string(e.buf), nil
		case keyInterrupt:
			e.finish("^C\r\n")
			return "", errInterrupt
		case keyEOF:
			if len(e.buf) == 0 {
				return "", io.EOF
			}
			e.deleteAt(e.pos)
		case keyDelete:
			e.deleteAt(e.pos)
		case keyBackspace:
			if e.pos > 0 {
				e.pos--
				e.deleteAt(e.pos)
			}
		case keyLeft:
			if e.pos > 0 {
				e.pos--
			}
		case keyRight:
			if e.pos < len(e.buf) {
				e.pos++
			}
		case keyHome:
			e.pos = e.lineStart()
		case keyEnd:
			e.pos = e.lineEnd()
		case keyWordLeft:
			e.pos = e.wordLeft()
		case keyWordRight:
			e.pos = e.wordRight()
		case keyKillToEnd:
			e.kill(e.pos, e.lineEnd())
		case keyKillToStart:
			e.kill(e.lineStart(), e.pos)
		case keyKillWord:
			e.kill(e.wordLeft(), e.pos)
		case keyYank:
			for _, r := range e.yank {
				e.insert(r)
			}
		case keyUp:
			e.recall(e.histIdx + 1)
		case keyDown:
			e.recall(e.histIdx - 1)
		case keyClear:
			io.WriteString(e.out, "\x1b[H\x1b[2J")
			e.cursorRow = 0
		case keyTranspose:
			if e.pos > 0 && len(e.buf) >= 2 {
				i := min(e.pos, len(e.buf)-1)
				e.buf[i-1], e.buf[i] = e.buf[i], e.buf[i-1]
				e.pos = i + 1
			}
		default:
			continue
		}
		e.redraw()
	}
}

func (e *lineEditor) insert(r rune) {
	e.buf = append(e.buf, 0)
	copy(e.buf[e.pos+1:], e.buf[e.pos:])
	e.buf[e.pos] = r
	e.pos++
}

func (e *lineEditor) deleteAt(i int) {
	if i < len(e.buf) {
		e.buf = append(e.buf[:i], e.buf[i+1:]...)
	}
}

// kill removes buf[from:to] into the yank buffer.
func (e *lineEditor) kill(from, to int) {
	if from >= to {
		return
	}
	e.yank = append(e.yank[:0], e.buf[from:to]...)
	e.buf = append(e.buf[:from], e.buf[to:]...)
	e.pos = from
}

// lineStart and lineEnd bound the line of a multi-line entry the cursor is on.
func (e *lineEditor) lineStart() int {
	i := e.pos
	for i > 0 && e.buf[i-1] != '\n' {
		i--
	}
	return i
}

func (e *lineEditor) lineEnd() int {
	i := e.pos
	for i < len(e.buf) && e.buf[i] != '\n' {
		i++
	}
	return i
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func (e *lineEditor) wordLeft() int {
	i := e.pos
	for i > 0 && !isWordRune(e.buf[i-1]) {
		i--
	}
	for i > 0 && isWordRune(e.buf[i-1]) {
		i--
	}
	return i
}

func (e *lineEditor) wordRight() int {
	i := e.pos
	for i < len(e.buf) && !isWordRune(e.buf[i]) {
		i++
	}
	for i < len(e.buf) && isWordRune(e.buf[i]) {
		i++
	}
	return i
}

// recall shows history entry idx (0 newest), or the draft for -1.
func (e *lineEditor) recall(idx int) {
	if e.hist == nil || idx < -1 || idx >= e.hist.Len() {
		return
	}
	if e.histIdx == -1 {
		e.draft = append(e.draft[:0], e.buf...)
	}
	e.histIdx = idx
	if idx == -1 {
		e.buf = append(e.buf[:0], e.draft...)
	} else {
		e.buf = append(e.buf[:0], []rune(e.hist.At(idx))...)
	}
	e.pos = len(e.buf)
}

// finish moves the cursor past the end of the entry and writes tail.
func (e *lineEditor) finish(tail string) {
	e.pos = len(e.buf)
	e.redraw()
	io.WriteString(e.out, tail)
	e.cursorRow = 0
}

// redraw draws the prompt and the line again from the prompt's first row and
// puts the cursor at pos.
func (e *lineEditor) redraw() {
	// The size is asked each time, so that a resized window is drawn right
	// from the next key on.
	e.width = 80
	if w, _, err := term.GetSize(int(e.in.Fd())); err == nil && w > 0 {
		e.width = w
	}
	out := make([]byte, 0, 64+2*len(e.buf))
	if e.cursorRow > 0 {
		out = append(out, "\x1b["...)
		out = strconv.AppendInt(out, int64(e.cursorRow), 10)
		out = append(out, 'A')
	}
	out = append(out, "\r\x1b[J"...)
	l := layoutLine(out, e.prompt, e.buf, e.pos, e.width)
	out = l.out
	if up := l.endRow - l.curRow; up > 0 {
		out = append(out, "\x1b["...)
		out = strconv.AppendInt(out, int64(up), 10)
		out = append(out, 'A')
	}
	out = append(out, '\r')
	if l.curCol > 0 {
		out = append(out, "\x1b["...)
		out = strconv.AppendInt(out, int64(l.curCol), 10)
		out = append(out, 'C')
	}
	e.cursorRow = l.curRow
	e.out.Write(out)
}

// lineLayout is where a drawn prompt and line leave things.
type lineLayout struct {
	out            []byte
	endRow         int // row the terminal cursor is on after out, from the prompt's row
	curRow, curCol int // where the cursor belongs (the cell of buf[pos])
}

// layoutLine appends to out the prompt and text as drawn on a terminal of
// width columns from column 0: newlines in text start a new row, a character
// that does not fit wraps, tabs expand to spaces. It wraps explicitly
// rather than relying on the terminal's deferred auto-wrap, so the rows
// counted here are the rows on the screen.
func layoutLine(out []byte, prompt string, text []rune, pos, width int) lineLayout {
	row, col := 0, 0
	hidden := false
	for _, r := range prompt {
		switch {
		case r == promptIgnoreStart:
			hidden = true
			continue
		case r == promptIgnoreEnd:
			hidden = false
			continue
		}
		out = utf8.AppendRune(out, r)
		if hidden {
			continue
		}
		if r == '\n' {
			row, col = row+1, 0
			continue
		}
		col += editRuneWidth(r)
		if col >= width {
			// A prompt as wide as the terminal: start the text on a new row.
			out = append(out, "\r\n"...)
			row, col = row+1, 0
		}
	}
	l := lineLayout{curRow: -1}
	for i, r := range text {
		if r == '\n' {
			if i == pos {
				l.curRow, l.curCol = row, col
			}
			out = append(out, "\r\n"...)
			row, col = row+1, 0
			continue
		}
		w := editRuneWidth(r)
		if r == '\t' {
			w = min(8-col%8, width-col)
		}
		if col+w > width {
			// A wide character at the last column goes to the next row.
			out = append(out, "\r\n"...)
			row, col = row+1, 0
		}
		if i == pos {
			l.curRow, l.curCol = row, col
		}
		switch {
		case r == '\t':
			for range w {
				out = append(out, ' ')
			}
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			// A control character: show it as ^X.
			out = append(out, '^', byte(r+'@')&0x7f)
		default:
			out = utf8.AppendRune(out, r)
		}
		col += w
		if col >= width {
			out = append(out, "\r\n"...)
			row, col = row+1, 0
		}
	}
	if l.curRow < 0 {
		l.curRow, l.curCol = row, col
	}
	l.out, l.endRow = out, row
	return l
}

// editRuneWidth is the number of terminal columns r takes: 2 for East Asian
// wide and fullwidth characters and most emoji, 0 for combining marks and
// format characters, 1 otherwise. Control characters count 2, drawn as ^X.
func editRuneWidth(r rune) int {
	switch {
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return 2 // shown as ^X
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Cf):
		return 0
	}
	// The printer's table: combining marks 0, East Asian wide 2.
	return max(runeWidth(r), 0)
}

// Keys the editor knows.
type keyCode int

const (
	keyNone keyCode = iota
	keyRune
	keyEnter
	keyInterrupt // Ctrl-C
	keyEOF       // Ctrl-D
	keyBackspace
	keyDelete
	keyLeft
	keyRight
	keyUp
	keyDown
	keyHome
	keyEnd
	keyWordLeft
	keyWordRight
	keyKillToEnd   // Ctrl-K
	keyKillToStart // Ctrl-U
	keyKillWord    // Ctrl-W, Alt-Backspace
	keyYank        // Ctrl-Y
	keyClear       // Ctrl-L
	keyTranspose   // Ctrl-T
	keySearch      // Ctrl-R
	keyAbort       // Ctrl-G
)

type key struct {
	code keyCode
	r    rune
}

// fill reads more input into pending, recording the error that ends input.
func (e *lineEditor) fill() {
	var b [256]byte
	n, err := e.in.Read(b[:])
	e.pending = append(e.pending, b[:n]...)
	if err != nil {
		e.readErr = err
	} else if n == 0 {
		e.readErr = io.EOF
	}
}

// readKey returns the next key, reading more input as needed. An error
// ends input for good: it is returned again by later calls.
func (e *lineEditor) readKey() (key, error) {
	for {
		if k, ok := e.nextKey(); ok {
			return k, nil
		}
		if e.readErr != nil {
			return key{}, e.readErr
		}
		e.fill()
	}
}

// search is Ctrl-R's reverse incremental search of the history: typed
// characters narrow it, Ctrl-R again finds an older match, Backspace
// widens it, Ctrl-G gives up and restores the line. Any other key ends the
// search with the match as the line, and is returned for ReadLine to act
// on (Enter runs the match, arrows start editing it).
func (e *lineEditor) search() key {
	prompt := e.prompt
	defer func() { e.prompt = prompt }()
	savedBuf, savedPos := append([]rune(nil), e.buf...), e.pos
	var q []rune
	idx, failed := -1, false
	find := func(from int) {
		if len(q) == 0 || e.hist == nil {
			return
		}
		for i := max(from, 0); i < e.hist.Len(); i++ {
			entry := []rune(e.hist.At(i))
			if j := runesIndex(entry, q); j >= 0 {
				if e.histIdx == -1 {
					e.draft = append(e.draft[:0], savedBuf...)
				}
				idx, failed = i, false
				e.buf, e.pos, e.histIdx = entry, j, i
				return
			}
		}
		failed = true
	}
	for {
		label := "(reverse-i-search)`"
		if failed {
			label = "(failed reverse-i-search)`"
		}
		e.prompt = label + string(q) + "': "
		e.redraw()
		k, err := e.readKey()
		if err != nil {
			return key{code: keyNone}
		}
		switch k.code {
		case keyRune:
			q = append(q, k.r)
			find(idx)
		case keyBackspace:
			if len(q) > 0 {
				q = q[:len(q)-1]
				idx = -1
				find(0)
			}
		case keySearch:
			find(idx + 1)
		case keyAbort:
			e.buf, e.pos = savedBuf, savedPos
			return key{code: keyNone}
		default:
			return k
		}
	}
}

// runesIndex is the index of the first q in s, or -1.
func runesIndex(s, q []rune) int {
	for i := 0; i+len(q) <= len(s); i++ {
		if string(s[i:i+len(q)]) == string(q) {
			return i
		}
	}
	return -1
}

// nextKey decodes the next key from pending; ok is false when pending holds
// no complete key (more must be read).
func (e *lineEditor) nextKey() (k key, ok bool) {
	if e.afterCR && len(e.pending) > 0 {
		e.afterCR = false
		if e.pending[0] == '\n' {
			e.pending = e.pending[1:]
		}
	}
	k, n := decodeKey(e.pending, e.readErr != nil)
	if n == 0 {
		return key{}, false
	}
	e.afterCR = n == len(e.pending) && e.pending[n-1] == '\r'
	e.pending = e.pending[n:]
	if len(e.pending) == 0 {
		e.pending = nil
	}
	return k, true
}

// decodeKey decodes one key from the start of b and returns it and the bytes
// it took, 0 when b holds only the start of a key. With final set no more
// input will come, so a partial sequence is taken as it is.
func decodeKey(b []byte, final bool) (key, int) {
	if len(b) == 0 {
		return key{}, 0
	}
	c := b[0]
	switch c {
	case '\r', '\n':
		n := 1
		if c == '\r' && len(b) > 1 && b[1] == '\n' {
			n = 2
		}
		return key{code: keyEnter}, n
	case 1:
		return key{code: keyHome}, 1
	case 2:
		return key{code: keyLeft}, 1
	case 3:
		return key{code: keyInterrupt}, 1
	case 4:
		return key{code: keyEOF}, 1
	case 5:
		return key{code: keyEnd}, 1
	case 6:
		return key{code: keyRight}, 1
	case 7:
		return key{code: keyAbort}, 1
	case 8, 0x7f:
		return key{code: keyBackspace}, 1
	case '\t':
		return key{code: keyRune, r: '\t'}, 1
	case 11:
		return key{code: keyKillToEnd}, 1
	case 12:
		return key{code: keyClear}, 1
	case 14:
		return key{code: keyDown}, 1
	case 16:
		return key{code: keyUp}, 1
	case 18:
		return key{code: keySearch}, 1
	case 20:
		return key{code: keyTranspose}, 1
	case 21:
		return key{code: keyKillToStart}, 1
	case 23:
		return key{code: keyKillWord}, 1
	case 25:
		return key{code: keyYank}, 1
	case 0x1b:
		return decodeEscape(b, final)
	}
	if c < 0x20 {
		return key{}, 1 // other control keys do nothing
	}
	if !utf8.FullRune(b) && !final {
		return key{}, 0
	}
	r, n := utf8.DecodeRune(b)
	return key{code: keyRune, r: r}, n
}

// decodeEscape decodes an escape sequence: CSI (ESC [) and SS3 (ESC O)
// cursor keys, and Alt (ESC prefix) combinations.
func decodeEscape(b []byte, final bool) (key, int) {
	if len(b) < 2 {
		if final {
			return key{}, 1
		}
		return key{}, 0
	}
	switch b[1] {
	case 'b', 'B':
		return key{code: keyWordLeft}, 2
	case 'f', 'F':
		return key{code: keyWordRight}, 2
	case 0x7f, 8:
		return key{code: keyKillWord}, 2
	case 'O':
		if len(b) < 3 {
			if final {
				return key{}, 2
			}
			return key{}, 0
		}
		return key{code: cursorKey(b[2])}, 3
	case '[':
	default:
		return key{}, 1 // a lone ESC
	}
	// CSI: parameters and intermediates, then a final byte in 0x40..0x7e.
	i := 2
	for i < len(b) && (b[i] < 0x40 || b[i] > 0x7e) {
		i++
	}
	if i == len(b) {
		if final {
			return key{}, len(b)
		}
		return key{}, 0
	}
	params, fin := string(b[2:i]), b[i]
	n := i + 1
	if fin == '~' {
		switch params {
		case "1", "7":
			return key{code: keyHome}, n
		case "4", "8":
			return key{code: keyEnd}, n
		case "3":
			return key{code: keyDelete}, n
		}
		return key{}, n
	}
	k := cursorKey(fin)
	if params == "1;5" || params == "1;3" { // Ctrl or Alt with an arrow
		switch k {
		case keyLeft:
			k = keyWordLeft
		case keyRight:
			k = keyWordRight
		}
	}
	return key{code: k}, n
}

func cursorKey(c byte) keyCode {
	switch c {
	case 'A':
		return keyUp
	case 'B':
		return keyDown
	case 'C':
		return keyRight
	case 'D':
		return keyLeft
	case 'H':
		return keyHome
	case 'F':
		return keyEnd
	}
	return keyNone
}

// defaultHistSize is how many history entries are kept without HISTSIZE, as psql.
const defaultHistSize = 500

// historyNewline stands for a newline inside an entry in the history file,
// where each entry is one line (psql's history files use the same byte).
const historyNewline = "\x01"

// lineHistory is the history of entered lines and statements, kept in a file.
// Add appends each entry to the file as it comes, so that a killed process
// loses nothing; Save trims the file to the newest max entries.
type lineHistory struct {
	path    string   // "" keeps history in memory only
	max     int      // entries kept; < 0 for no limit
	entries []string // oldest first
	err     error    // the first error writing the file
}

// historyPath is $PGMOON_HISTORY, else ~/.pgmoon_history, else "".
func historyPath() string {
	if p, ok := os.LookupEnv("PGMOON_HISTORY"); ok {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return home + string(os.PathSeparator) + ".pgmoon_history"
}

// loadHistory reads the history file at path, if there is one.
func loadHistory(path string, max int) *lineHistory {
	h := &lineHistory{path: path, max: max}
	if path == "" {
		return h
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return h
	}
	h.entries = decodeHistory(data)
	h.trim()
	return h
}

func decodeHistory(data []byte) []string {
	var entries []string
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" {
			entries = append(entries, strings.ReplaceAll(line, historyNewline, "\n"))
		}
	}
	return entries
}

func encodeHistoryEntry(entry string) string {
	return strings.ReplaceAll(entry, "\n", historyNewline) + "\n"
}

func (h *lineHistory) trim() {
	if h.max >= 0 && len(h.entries) > h.max {
		h.entries = append([]string(nil), h.entries[len(h.entries)-h.max:]...)
	}
}

// Len is the number of entries.
func (h *lineHistory) Len() int { return len(h.entries) }

// At returns an entry: 0 is the newest.
func (h *lineHistory) At(i int) string { return h.entries[len(h.entries)-1-i] }

// Add records entry, unless it is blank or repeats the newest entry.
// A trailing newline is dropped.
func (h *lineHistory) Add(entry string) {
	entry = strings.TrimRight(entry, "\n")
	if strings.TrimSpace(entry) == "" || h.max == 0 {
		return
	}
	if n := len(h.entries); n > 0 && h.entries[n-1] == entry {
		return
	}
	h.entries = append(h.entries, entry)
	h.trim()
	if h.path == "" || h.err != nil {
		return
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err == nil {
		_, err = f.WriteString(encodeHistoryEntry(entry))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		h.err = fmt.Errorf("could not save history to file %q: %w", h.path, err)
	}
}

// Save trims the history file to the newest max entries, keeping what other
// sessions appended meanwhile. A file that is not a regular file (/dev/null)
// is left alone.
func (h *lineHistory) Save() error {
	if h.err != nil || h.path == "" || h.max < 0 {
		return h.err
	}
	st, err := os.Stat(h.path)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	data, err := os.ReadFile(h.path)
	if err != nil {
		return fmt.Errorf("could not save history to file %q: %w", h.path, err)
	}
	entries := decodeHistory(data)
	if len(entries) <= h.max {
		return nil
	}
	var b strings.Builder
	for _, e := range entries[len(entries)-h.max:] {
		b.WriteString(encodeHistoryEntry(e))
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.path), ".pgmoon_history*")
	if err == nil {
		_, err = tmp.WriteString(b.String())
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), h.path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		return fmt.Errorf("could not save history to file %q: %w", h.path, err)
	}
	return nil
}
