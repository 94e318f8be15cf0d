package pgmoon

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseConnString: cases the differential tests cannot show with every
// libpq (the corpus there covers the rest).
func TestParseConnString(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		// libpq 18's spaces in URIs: dropped around a part, refused inside.
		{in: "postgres:// h /d ", want: map[string]string{"host": "h", "dbname": "d"}},
		{in: "postgres://a b/d", wantErr: `unexpected spaces found (use percent-encoded spaces, %20, instead) in host: "a b"`},
		{in: "postgres://u:p w@h", wantErr: "unexpected spaces found (use percent-encoded spaces, %20, instead) in password"},
		{in: "postgres://h/d?host=%zz x", wantErr: "invalid percent-encoded token in host"},
		{in: "postgres://h/d?application_name=a%20b", want: map[string]string{"host": "h", "dbname": "d", "application_name": "a b"}},
		{in: "postgres:// /d", want: map[string]string{"host": "", "dbname": "d"}},
		// A NUL byte cannot reach libpq.
		{in: "host=a\x00b", wantErr: "NUL byte"},
		// Keywords newer than some libpq, and pgmoon's own.
		{in: "servicefile=/s sslnegotiation=direct pool_max_conns=2", want: map[string]string{"servicefile": "/s", "sslnegotiation": "direct", "pool_max_conns": "2"}},
	} {
		got, err := parseConnString(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: %v, %v; want an error with %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestRedactConnString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:pw@h/d", "postgres://u:xxxxx@h/d"},
		{"postgres://u:p@w@h/d?password=pw2&x=1", "postgres://u:xxxxx@h/d?password=xxxxx&x=1"},
		{"postgres://u:p@w@h/d?pass%77ord=pw2&sslpassword=kp&ssl%70assword=kp2", "postgres://u:xxxxx@h/d?pass%77ord=xxxxx&sslpassword=xxxxx&ssl%70assword=xxxxx"},
		{"postgresql://h?password=secret@x", "postgresql://h?password=xxxxx"},
		{"host=h password=pw user=u", "host=h password=xxxxx user=u"},
		{"host=h password = 'p w\\'x' user=u", "host=h password = xxxxx user=u"},
		{"host=h password='unterminated", "host=h password=xxxxx"},
		{"host=h mypassword=keep", "host=h mypassword=keep"},
		{"host=h sslpassword=kp oauth_client_secret=s", "host=h sslpassword=xxxxx oauth_client_secret=xxxxx"},
		{"host='unterminated password=pw", "host='unterminated password=xxxxx"},
		{"host=h broken password=pw", "host=h broken password=xxxxx"},
		{"host=h password=a\\ b", "host=h password=xxxxx"},
	} {
		if got := redactConnString(tc.in); got != tc.want {
			t.Errorf("redactConnString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
