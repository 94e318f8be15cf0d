package types_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/types"
)

// rtCase is one value of one type, checked against the real server:
//
//   - parameter: Value, encoded by the Map (binary where the codec can, and
//     text), is sent as a parameter and the server must find it equal to
//     Literal (Compare);
//   - read back: Literal, selected in text and in binary format, is scanned
//     into a new variable of Want's type and must equal Want; it is also
//     scanned into *any without error.
type rtCase struct {
	Name    string // subtest name; default Type + " " + Literal
	Type    string // SQL type as written in a cast: "int4", "numeric(10,2)", "int4[]"
	Literal string // SQL expression of the expected value, cast to Type: "'1.5'", "NULL"
	Value   any    // Go value sent as the parameter; nil is NULL
	Want    any    // expected read-back value, of the destination type; default Value. A nil pointer of some type (e.g. (*string)(nil)) expects NULL.
	// Compare is the server-side check of the parameter, a format with two
	// %s: the parameter as Type, then the literal as Type. Default "%s = %s"
	// (for a NULL Value: both IS NULL). Types without "=" use e.g.
	// "%s::text = %s::text".
	Compare string
	NoParam bool           // skip the parameter check
	NoRead  bool           // skip the read-back check
	Formats []types.Format // read-back formats; default text and binary
	Opts    []cmp.Option   // extra comparison options
}

// cmpOpts compares values as the tests mean them: NaN equals NaN, time.Time
// by instant (go-cmp uses its Equal method), big numbers by value.
var cmpOpts = []cmp.Option{
	cmpopts.EquateNaNs(),
	cmp.Comparer(func(a, b *big.Int) bool { return a == nil && b == nil || a != nil && b != nil && a.Cmp(b) == 0 }),
	cmp.Comparer(func(a, b *big.Rat) bool { return a == nil && b == nil || a != nil && b != nil && a.Cmp(b) == 0 }),
	cmp.Comparer(func(a, b *big.Float) bool { return a == nil && b == nil || a != nil && b != nil && a.Cmp(b) == 0 }),
}

// rtConn is one connection shared by the round-trip tests of the binary.
var (
	rtOnce sync.Once
	rtC    *pgmoon.Conn
	rtErr  error
)

func rtConn(t *testing.T) *pgmoon.Conn {
	t.Helper()
	srv := pgtest.Default(t)
	rtOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rtC, rtErr = pgmoon.ConnectString(ctx, srv.DSN())
	})
	if rtErr != nil {
		t.Fatalf("connect: %v", rtErr)
	}
	return rtC
}

func rtCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// runRoundTrip runs every case as a subtest, with a new map of the
// built-in types.
func runRoundTrip(t *testing.T, cases []rtCase) {
	t.Helper()
	runRoundTripMap(t, types.NewMap(), cases, nil)
}

// runRoundTripMap runs every case as a subtest with the types of m (for
// types a test creates or registers itself). after, if not nil, runs at the
// end of each case with the bytes the server sent in each format read.
func runRoundTripMap(t *testing.T, m *types.Map, cases []rtCase, after func(t *testing.T, typ *types.Type, c rtCase, srcs map[types.Format][]byte)) {
	t.Helper()
	conn := rtConn(t)
	for _, c := range cases {
		name := c.Name
		if name == "" {
			name = c.Type + " " + c.Literal
		}
		t.Run(name, func(t *testing.T) {
			want := c.Want
			if want == nil {
				want = c.Value
			}
			oid, sendFn := rtTypeInfo(t, conn, c.Type)
			typ := m.TypeOrUnknown(oid)
			srcs := map[types.Format][]byte{}
			if !c.NoRead {
				formats := c.Formats
				if formats == nil {
					formats = []types.Format{types.TextFormat, types.BinaryFormat}
				}
				for _, f := range formats {
					src := rtSelect(t, conn, c, f, sendFn)
					srcs[f] = src
					rtCheckRead(t, m, typ, f, src, want, c.Opts)
				}
			}
			if !c.NoParam {
				rtCheckParam(t, conn, m, typ, c)
			}
			if after != nil {
				after(t, typ, c, srcs)
			}
		})
	}
}

