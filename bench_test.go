package pgmoon_test

import (
	"context"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

func BenchmarkSimpleQuery(b *testing.B) {
	conn, err := pgmoon.ConnectString(context.Background(), pgtest.Default(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx := context.Background()
	for _, bc := range []struct{ name, sql string }{
		{"select1", "select 1"},
		{"rows100x3", "select g, 'name-' || g, g * 1.5 from generate_series(1, 100) g"},
		{"statements3", "select 1; select 2; select 3"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.SimpleQuery(ctx, bc.sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkConnect(b *testing.B) {
	srv := pgtest.Default(b)
	for _, method := range []string{"trust", "md5", "scram-sha-256"} {
		b.Run(method, func(b *testing.B) {
			u, err := srv.User(method)
			if err != nil {
				b.Fatal(err)
			}
			cfg, err := pgmoon.ParseConfig(srv.URL(u.Name, u.Password, "postgres"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				conn, err := pgmoon.Connect(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				conn.Close(context.Background())
			}
		})
	}
}
