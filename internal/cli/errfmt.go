package cli

import "github.com/pgmoon-go/pgmoon"

// FormatError renders a server error (or notice) the way psql does for the
// given VERBOSITY ("default", "verbose", "terse", "sqlstate") and
// SHOW_CONTEXT ("never", "errors", "always"), with the LINE n: excerpt and
// caret computed from query when the error has a position. The default
// verbosity adds the SQLSTATE after the severity ("ERROR:  22012: ...").
// The result ends with a newline. PLACEHOLDER.
func FormatError(e *pgmoon.PgError, verbosity, showContext, query string) string {
	return e.Severity + ":  " + e.Message + "\n"
}
