package types_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/types"
)

// rtCompare has the server compare an encoded parameter with the literal.
// Until the driver has the extended protocol, a text parameter is inlined
// as a quoted literal and a binary one is skipped.
func rtCompare(t *testing.T, conn *pgmoon.Conn, typ *types.Type, c rtCase, f types.Format, buf []byte, null bool) (bool, error) {
	if f == types.BinaryFormat {
		return true, nil
	}
	param := "NULL::" + c.Type
	if !null {
		param = quoteLiteral(string(buf)) + "::" + c.Type
	}
	lit := "(" + c.Literal + ")::" + c.Type
	cmpExpr := c.Compare
	if cmpExpr == "" {
		cmpExpr = "%s = %s"
		if c.Value == nil {
			cmpExpr = "%s is null and %s is null"
		}
	}
	res, err := conn.SimpleQuery(rtCtx(t), "select ("+fmt.Sprintf(cmpExpr, param, lit)+")::bool")
	if err != nil {
		return false, err
	}
	return string(res[0].Rows[0][0]) == "t", nil
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
