package pgmoon

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzCommandTag reads an arbitrary CommandComplete tag
// (https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COMMANDCOMPLETE).
// Command must be the tag without its trailing counts, and RowsAffected
// the last count for the commands that report rows, 0 otherwise; and a tag
// built as the server builds one must read back its parts.
func FuzzCommandTag(f *testing.F) {
	for _, s := range []string{"INSERT 0 5", "UPDATE 3", "SELECT 18446744073709551615", "CREATE TABLE", "COPY -1", "MOVE 1 2", "", " ", "FETCH +1"} {
		f.Add(s, "DELETE", uint64(7))
	}
	f.Fuzz(func(t *testing.T, s, cmd string, n uint64) {
		tag := NewCommandTag(s)
		if tag.String() != s || !strings.HasPrefix(s, tag.Command()) {
			t.Fatalf("%q: String %q, Command %q", s, tag.String(), tag.Command())
		}
		for _, w := range strings.Fields(strings.TrimPrefix(s, tag.Command())) {
			if _, err := strconv.ParseUint(w, 10, 64); err != nil {
				t.Fatalf("%q: Command %q leaves %q, not a count", s, tag.Command(), w)
			}
		}
		if rows := tag.RowsAffected(); rows < 0 {
			t.Fatalf("%q: RowsAffected %d", s, rows)
		}
		if cmd == "" || strings.ContainsAny(cmd, "0123456789 \x00") || n > 1<<63-1 {
			return
		}
		built := NewCommandTag(cmd + " " + strconv.FormatUint(n, 10))
		want := int64(0)
		switch cmd {
		case "INSERT", "UPDATE", "DELETE", "MERGE", "SELECT", "COPY", "MOVE", "FETCH":
			want = int64(n)
		}
		if built.Command() != cmd || built.RowsAffected() != want {
			t.Fatalf("%q: Command %q, RowsAffected %d", built, built.Command(), built.RowsAffected())
		}
	})
}

// FuzzParseInt64 checks the database/sql driver's allocation-free integer
// parser against strconv.ParseInt: the same value when it accepts, and no
// refusal of what strconv reads (beyond 20 bytes, which no int8 the server
// sends reaches).
func FuzzParseInt64(f *testing.F) {
	for _, s := range []string{"0", "-9223372036854775808", "9223372036854775807", "9223372036854775808", "+1", "-", "", "01", "1e3", " 1", "-0", "00000000000000000000001"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parseInt64(b)
		want, err := strconv.ParseInt(string(b), 10, 64)
		if ok && (err != nil || got != want) {
			t.Fatalf("%q: %d, strconv: %d %v", b, got, want, err)
		}
		if !ok && err == nil && len(b) <= 20 {
			t.Fatalf("%q refused; strconv reads %d", b, want)
		}
	})
}
