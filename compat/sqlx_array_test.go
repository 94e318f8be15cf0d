package compat_test

import (
	"database/sql"
	"fmt"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/types"
)

// textArray is a sql.Scanner for a PostgreSQL array column, read from the
// text form ("{a,b}") database/sql gets from pgmoon, with pgmoon's own
// array codec (quoting, NULLs, several dimensions). PgType names the
// column's type as PostgreSQL does ("text[]", "int8[]").
type textArray[T any] struct {
	PgType string
	Dst    *[]T
}

func (a textArray[T]) Scan(src any) error {
	t, ok := types.Default().TypeForName(a.PgType)
	if !ok {
		return fmt.Errorf("textArray: unknown type %q", a.PgType)
	}
	var raw []byte
	switch s := src.(type) {
	case nil: // NULL: raw stays nil, *Dst becomes nil
	case string:
		raw = []byte(s)
	case []byte:
		raw = s
	default:
		return fmt.Errorf("textArray: cannot scan %T", src)
	}
	return types.Default().Scan(t, types.TextFormat, raw, a.Dst)
}

func TestSqlxArrays(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)
	const q = "select tags from people where id = $1"

	// database/sql gets an array column as its text form, a string.
	var s string
	if err := db.Get(&s, q, 3); err != nil || s != `{"navy, US",cobol}` {
		t.Errorf("array into string = %q, %v", s, err)
	}
	var b []byte
	if err := db.Get(&b, q, 3); err != nil || string(b) != `{"navy, US",cobol}` {
		t.Errorf("array into []byte = %q, %v", b, err)
	}
	// Not into a slice: database/sql has no conversion for it.
	var direct []string
	if err := db.Get(&direct, q, 3); err == nil {
		t.Errorf("array into []string through database/sql: no error, got %q", direct)
	}

	// A Scanner that parses the text form: pgmoon's codec (textArray
	// above), or pgx's pgtype.Map.SQLScanner; lib/pq's pq.Array is
	// tested in withpq.
	var tags []string
	if err := db.QueryRowx(q, 3).Scan(textArray[string]{"text[]", &tags}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tags, []string{"navy, US", "cobol"}) {
		t.Errorf("textArray: %q", tags)
	}
	var nums []*int64
	if err := db.QueryRowx("select '{1,NULL,-3}'::int8[]").Scan(textArray[*int64]{"int8[]", &nums}); err != nil {
		t.Fatal(err)
	}
	if len(nums) != 3 || *nums[0] != 1 || nums[1] != nil || *nums[2] != -3 {
		t.Errorf("textArray int8[] with a NULL: %v", nums)
	}
	tags = []string{"stale"}
	if err := db.QueryRowx("select null::text[]").Scan(textArray[string]{"text[]", &tags}); err != nil || tags != nil {
		t.Errorf("textArray of NULL = %q, %v; want nil", tags, err)
	}

	m := pgtype.NewMap()
	var pgxTags []string
	if err := db.QueryRowx(q, 1).Scan(m.SQLScanner(&pgxTags)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pgxTags, []string{"math", "poetry"}) {
		t.Errorf("pgtype SQLScanner: %q", pgxTags)
	}

	// Arguments need no wrapper: a Go slice is encoded for the array
	// parameter as it is.
	if _, err := db.Exec("update people set tags = $1 where id = $2", []string{"a,b", `q"uote`, ""}, 2); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowx(q, 2).Scan(textArray[string]{"text[]", &tags}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tags, []string{"a,b", `q"uote`, ""}) {
		t.Errorf("round trip of []string: %q", tags)
	}

	// Or skip the text form: the connection under database/sql scans
	// arrays into slices itself.
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var native []string
	err = conn.Raw(func(dc any) error {
		return dc.(*pgmoon.DriverConn).Conn().QueryRow(t.Context(), q, 1).Scan(&native)
	})
	if err != nil || !reflect.DeepEqual(native, []string{"math", "poetry"}) {
		t.Errorf("through sql.Conn.Raw: %q, %v", native, err)
	}
	var _ sql.Scanner = textArray[string]{}
}
