package pgmoon

// Internals of quote.go and interpolate.go reached by the external tests.

// Interpolate is interpolate.
func Interpolate(sql string, args []any, standardConformingStrings bool) (string, error) {
	return interpolate(sql, args, standardConformingStrings)
}

// AppendLiteral is appendLiteral.
func AppendLiteral(dst []byte, v any) ([]byte, error) { return appendLiteral(dst, v) }

// AppendQuoteLiteral is appendQuoteLiteral.
func AppendQuoteLiteral(dst []byte, s string) ([]byte, error) { return appendQuoteLiteral(dst, s) }

// SQLToken is one token of the interpolation lexer.
type SQLToken struct {
	Kind  string // "code", "space", "comment", "string", "ident" or "param"
	Text  string
	Param int // for "param"
}

var tokenKindNames = [...]string{
	tokCode:    "code",
	tokSpace:   "space",
	tokComment: "comment",
	tokString:  "string",
	tokIdent:   "ident",
	tokParam:   "param",
}

// LexSQL splits sql into the interpolation lexer's tokens.
func LexSQL(sql string, standardConformingStrings bool) ([]SQLToken, error) {
	l := sqlLexer{src: sql, scs: standardConformingStrings}
	var toks []SQLToken
	for {
		tok, ok, err := l.next()
		if err != nil {
			return toks, err
		}
		if !ok {
			return toks, nil
		}
		toks = append(toks, SQLToken{Kind: tokenKindNames[tok.kind], Text: sql[tok.start:tok.end], Param: tok.param})
	}
}
