package types_test

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/pgmoon-go/pgmoon/types"
)

// Scan converts a value into whatever destination fits it, and says why
// when none does.
func ExampleMap_Scan() {
	m := types.NewMap()
	int8Type, _ := m.TypeForOID(types.Int8OID)
	src := []byte{0, 0, 0, 0, 0xb2, 0xd0, 0x5e, 0x00} // int8 3000000000, binary

	var n int64
	var s string
	var ns sql.Null[int64]
	var a any
	_ = m.Scan(int8Type, types.BinaryFormat, src, &n)
	_ = m.Scan(int8Type, types.BinaryFormat, src, &s)
	_ = m.Scan(int8Type, types.BinaryFormat, src, &ns)
	_ = m.Scan(int8Type, types.BinaryFormat, src, &a)
	fmt.Println(n, s, ns.V, ns.Valid, a)

	var small int32
	fmt.Println(m.Scan(int8Type, types.BinaryFormat, src, &small))
	fmt.Println(m.Scan(int8Type, types.BinaryFormat, nil, &s))
	// Output:
	// 3000000000 3000000000 3000000000 true 3000000000
	// cannot scan int8 into *int32: value 3000000000 out of range for *int32
	// cannot scan NULL int8 into *string (use a pointer, sql.Null or *any)
}

// Semver is an application's type, stored in a text column or a domain.
type Semver struct{ Major, Minor, Patch int }

// semverCodec stores a Semver as its text form in a column of type semver
// (say, an extension's type or a domain over text), in both formats.
type semverCodec struct{}

func (semverCodec) PreferredFormat() types.Format { return types.TextFormat }

func (semverCodec) Encode(m *types.Map, t *types.Type, f types.Format, v any, buf []byte) ([]byte, error) {
	sv, ok := v.(Semver)
	if !ok {
		return buf, fmt.Errorf("%w: %T", types.ErrUnsupported, v)
	}
	return fmt.Appendf(buf, "%d.%d.%d", sv.Major, sv.Minor, sv.Patch), nil
}

func (semverCodec) Decode(m *types.Map, t *types.Type, f types.Format, src []byte, dst any) error {
	d, ok := dst.(*Semver)
	if !ok {
		return fmt.Errorf("%w: %T", types.ErrUnsupported, dst)
	}
	_, err := fmt.Sscanf(string(src), "%d.%d.%d", &d.Major, &d.Minor, &d.Patch)
	return err
}

func (c semverCodec) DecodeAny(m *types.Map, t *types.Type, f types.Format, src []byte) (any, error) {
	var sv Semver
	err := c.Decode(m, t, f, src, &sv)
	return sv, err
}

// A codec of your own, registered on a map that connections use through
// pgmoon.Config.Types. Arrays of the type work through ArrayType.
func ExampleMap_Register() {
	const semverOID = 70001 // in practice: select 'semver'::regtype::oid
	m := types.NewMap()
	semver := &types.Type{Name: "semver", OID: semverOID, Codec: semverCodec{}}
	m.Register(semver)
	m.Register(types.ArrayType(70002, semver))

	buf, format, _, _ := m.Encode(semver, Semver{1, 2, 3}, nil)
	var back Semver
	_ = m.Scan(semver, format, buf, &back)
	fmt.Println(string(buf), format, back)

	arr, _ := m.TypeForName("semver[]")
	buf, format, _, _ = m.Encode(arr, []Semver{{1, 0, 0}, {2, 1, 0}}, nil)
	var list []Semver
	_ = m.Scan(arr, format, buf, &list)
	fmt.Println(strings.TrimSpace(string(buf)), list)
	// Output:
	// 1.2.3 text {1 2 3}
	// {1.0.0,2.1.0} [{1 0 0} {2 1 0}]
}
