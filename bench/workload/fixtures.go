package workload

import (
	"context"
	"fmt"

	"github.com/pgmoon-go/pgmoon"
)

// SQL the workloads run.
const (
	OneRowSQL   = "select id, name, balance from bench_accounts where id = $1"
	Rows1000SQL = "select g::int4, 'row number ' || g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', g * 1.5::float8 from generate_series(1, 1000) g"
	InsertSQL   = "insert into bench_insert (name, balance) values ($1, $2)"
	BlobSQL     = "select data from bench_blob where id = 1"
	CopyToSQL   = "copy bench_copy_src to stdout"
)

// CopyColumns are the columns of bench_copy_dst that COPY FROM fills.
var CopyColumns = []string{"id", "name", "at", "f"}

// Load (re)creates the fixture tables on env.DSN: bench_accounts
// (env.Accounts rows), bench_blob (one env.BlobSize bytea), bench_insert
// (empty), bench_copy_src (env.CopyRows rows) and bench_copy_dst (empty).
// The tables are unlogged, as nothing here is meant to survive.
func Load(ctx context.Context, env Env) error {
	env = env.WithDefaults()
	conn, err := pgmoon.ConnectString(ctx, env.DSN)
	if err != nil {
		return fmt.Errorf("load fixtures: connect: %w", err)
	}
	defer conn.Close(ctx)
	stmts := []string{
		"drop table if exists bench_accounts, bench_blob, bench_insert, bench_copy_src, bench_copy_dst",
		"create unlogged table bench_accounts (id int4 primary key, name text not null, balance int8 not null)",
		fmt.Sprintf("insert into bench_accounts select g, 'account ' || g, g * 100 from generate_series(1, %d) g", env.Accounts),
		"create unlogged table bench_blob (id int4 primary key, data bytea not null)",
		"alter table bench_blob alter column data set storage external",
		fmt.Sprintf("insert into bench_blob values (1, convert_to(repeat('x', %d), 'UTF8'))", env.BlobSize),
		"create unlogged table bench_insert (id bigserial primary key, name text not null, balance int8 not null)",
		"create unlogged table bench_copy_src (id int8, name text, at timestamptz, f float8)",
		fmt.Sprintf("insert into bench_copy_src select g, 'row name number ' || g %% 1000, '2024-01-01'::timestamptz + g * interval '1 second', g / 3.0::float8 from generate_series(1, %d) g", env.CopyRows),
		"create unlogged table bench_copy_dst (id int8, name text, at timestamptz, f float8)",
		"vacuum analyze bench_accounts, bench_blob, bench_copy_src",
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("load fixtures: %s: %w", s, err)
		}
	}
	return nil
}