// rtTypeInfo returns the OID and send function of a SQL type.
func rtTypeInfo(t *testing.T, conn *pgmoon.Conn, typ string) (uint32, string) {
	t.Helper()
	res, err := conn.SimpleQuery(rtCtx(t), fmt.Sprintf(
		"select t.oid, t.typsend::regproc::text from pg_type t where t.oid = %s::regtype",
		quoteLiteral(typ)))
	if err != nil {
		t.Fatalf("type %s: %v", typ, err)
	}
	var oid uint32
	if _, err := fmt.Sscan(string(res[0].Rows[0][0]), &oid); err != nil {
		t.Fatal(err)
	}
	return oid, string(res[0].Rows[0][1])
}

// rtSelect returns the literal's value in format f, as the server sends it
// (nil for NULL).
func rtSelect(t *testing.T, conn *pgmoon.Conn, c rtCase, f types.Format, sendFn string) []byte {
	t.Helper()
	q := fmt.Sprintf("select (%s)::%s", c.Literal, c.Type)
	if f == types.BinaryFormat {
		q = fmt.Sprintf("select encode(%s((%s)::%s), 'hex')", sendFn, c.Literal, c.Type)
	}
	res, err := conn.SimpleQuery(rtCtx(t), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	src := res[0].Rows[0][0]
	if src == nil || f == types.TextFormat {
		return src
	}
	b, err := hex.DecodeString(string(src))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rtCheckRead scans src into a new variable of want's type and into *any.
func rtCheckRead(t *testing.T, m *types.Map, typ *types.Type, f types.Format, src []byte, want any, opts []cmp.Option) {
	t.Helper()
	var anyDst any
	if err := m.Scan(typ, f, src, &anyDst); err != nil {
		t.Errorf("%s read into *any: %v", f, err)
	}
	if want == nil {
		if src != nil || anyDst != nil {
			t.Errorf("%s read: got %q (%#v), want NULL", f, src, anyDst)
		}
		return
	}
	dst := reflect.New(reflect.TypeOf(want))
	if err := m.Scan(typ, f, src, dst.Interface()); err != nil {
		t.Errorf("%s read into %T: %v", f, dst.Interface(), err)
		return
	}
	got := dst.Elem().Interface()
	if diff := cmp.Diff(want, got, append(append([]cmp.Option{}, cmpOpts...), opts...)...); diff != "" {
		t.Errorf("%s read of %q into %T: (-want +got)\n%s", f, src, dst.Interface(), diff)
	}
}

// rtCheckParam sends c.Value as a parameter of type typ and has the server
// compare it with the literal, once per format the codec can encode it in.
func rtCheckParam(t *testing.T, conn *pgmoon.Conn, m *types.Map, typ *types.Type, c rtCase) {
	t.Helper()
	sent := 0
	var firstErr error
	for _, f := range []types.Format{types.BinaryFormat, types.TextFormat} {
		buf, null, err := m.EncodeFormat(typ, f, c.Value, nil)
		if err != nil {
			if errors.Is(err, types.ErrUnsupported) {
				// No form in this format for this Go value (a string
				// has no binary form for most types; money's integer
				// has no text form); the other format must work.
				firstErr = err
				continue
			}
			t.Errorf("encode %T as %s in %s: %v", c.Value, c.Type, f, err)
			continue
		}
		sent++
		ok, err := rtCompare(t, conn, typ, c, f, buf, null)
		if err != nil {
			t.Errorf("%s parameter %T %v: %v", f, c.Value, c.Value, err)
		} else if !ok {
			t.Errorf("%s parameter %T %v (%x) is not equal to %s server-side", f, c.Value, c.Value, buf, c.Literal)
		}
	}
	if sent == 0 {
		t.Errorf("%T encodes as %s in neither format: %v", c.Value, c.Type, firstErr)
	}
}

var (
	textOnly   = []types.Format{types.TextFormat}
	binaryOnly = []types.Format{types.BinaryFormat}
)
