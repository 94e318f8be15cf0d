package types_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/types"
)

// rawConn is a connection whose type map falls back to rawMap, where
// rtCompare registers, for the type under test, a codec that sends exactly
// the bytes it was given in exactly the format it was given.
var (
	rawOnce sync.Once
	rawC    *pgmoon.Conn
	rawErr  error
	rawMap  *types.Map
)

func rtRawConn(t *testing.T) *pgmoon.Conn {
	t.Helper()
	srv := pgtest.Default(t)
	rawOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cfg, err := pgmoon.ParseConfig(srv.DSN())
		if err != nil {
			rawErr = err
			return
		}
		rawMap = types.NewMap()
		cfg.Types = rawMap
		rawC, rawErr = pgmoon.Connect(ctx, cfg)
	})
	if rawErr != nil {
		t.Fatalf("connect: %v", rawErr)
	}
	return rawC
}

// rawArg is the argument rtCompare passes: the rawCodec registered for the
// type under test sends the bytes of rawNext for it.
type rawArg struct{}

// rawNext is what the next rawArg is sent as.
var rawNext struct {
	f    types.Format
	data []byte
}

// rawCodec sends rawNext for a rawArg, and otherwise acts as the type's
// own codec (registrations stay in rawMap from case to case, and the
// comparison's result may be of the type under test).
type rawCodec struct{ orig types.Codec }

func (c rawCodec) PreferredFormat() types.Format { return rawNext.f }

func (c rawCodec) Encode(m *types.Map, t *types.Type, f types.Format, v any, buf []byte) ([]byte, error) {
	if _, ok := v.(rawArg); !ok {
		return c.orig.Encode(m, t, f, v, buf)
	}
	if f != rawNext.f {
		return buf, fmt.Errorf("%w: raw parameter is %s", types.ErrUnsupported, rawNext.f)
	}
	return append(buf, rawNext.data...), nil
}

func (c rawCodec) Decode(m *types.Map, t *types.Type, f types.Format, src []byte, dst any) error {
	return c.orig.Decode(m, t, f, src, dst)
}

func (c rawCodec) DecodeAny(m *types.Map, t *types.Type, f types.Format, src []byte) (any, error) {
	return c.orig.DecodeAny(m, t, f, src)
}

// rtCompare sends buf (or NULL) as a parameter of typ in format f, through
// the extended protocol, and has the server compare it with the literal.
func rtCompare(t *testing.T, conn *pgmoon.Conn, typ *types.Type, c rtCase, f types.Format, buf []byte, null bool) (bool, error) {
	t.Helper()
	raw := rtRawConn(t)
	rawMap.Register(&types.Type{Name: typ.Name, OID: typ.OID, Codec: rawCodec{orig: typ.Codec}})
	rawNext.f, rawNext.data = f, buf
	lit := "(" + c.Literal + ")::" + c.Type
	cmpExpr := c.Compare
	if cmpExpr == "" {
		cmpExpr = "%s = %s"
		if null {
			cmpExpr = "%s is null and %s is null"
		}
	}
	var arg any = rawArg{}
	if null {
		arg = nil
	}
	var ok bool
	err := raw.QueryRow(rtCtx(t), "select ("+fmt.Sprintf(cmpExpr, "$1::"+c.Type, lit)+")::bool", arg).Scan(&ok)
	return ok, err
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
