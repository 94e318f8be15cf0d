package pgmoon

// Internals reached by the external tests in package pgmoon_test.

// SetPostgresqlDir replaces libpq's ~/.postgresql directory of default
// certificate files and returns a function that restores it.
func SetPostgresqlDir(dir string) (restore func()) {
	old := postgresqlDir
	postgresqlDir = func() string { return dir }
	return func() { postgresqlDir = old }
}
