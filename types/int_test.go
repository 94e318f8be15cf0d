package types_test

import (
	"math"
	"testing"
)

func TestRoundTripIntBoolFloat(t *testing.T) {
	runRoundTrip(t, []rtCase{
		{Type: "bool", Literal: "true", Value: true},
		{Type: "bool", Literal: "false", Value: false},
		{Type: "bool", Literal: "NULL", Value: nil, Want: (*bool)(nil)},
		{Type: "int2", Literal: "-32768", Value: int16(math.MinInt16)},
		{Type: "int2", Literal: "32767", Value: int16(math.MaxInt16)},
		{Type: "int4", Literal: "-2147483648", Value: int32(math.MinInt32)},
		{Type: "int4", Literal: "2147483647", Value: int32(math.MaxInt32)},
		{Type: "int4", Literal: "0", Value: 0, Want: int64(0)},
		{Type: "int8", Literal: "-9223372036854775808", Value: int64(math.MinInt64)},
		{Type: "int8", Literal: "9223372036854775807", Value: int64(math.MaxInt64)},
		{Type: "int8", Literal: "9007199254740993", Value: "9007199254740993", Want: int64(9007199254740993)},
		{Type: "oid", Literal: "4294967295", Value: uint32(math.MaxUint32)},
		{Type: "xid8", Literal: "'18446744073709551615'", Value: uint64(math.MaxUint64)},
		{Type: "regclass", Literal: "'pg_class'", Value: "pg_class", Formats: nil, Want: nil, NoRead: true},
		{Type: "regclass", Literal: "'pg_class'", Value: uint32(1259), Want: uint32(1259), Formats: binaryOnly},
		{Type: "regtype", Literal: "'integer'", Value: "int4", Want: "integer", Formats: textOnly},
		{Type: "float4", Literal: "'NaN'", Value: float32(math.NaN())},
		{Type: "float4", Literal: "'-Infinity'", Value: float32(math.Inf(-1))},
		{Type: "float4", Literal: "3.4028235e38", Value: float32(math.MaxFloat32)},
		{Type: "float8", Literal: "'-0'", Value: math.Copysign(0, -1), Compare: "%s::text = %s::text"},
		{Type: "float8", Literal: "'Infinity'", Value: math.Inf(1)},
		{Type: "float8", Literal: "5e-324", Value: 5e-324},
		{Type: "float8", Literal: "1.7976931348623157e308", Value: math.MaxFloat64},
		{Type: "float8", Literal: "0.1", Value: 0.1},
	})
}

// Floats read from binary into a string print as the server prints them.
func TestFloatTextMatchesServer(t *testing.T) {
	runRoundTrip(t, []rtCase{
		{Type: "float8", Literal: "1000000", Value: 1e6, Want: "1000000"},
		{Type: "float8", Literal: "1e15", Value: 1e15, Want: "1e+15"},
		{Type: "float8", Literal: "1e23", Value: 1e23, Want: "9.999999999999999e+22"},
		{Type: "float8", Literal: "0.00001", Value: 1e-5, Want: "1e-05"},
		{Type: "float8", Literal: "'-0'", Value: math.Copysign(0, -1), Want: "-0", Compare: "%s::text = %s::text"},
		{Type: "float4", Literal: "1000000", Value: float32(1e6), Want: "1e+06"},
		{Type: "float4", Literal: "100000", Value: float32(1e5), Want: "100000"},
		{Type: "float4", Literal: "1234567", Value: float32(1234567), Want: "1.234567e+06"},
		{Type: "float4", Literal: "0.1", Value: float32(0.1), Want: "0.1"},
	})
}
