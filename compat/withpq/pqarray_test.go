package withpq_test

import (
	"database/sql"
	"reflect"
	"testing"

	"github.com/lib/pq"
)

// lib/pq's array Scanners read the text form pgmoon gives database/sql
// for an array column, and its Valuers' text form is a valid argument.
func TestPQArray(t *testing.T) {
	t.Parallel()
	db, _ := openDB(t)
	if _, err := db.Exec(`create table t (id int primary key, tags text[], nums int8[], flags bool[], ratios float8[], blobs bytea[])`); err != nil {
		t.Fatal(err)
	}
	_, err := db.Exec(`insert into t values (1, $1, $2, $3, $4, $5)`,
		pq.Array([]string{"a,b", `q"uote`, "", "NULL"}),
		pq.Array([]int64{1, -2, 3}),
		pq.BoolArray{true, false},
		pq.Float64Array{0.5, -1e10},
		pq.ByteaArray{{0, 1}, {0xff}})
	if err != nil {
		t.Fatal(err)
	}

	var (
		tags   []string
		nums   []int64
		flags  pq.BoolArray
		ratios pq.Float64Array
		blobs  pq.ByteaArray
	)
	err = db.QueryRow(`select tags, nums, flags, ratios, blobs from t where id = 1`).
		Scan(pq.Array(&tags), pq.Array(&nums), &flags, &ratios, &blobs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tags, []string{"a,b", `q"uote`, "", "NULL"}) {
		t.Errorf("tags = %q", tags)
	}
	if !reflect.DeepEqual(nums, []int64{1, -2, 3}) {
		t.Errorf("nums = %v", nums)
	}
	if !reflect.DeepEqual(flags, pq.BoolArray{true, false}) || !reflect.DeepEqual(ratios, pq.Float64Array{0.5, -1e10}) {
		t.Errorf("flags = %v, ratios = %v", flags, ratios)
	}
	if !reflect.DeepEqual(blobs, pq.ByteaArray{{0, 1}, {0xff}}) {
		t.Errorf("blobs = %x", blobs)
	}

	// NULL arrays and NULL elements.
	var nullTags []string
	if err := db.QueryRow(`select null::text[]`).Scan(pq.Array(&nullTags)); err != nil || nullTags != nil {
		t.Errorf("NULL array = %q, %v", nullTags, err)
	}
	var ns []sql.NullString
	if err := db.QueryRow(`select '{a,NULL}'::text[]`).Scan(pq.Array(&ns)); err != nil {
		t.Fatal(err)
	}
	if len(ns) != 2 || ns[0].String != "a" || ns[1].Valid {
		t.Errorf("array with a NULL into []sql.NullString = %+v", ns)
	}
}
