package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeKey(t *testing.T) {
	tests := []struct {
		in    string
		final bool
		want  key
		n     int
	}{
		{"a", false, key{code: keyRune, r: 'a'}, 1},
		{"é", false, key{code: keyRune, r: 'é'}, 2},
		{"\xc3", false, key{}, 0},                          // partial UTF-8: wait for more
		{"\xc3", true, key{code: keyRune, r: '\uFFFD'}, 1}, // input ended
		{"\r", false, key{code: keyEnter}, 1},
		{"\r\n", false, key{code: keyEnter}, 2},
		{"\x03", false, key{code: keyInterrupt}, 1},
		{"\x04", false, key{code: keyEOF}, 1},
		{"\x7f", false, key{code: keyBackspace}, 1},
		{"\x1b[A", false, key{code: keyUp}, 3},
		{"\x1bOB", false, key{code: keyDown}, 3},
		{"\x1b[1;5C", false, key{code: keyWordRight}, 6},
		{"\x1b[3~", false, key{code: keyDelete}, 4},
		{"\x1b[1~", false, key{code: keyHome}, 4},
		{"\x1b[4~", false, key{code: keyEnd}, 4},
		{"\x1b[200~", false, key{}, 6}, // unknown: consumed, ignored
		{"\x1b[1;5", false, key{}, 0},  // partial CSI
		{"\x1b", false, key{}, 0},
		{"\x1b", true, key{}, 1},
		{"\x1bb", false, key{code: keyWordLeft}, 2},
		{"\x1b\x7f", false, key{code: keyKillWord}, 2},
		{"\x1bx", false, key{}, 1},
	}
	for _, tt := range tests {
		k, n := decodeKey([]byte(tt.in), tt.final)
		if k != tt.want || n != tt.n {
			t.Errorf("decodeKey(%q, %v) = %+v, %d; want %+v, %d", tt.in, tt.final, k, n, tt.want, tt.n)
		}
	}
}

func TestEditRuneWidth(t *testing.T) {
	for _, tt := range []struct {
		r rune
		w int
	}{{'a', 1}, {'é', 1}, {'\u0301', 0}, {'日', 2}, {'한', 2}, {'Ａ', 2}, {'😀', 2}, {'\x01', 2}, {'€', 1}} {
		if got := editRuneWidth(tt.r); got != tt.w {
			t.Errorf("editRuneWidth(%q) = %d, want %d", tt.r, got, tt.w)
		}
	}
}

func TestLayoutLine(t *testing.T) {
	tests := []struct {
		name   string
		prompt string
		text   string
		pos    int
		width  int
		out    string
		endRow int
		curRow int
		curCol int
	}{
		{"simple", "> ", "abc", 3, 10, "> abc", 0, 0, 5},
		{"cursor inside", "> ", "abc", 1, 10, "> abc", 0, 0, 3},
		{"exact fill wraps eagerly", "> ", "abcdefgh", 8, 10, "> abcdefgh\r\n", 1, 1, 0},
		{"wraps", "> ", "abcdefghij", 9, 10, "> abcdefgh\r\nij", 1, 1, 1},
		{"wide at the edge", "> ", "abcdefg日", 8, 10, "> abcdefg\r\n日", 1, 1, 2},
		{"newline", "> ", "ab\ncd", 2, 10, "> ab\r\ncd", 1, 0, 4},
		{"newline cursor after", "> ", "ab\ncd", 3, 10, "> ab\r\ncd", 1, 1, 0},
		{"tab", "> ", "a\tb", 3, 20, "> a     b", 0, 0, 9},
		{"control", "> ", "a\x07", 2, 10, "> a^G", 0, 0, 5},
		{"invisible prompt", "\x01\x1b[1m\x02>\x01\x1b[0m\x02 ", "x", 1, 10, "\x1b[1m>\x1b[0m x", 0, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := layoutLine(nil, tt.prompt, []rune(tt.text), tt.pos, tt.width)
			if string(l.out) != tt.out || l.endRow != tt.endRow || l.curRow != tt.curRow || l.curCol != tt.curCol {
				t.Errorf("layoutLine = %q end %d cursor %d,%d; want %q end %d cursor %d,%d",
					l.out, l.endRow, l.curRow, l.curCol, tt.out, tt.endRow, tt.curRow, tt.curCol)
			}
		})
	}
}

func TestHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hist")
	h := loadHistory(path, 3)
	for _, e := range []string{"select 1;", "select 1;", "  ", "select 2,\n3;", "\\x", "select 4;"} {
		h.Add(e)
	}
	// Appended as they come, duplicates of the previous entry and blanks dropped.
	data, _ := os.ReadFile(path)
	if want := "select 1;\nselect 2,\x013;\n\\x\nselect 4;\n"; string(data) != want {
		t.Fatalf("file before Save = %q, want %q", data, want)
	}
	if h.Len() != 3 || h.At(0) != "select 4;" || h.At(2) != "select 2,\n3;" {
		t.Fatalf("entries = %q", h.entries)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if want := "select 2,\x013;\n\\x\nselect 4;\n"; string(data) != want {
		t.Fatalf("file after Save = %q, want %q", data, want)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	h2 := loadHistory(path, 500)
	if h2.Len() != 3 || h2.At(1) != "\\x" || h2.At(2) != "select 2,\n3;" {
		t.Fatalf("reloaded entries = %q", h2.entries)
	}
}

// TestHistoryDevNull: a history file that is not a regular file is written
// to but never replaced.
func TestHistoryDevNull(t *testing.T) {
	h := loadHistory(os.DevNull, 1)
	h.Add("a")
	h.Add("b")
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s: %v %v", os.DevNull, st, err)
	}
}

func TestHistoryPath(t *testing.T) {
	t.Setenv("PGMOON_HISTORY", "/x/h")
	if got := historyPath(); got != "/x/h" {
		t.Errorf("historyPath = %q", got)
	}
	os.Unsetenv("PGMOON_HISTORY")
	t.Setenv("HOME", "/home/u")
	if got := historyPath(); got != "/home/u/.pgmoon_history" {
		t.Errorf("historyPath = %q", got)
	}
}

func TestRenderPrompt(t *testing.T) {
	base := promptInfo{
		Connected: true, DB: "app", User: "alice", Host: "db1.example.com", Port: "5433",
		PID: 4242, TxStatus: 'I', State: '-',
		Var: func(n string) (string, bool) {
			if n == "FOO" {
				return "bar", true
			}
			return "", false
		},
	}
	with := func(f func(*promptInfo)) promptInfo { in := base; f(&in); return in }
	tests := []struct {
		name   string
		format string
		kind   promptKind
		in     promptInfo
		want   string
	}{
		{"default", defaultPrompt1, prompt1, base, "app=> "},
		{"continuation", defaultPrompt2, prompt2, base, "app-> "},
		{"in quote", defaultPrompt2, prompt2, with(func(in *promptInfo) { in.State = '\'' }), "app'> "},
		{"superuser", defaultPrompt1, prompt1, with(func(in *promptInfo) { in.Superuser = true }), "app=# "},
		{"in transaction", defaultPrompt1, prompt1, with(func(in *promptInfo) { in.TxStatus = 'T' }), "app=*> "},
		{"failed transaction", defaultPrompt1, prompt1, with(func(in *promptInfo) { in.TxStatus = 'E' }), "app=!> "},
		{"unknown transaction", "%x", prompt1, with(func(in *promptInfo) { in.TxStatus = 0 }), "?"},
		{"disconnected", defaultPrompt1, prompt1, promptInfo{}, "!> "},
		{"single line", "%R", prompt1, with(func(in *promptInfo) { in.SingleLine = true }), "^"},
		{"prompt3 R", "%R", prompt3, base, ""},
		{"tilde", "%~", prompt1, with(func(in *promptInfo) { in.DefaultDB = true }), "~"},
		{"tilde other", "%~", prompt1, base, "app"},
		{"user host port pid", "%n@%m:%>/%M %p", prompt1, base, "alice@db1:5433/db1.example.com 4242"},
		{"ip host", "%m", prompt1, with(func(in *promptInfo) { in.Host = "10.0.0.1" }), "10.0.0.1"},
		{"socket", "%m %M", prompt1, with(func(in *promptInfo) { in.Host = "/var/run/postgresql" }), "[local] [local]"},
		{"percent", "100%%", prompt1, base, "100%"},
		{"variable", "%:FOO:|%:NOPE:|", prompt1, base, "bar||"},
		{"octal and invisible", "%[%033[1m%]x", prompt1, base, "\x01\x1b[1m\x02x"},
		{"line number", "%l", prompt2, with(func(in *promptInfo) { in.LineNo = 3 }), "3"},
		{"unknown escape", "a%qb", prompt1, base, "ab"},
		{"trailing percent", "a%", prompt1, base, "a%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderPrompt(tt.format, tt.kind, tt.in); got != tt.want {
				t.Errorf("renderPrompt(%q) = %q, want %q", tt.format, got, tt.want)
			}
		})
	}
	if got := stripPromptMarkers("\x01\x1b[1m\x02x"); got != "\x1b[1mx" {
		t.Errorf("stripPromptMarkers = %q", got)
	}
}

func TestHistoryAddTrims(t *testing.T) {
	h := loadHistory("", 2)
	h.Add("a\n")
	h.Add("b")
	h.Add("c")
	if got := strings.Join(h.entries, ","); got != "b,c" {
		t.Errorf("entries = %s", got)
	}
	h0 := loadHistory("", 0)
	h0.Add("a")
	if h0.Len() != 0 {
		t.Error("HISTSIZE=0 kept an entry")
	}
}
