// Command docker-entrypoint is the entrypoint of the PostgreSQL image that
// pgimage builds from this machine's installation. It follows the official
// postgres image's environment contract (POSTGRES_PASSWORD, POSTGRES_USER,
// POSTGRES_DB, POSTGRES_INITDB_ARGS, /docker-entrypoint-initdb.d, ...), then
// replaces itself with postgres, which so runs as PID 1. See package entry.
package main

import (
	"os"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgimage/entry"
)

func main() {
	os.Exit(entry.Main(os.Args[1:]))
}
