// Package withpq holds the compat tests of tools that link lib/pq
// (github.com/lib/pq): golang-migrate's postgres driver, and lib/pq's
// array Scanners used over pgmoon's driver. They have a test binary of
// their own because lib/pq, once linked, registers the database/sql driver
// name "postgres" and pgmoon then registers only "pgmoon".
package withpq
