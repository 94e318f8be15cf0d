package types_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// hstoreMany is 1000 pairs, every tenth value NULL.
var hstoreMany = func() map[string]*string {
	m := map[string]*string{}
	for i := 1; i <= 1000; i++ {
		k := "k" + strconv.Itoa(i)
		if i%10 == 0 {
			m[k] = nil
		} else {
			m[k] = txPtr("v" + strconv.Itoa(i))
		}
	}
	return m
}()

var hstoreRTCases = []rtCase{
	{Type: "hstore", Literal: "''", Value: map[string]*string{}},
	{Type: "hstore", Literal: "NULL", Value: nil, Want: map[string]*string(nil)},
	{Type: "hstore", Literal: "'a=>1, b=>NULL'", Value: map[string]*string{"a": txPtr("1"), "b": nil}},
	{Type: "hstore", Literal: "'a=>1, b=>2'", Value: map[string]string{"a": "1", "b": "2"}},
	{Type: "hstore", Literal: "'\"\"=>\"\"'", Value: map[string]string{"": ""}},
	{Name: "hstore escapes and unicode", Type: "hstore",
		Literal: `$$"k\"e\\y"=>"v\"a\\l", "é🙂"=>"ü", "new
line"=>"NULL", "a,b"=>"=>"$$`,
		Value: map[string]*string{`k"e\y`: txPtr(`v"a\l`), "é🙂": txPtr("ü"), "new\nline": txPtr("NULL"), "a,b": txPtr("=>")}},
	{Name: "hstore long value", Type: "hstore", Literal: "hstore('k', repeat('é', 100000))",
		Value: map[string]string{"k": strings.Repeat("é", 100000)}},
	{Name: "hstore 1000 pairs", Type: "hstore",
		Literal: "(select hstore(array_agg('k' || i), array_agg(case when i % 10 = 0 then null else 'v' || i end)) from generate_series(1, 1000) i)",
		Value:   hstoreMany},
	{Name: "hstore text form", Type: "hstore", Literal: `$$"k\"e\\y"=>"v", a=>NULL, bb=>"é"$$`,
		Value: map[string]*string{`k"e\y`: txPtr("v"), "a": nil, "bb": txPtr("é")},
		Want:  `"a"=>NULL, "bb"=>"é", "k\"e\\y"=>"v"`},
	{Name: "hstore from string", Type: "hstore", Literal: "'a=>1'", Value: "a => 1", Want: map[string]string{"a": "1"}},
}

// TestRoundTripHstore runs the hstore cases with the extension's OID
// registered, reusing the harness's steps.
func TestRoundTripHstore(t *testing.T) {
	conn := rtConn(t)
	if _, err := conn.SimpleQuery(rtCtx(t), "create extension if not exists hstore"); err != nil {
		t.Fatalf("create extension hstore: %v", err)
	}
	oid, _ := rtTypeInfo(t, conn, "hstore")
	m := types.NewMap()
	typ := &types.Type{Name: "hstore", OID: oid, Codec: types.HstoreCodec{}}
	m.Register(typ)
	runRoundTripMap(t, m, hstoreRTCases, func(t *testing.T, typ *types.Type, c rtCase, srcs map[types.Format][]byte) {
		// Pairs are encoded in hstore's order: the bytes are the server's
		// own.
		if _, isText := c.Value.(string); c.Value == nil || isText {
			return
		}
		for f, src := range srcs {
			txEncode(t, m, typ, f, c.Value, src)
		}
	})
}
