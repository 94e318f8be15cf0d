package users_test

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/internal/leakcheck"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// One server for the whole test binary, stopped after the last test; then
// no goroutine may be left running (see internal/leakcheck).
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	code = leakcheck.After(code)
	os.Exit(code)
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Default(t).NewDatabase(t) // an empty database, dropped after the test
	conn, err := pgmoon.ConnectString(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())

	_, err = conn.SimpleQuery(t.Context(), `
		create table users (id serial primary key, name text not null);
		insert into users (name) values ('ada'), ('grace')`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := conn.SimpleQuery(t.Context(), "select count(*) from users")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res[0].Rows[0][0]); got != "2" {
		t.Errorf("count = %s, want 2", got)
	}
}
