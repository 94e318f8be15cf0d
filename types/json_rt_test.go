package types_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// jsonUnquoted is a string read through Unmarshal (a *string receives the
// JSON text).
type jsonUnquoted string

func (u *jsonUnquoted) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, (*string)(u)) }

// jsonNested is a nested document as encoding/json gives it back.
var jsonNested = map[string]any{
	"a": map[string]any{"b": []any{1.0, map[string]any{"c": nil}, "x"}},
	"é": []any{true, false, -1.5e300},
}

var jsonRTCases = []rtCase{
	{Type: "json", Literal: `'{"b": 1, "a": [1, 2]}'`, Value: `{"b": 1, "a": [1, 2]}`, Compare: "%s::text = %s::text"},
	{Type: "json", Literal: "NULL", Value: nil, Want: (*string)(nil), Compare: "%s::text is null and %s::text is null"},
	{Name: "json keeps keys, order and blanks", Type: "json", Literal: `'{"b":1,  "a":2, "a":3}'`,
		Value: json.RawMessage(`{"b":1,  "a":2, "a":3}`), Compare: "%s::text = %s::text"},
	{Name: "json unicode escape kept", Type: "json", Literal: `'"\u00e9\ud83d\ude42"'`, Value: `"\u00e9\ud83d\ude42"`,
		Compare: "%s::text = %s::text"},
	{Name: "json unicode escape decoded", Type: "json", Literal: `'"\u00e9\ud83d\ude42"'`, Value: "é🙂",
		Want: jsonUnquoted("é🙂"), NoParam: true},
	{Name: "json null", Type: "json", Literal: "'null'", Value: json.RawMessage("null"), Compare: "%s::text = %s::text"},
	{Name: "json struct", Type: "json", Literal: `'{"name":"Ann","tags":["x","é"]}'`,
		Value: jsonPerson{Name: "Ann", Tags: []string{"x", "é"}}, Compare: "%s::jsonb = %s::jsonb"},
	{Name: "json nested", Type: "json", Literal: `'{"a":{"b":[1,{"c":null},"x"]},"é":[true,false,-1.5e300]}'`,
		Value: jsonNested, Compare: "%s::jsonb = %s::jsonb"},
	{Type: "json", Literal: "'[]'", Value: []int{}, Want: []any{}, Compare: "%s::text = %s::text"},
	{Type: "json", Literal: "'\"\"'", Value: "", Want: jsonUnquoted(""), NoParam: true},
	{Type: "json", Literal: "'\"\"'", Value: `""`, Compare: "%s::text = %s::text"},

	{Type: "jsonb", Literal: `'{"b": 1, "a": [1, 2]}'`, Value: `{"b": 1, "a": [1, 2]}`, Want: `{"a": [1, 2], "b": 1}`},
	{Type: "jsonb", Literal: "NULL", Value: nil, Want: (*string)(nil)},
	{Name: "jsonb reorders keys, last duplicate wins", Type: "jsonb", Literal: `'{"b":1,  "a":2, "a":3}'`,
		Value: json.RawMessage(`{"a":3,"b":1}`), Want: json.RawMessage(`{"a": 3, "b": 1}`)},
	{Name: "jsonb unicode escape", Type: "jsonb", Literal: `'"\u00e9\ud83d\ude42"'`, Value: `"\u00e9\ud83d\ude42"`, Want: `"é🙂"`},
	{Name: "jsonb null", Type: "jsonb", Literal: "'null'", Value: json.RawMessage("null"), Want: txPtr("null")},
	{Name: "jsonb null into any", Type: "jsonb", Literal: "'null'", Value: json.RawMessage("null"), Want: map[string]any(nil)},
	{Name: "jsonb struct", Type: "jsonb", Literal: `'{"tags":["x","é"],"name":"Ann"}'`,
		Value: jsonPerson{Name: "Ann", Tags: []string{"x", "é"}}},
	{Name: "jsonb pointer to struct", Type: "jsonb", Literal: `'{"name":"Bob"}'`,
		Value: &jsonPerson{Name: "Bob"}, Want: &jsonPerson{Name: "Bob"}},
	{Name: "jsonb nested", Type: "jsonb", Literal: `'{"a":{"b":[1,{"c":null},"x"]},"é":[true,false,-1.5e300]}'`,
		Value: jsonNested},
	{Name: "jsonb number", Type: "jsonb", Literal: "'12.5'", Value: 12.5},
	{Name: "jsonb string", Type: "jsonb", Literal: `'"it''s \"q\" \\ \n"'`, Value: json.RawMessage(`"it's \"q\" \\ \n"`),
		Want: jsonUnquoted("it's \"q\" \\ \n")},
	{Name: "jsonb valuer", Type: "jsonb", Literal: `'{"valuer":1}'`, Value: jsonValuer{`{"valuer":1}`}, Want: map[string]any{"valuer": 1.0}},
	{Name: "jsonb large", Type: "jsonb", Literal: "('[' || repeat('\"0123456789abcdé\",', 50000) || '1]')",
		Value: "[" + strings.Repeat(`"0123456789abcdé",`, 50000) + "1]",
		Want:  "[" + strings.Repeat(`"0123456789abcdé", `, 50000) + "1]"},

	{Type: "jsonpath", Literal: "'$.a[*] ? (@ > 1)'", Value: "$.a[*] ? (@ > 1)", Want: `$."a"[*]?(@ > 1)`,
		Compare: "%s::text = %s::text"},
	{Type: "jsonpath", Literal: `'strict $."é"'`, Value: `strict $."é"`, Compare: "%s::text = %s::text"},
	{Type: "jsonpath", Literal: "NULL", Value: nil, Want: (*string)(nil), Compare: "%s::text is null and %s::text is null"},
}

func TestRoundTripJSON(t *testing.T) {
	runRoundTrip(t, jsonRTCases)
}

func TestJSONBinaryEncodingMatchesSend(t *testing.T) {
	txCheckSend(t, []txSendCase{
		{"json", `'{"b": 1, "a": [1, 2]}'`, `{"b": 1, "a": [1, 2]}`},
		{"json", `'{"name":"Ann","tags":["x","é"]}'`, jsonPerson{Name: "Ann", Tags: []string{"x", "é"}}},
		{"jsonb", `'{"b": 1, "a": [1, 2]}'`, `{"a": [1, 2], "b": 1}`},
		{"jsonb", `'null'`, json.RawMessage("null")},
		{"jsonb", `'"é"'`, `"é"`},
		{"jsonpath", "'$.a[*] ? (@ > 1)'", `$."a"[*]?(@ > 1)`},
	})
}
