// Package compat holds no code: its tests show, against a real PostgreSQL
// server started by pgtest, that the tools people put on top of
// database/sql work with pgmoon's driver:
//
//   - sqlx (github.com/jmoiron/sqlx): sqlx_test.go
//   - GORM with gorm.io/driver/postgres: gorm_test.go
//   - goose (github.com/pressly/goose/v3): goose_test.go
//
// golang-migrate's postgres driver links lib/pq, which then owns the
// driver name "postgres"; its tests, and those of lib/pq's array Scanners,
// are in the subpackage withpq so that this package's test binary keeps
// "postgres" for pgmoon.
//
// compat is a module of its own, so that none of these tools enter the
// driver's go.mod. README.md says what each tool needs set.
package compat
