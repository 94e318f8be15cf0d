package pgtest

import (
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon"
)

// FuzzWithSettings appends a setting with an arbitrary value to both
// connection-string forms
// (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING)
// and parses the result with the driver: the value must come through
// unchanged and win over the string's own, and the rest of the string must
// be unaffected.
func FuzzWithSettings(f *testing.F) {
	for _, v := range []string{"x", "a b", `it's`, `back\slash`, "?&=#%/@:", "ü\t\n", "'", `\`, "%zz"} {
		f.Add(uint8(0), uint8(0), v)
		f.Add(uint8(1), uint8(1), v)
	}
	bases := []string{
		"host=/tmp port=5433 user=alice dbname=base application_name=old",
		"postgres://alice:pw@localhost:5433/base?application_name=old",
		"postgresql://alice@%2Ftmp:5433/base",
	}
	settings := []struct {
		name string
		get  func(*pgmoon.Config) string
	}{
		{"application_name", func(c *pgmoon.Config) string { return c.ApplicationName }},
		{"dbname", func(c *pgmoon.Config) string { return c.Database }},
		{"user", func(c *pgmoon.Config) string { return c.User }},
		{"password", func(c *pgmoon.Config) string { return c.Password }},
	}
	f.Fuzz(func(t *testing.T, b, s uint8, value string) {
		if value == "" || strings.IndexByte(value, 0) >= 0 {
			return // an empty value clears the setting; a C string holds no NUL
		}
		base := bases[int(b)%len(bases)]
		set := settings[int(s)%len(settings)]
		dsn := withSettings(base, [2]string{set.name, value})
		cfg, err := pgmoon.ParseConfig(dsn)
		if err != nil {
			t.Fatalf("%s=%q on %q: %v", set.name, value, base, err)
		}
		if got := set.get(cfg); got != value {
			t.Fatalf("%s=%q on %q: %q, read back %q", set.name, value, base, dsn, got)
		}
		if cfg.Port != 5433 {
			t.Fatalf("%q: port %d, want the string's own 5433", dsn, cfg.Port)
		}
	})
}

// FuzzParseLSN reads pg_lsn text: what it accepts must be what formatLSN
// writes for the value, up to case and leading zeros, and every LSN
// formatLSN writes must read back.
func FuzzParseLSN(f *testing.F) {
	for _, s := range []string{"16/B374D848", "0/0", "FFFFFFFF/FFFFFFFF", "1/", "/1", "100000000/0", "+1/-1", "0x1/2", "1_0/2", "00a/0B"} {
		f.Add(s, uint64(0x16B374D848))
	}
	canon := func(h string) string {
		if h = strings.TrimLeft(h, "0"); h == "" {
			return "0"
		}
		return strings.ToUpper(h)
	}
	f.Fuzz(func(t *testing.T, s string, lsn uint64) {
		if v, err := parseLSN(s); err == nil {
			hi, lo, _ := strings.Cut(s, "/")
			if want := canon(hi) + "/" + canon(lo); formatLSN(v) != want {
				t.Fatalf("%q reads as %s, want %s", s, formatLSN(v), want)
			}
		}
		if back, err := parseLSN(formatLSN(lsn)); err != nil || back != lsn {
			t.Fatalf("%X written %q reads back %X, %v", lsn, formatLSN(lsn), back, err)
		}
	})
}
