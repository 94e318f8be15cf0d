package types_test

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

// netCodecCase is one value of one type with its exact encodings.
type netCodecCase struct {
	typ   string // type name in the Default map
	value any    // the Go value encoded
	want  any    // the natural value decoded; default value
	bin   []byte // binary encoding
	text  string // text encoding
}

// netType returns the type named name in m.
func netType(tb testing.TB, m *types.Map, name string) *types.Type {
	tb.Helper()
	typ, ok := m.TypeForName(name)
	if !ok {
		tb.Fatalf("type %s not registered", name)
	}
	return typ
}

var netCmpOpts = append([]cmp.Option{cmpOpts[0]}, netCmp...)

// netRunCodecCases checks each case's encodings both ways, and that every
// strict prefix of its binary encoding, and the encoding with a byte
// added, are refused as malformed.
func netRunCodecCases(t *testing.T, cases []netCodecCase) {
	t.Helper()
	m := types.NewMap()
	for _, c := range cases {
		t.Run(c.typ+" "+c.text, func(t *testing.T) {
			typ := netType(t, m, c.typ)
			want := c.want
			if want == nil {
				want = c.value
			}
			buf, null, err := m.EncodeFormat(typ, types.BinaryFormat, c.value, nil)
			if err != nil || null || !bytes.Equal(buf, c.bin) {
				t.Errorf("binary encode %#v = %x, %v, %v; want %x", c.value, buf, null, err, c.bin)
			}
			buf, null, err = m.EncodeFormat(typ, types.TextFormat, c.value, nil)
			if err != nil || null || string(buf) != c.text {
				t.Errorf("text encode %#v = %q, %v, %v; want %q", c.value, buf, null, err, c.text)
			}
			for _, f := range []types.Format{types.BinaryFormat, types.TextFormat} {
				src := c.bin
				if f == types.TextFormat {
					src = []byte(c.text)
				}
				got, err := m.DecodeAny(typ, f, src)
				if err != nil {
					t.Errorf("%s decode %x: %v", f, src, err)
				} else if diff := cmp.Diff(want, got, netCmpOpts...); diff != "" {
					t.Errorf("%s decode %x: (-want +got)\n%s", f, src, diff)
				}
				var s string
				if err := m.Scan(typ, f, src, &s); err != nil || s != c.text {
					t.Errorf("%s decode %x into string = %q, %v; want %q", f, src, s, err, c.text)
				}
			}
			netCheckTruncations(t, m, typ, c.bin)
		})
	}
}

// netCheckTruncations requires every strict prefix of bin, and bin with a
// byte added, to be refused as malformed, for *any and for the natural
// value's own type.
func netCheckTruncations(t *testing.T, m *types.Map, typ *types.Type, bin []byte) {
	t.Helper()
	v, err := m.DecodeAny(typ, types.BinaryFormat, bin)
	if err != nil {
		t.Fatalf("decode %x: %v", bin, err)
	}
	bad := [][]byte{append(append([]byte{}, bin...), 0)}
	for i := range len(bin) {
		bad = append(bad, bin[:i])
	}
	for _, b := range bad {
		var a any
		err := m.Scan(typ, types.BinaryFormat, b, &a)
		var me *types.MalformedError
		if !errors.As(err, &me) {
			t.Errorf("decode of %x (%d of %d bytes) into *any: %v, want a MalformedError", b, len(b), len(bin), err)
		}
		dst := netNew(v)
		if err := m.Scan(typ, types.BinaryFormat, b, dst); !errors.As(err, &me) {
			t.Errorf("decode of %x (%d of %d bytes) into %T: %v, want a MalformedError", b, len(b), len(bin), dst, err)
		}
	}
}

// netCheckMalformedText requires each text to be refused as malformed.
func netCheckMalformedText(t *testing.T, typName string, texts []string) {
	t.Helper()
	m := types.NewMap()
	typ := netType(t, m, typName)
	for _, s := range texts {
		var a any
		err := m.Scan(typ, types.TextFormat, []byte(s), &a)
		var me *types.MalformedError
		if !errors.As(err, &me) {
			t.Errorf("%s text %q: got %#v, %v; want a MalformedError", typName, s, a, err)
		}
	}
}

func TestInetCodec(t *testing.T) {
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	v6 := []byte{0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0x08, 0xd3, 0x13, 0x19, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x48}
	netRunCodecCases(t, []netCodecCase{
		{typ: "inet", value: pfx("192.168.1.5/24"), text: "192.168.1.5/24",
			bin: []byte{
				2,              // family PGSQL_AF_INET
				24,             // bits
				0,              // is_cidr
				4,              // address length
				192, 168, 1, 5, // address, host bits kept
			}},
		{typ: "inet", value: pfx("0.0.0.0/0"), text: "0.0.0.0/0", bin: []byte{2, 0, 0, 4, 0, 0, 0, 0}},
		{typ: "inet", value: addr("255.255.255.255"), want: pfx("255.255.255.255/32"), text: "255.255.255.255",
			bin: []byte{2, 32, 0, 4, 255, 255, 255, 255}},
		{typ: "cidr", value: pfx("10.0.0.0/8"), text: "10.0.0.0/8", bin: []byte{2, 8, 1, 4, 10, 0, 0, 0}},
		{typ: "cidr", value: pfx("::/0"), text: "::/0",
			bin: []byte{3, 0, 1, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{typ: "inet", value: addr("2001:db8:85a3:8d3:1319:8a2e:370:7348"), want: pfx("2001:db8:85a3:8d3:1319:8a2e:370:7348/128"),
			text: "2001:db8:85a3:8d3:1319:8a2e:370:7348",
			bin:  append([]byte{3, 128, 0, 16}, v6...)},
		{typ: "inet", value: addr("::ffff:1.2.3.4"), want: pfx("::ffff:1.2.3.4/128"), text: "::ffff:1.2.3.4",
			bin: []byte{
				3, 128, 0, 16, // IPv4-mapped stays IPv6
				0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}},
		{typ: "inet", value: pfx("::1:2/100"), text: "::0.1.0.2/100",
			bin: []byte{3, 100, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2}},
		{typ: "inet", value: addr("1::"), want: pfx("1::/128"), text: "1::",
			bin: []byte{3, 128, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{typ: "inet", value: addr("1:0:0:1:0:0:1:1"), want: pfx("1::1:0:0:1:1/128"), text: "1::1:0:0:1:1",
			bin: []byte{3, 128, 0, 16, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1}},
		{typ: "inet", value: &net.IPNet{IP: net.IP{10, 1, 2, 3}, Mask: net.CIDRMask(16, 32)}, want: pfx("10.1.2.3/16"),
			text: "10.1.2.3/16", bin: []byte{2, 16, 0, 4, 10, 1, 2, 3}},
		{typ: "inet", value: net.ParseIP("10.1.2.3"), want: pfx("10.1.2.3/32"), text: "10.1.2.3", bin: []byte{2, 32, 0, 4, 10, 1, 2, 3}},
		{typ: "inet", value: net.ParseIP("fe80::1"), want: pfx("fe80::1/128"), text: "fe80::1",
			bin: []byte{3, 128, 0, 16, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{typ: "inet", value: "10.1.2.3/8", want: pfx("10.1.2.3/8"), text: "10.1.2.3/8", bin: []byte{2, 8, 0, 4, 10, 1, 2, 3}},
	})
	netCheckMalformedText(t, "inet", []string{"", "1.2.3", "1.2.3.4/33", "::1/129", "fe80::1%eth0", "1.2.3.4/", "/8", "x", "1.2.3.4 "})
	netCheckMalformedText(t, "cidr", []string{"10.0.0.1/8", "::1/64"})
}

func TestInetCodecErrors(t *testing.T) {
	m := types.NewMap()
	inet, cidr := netType(t, m, "inet"), netType(t, m, "cidr")
	net24 := []byte{2, 24, 0, 4, 192, 168, 1, 5}
	var a netip.Addr
	if err := m.Scan(inet, types.BinaryFormat, net24, &a); err == nil {
		t.Errorf("192.168.1.5/24 into netip.Addr: got %v, want an error", a)
	}
	var ip net.IP
	if err := m.Scan(inet, types.BinaryFormat, net24, &ip); err == nil {
		t.Errorf("192.168.1.5/24 into net.IP: got %v, want an error", ip)
	}
	var n net.IPNet
	if err := m.Scan(inet, types.BinaryFormat, net24, &n); err != nil || n.String() != "192.168.1.5/24" {
		t.Errorf("into net.IPNet: %v, %v", n.String(), err)
	}
	var pn *net.IPNet
	if err := m.Scan(inet, types.BinaryFormat, net24, &pn); err != nil || pn == nil || pn.String() != "192.168.1.5/24" {
		t.Errorf("into *net.IPNet: %v, %v", pn, err)
	}
	for _, b := range [][]byte{
		{1, 24, 0, 4, 1, 2, 3, 4},  // AF_UNIX
		{2, 33, 0, 4, 1, 2, 3, 4},  // bits > 32
		{2, 24, 0, 16, 1, 2, 3, 4}, // length 16 for IPv4
		{3, 24, 0, 4, 1, 2, 3, 4},  // length 4 for IPv6
		{3, 129, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	} {
		var p netip.Prefix
		var me *types.MalformedError
		if err := m.Scan(inet, types.BinaryFormat, b, &p); !errors.As(err, &me) {
			t.Errorf("decode %x: %v, %v; want MalformedError", b, p, err)
		}
	}
	var p netip.Prefix
	if err := m.Scan(cidr, types.BinaryFormat, net24, &p); err == nil {
		t.Errorf("cidr with host bits decoded as %v", p)
	}
	for _, v := range []any{
		netip.Prefix{}, netip.Addr{}, netip.MustParseAddr("fe80::1%eth0"),
		net.IP{1, 2, 3}, &net.IPNet{IP: net.IP{1, 2, 3, 4}, Mask: net.IPMask{255, 0, 255, 0}},
		&net.IPNet{IP: net.IP{1, 2, 3, 4}, Mask: net.CIDRMask(64, 128)}, 42,
	} {
		if buf, _, _, err := m.Encode(inet, v, nil); err == nil {
			t.Errorf("encode %#v: %x, want an error", v, buf)
		}
	}
	if buf, _, err := m.EncodeFormat(cidr, types.BinaryFormat, netip.MustParsePrefix("10.0.0.1/8"), nil); err == nil || !strings.Contains(err.Error(), "right of mask") {
		t.Errorf("cidr with host bits: %x, %v", buf, err)
	}
	// A string the codec cannot parse goes to the server as text.
	buf, f, _, err := m.Encode(cidr, "10/8", nil)
	if err != nil || f != types.TextFormat || string(buf) != "10/8" {
		t.Errorf("encode \"10/8\": %q %v %v", buf, f, err)
	}
	var np *net.IPNet
	if buf, null, err := m.EncodeFormat(inet, types.BinaryFormat, np, nil); err != nil || !null {
		t.Errorf("nil *net.IPNet: %x, %v, %v; want NULL", buf, null, err)
	}
}

func TestMacaddrCodec(t *testing.T) {
	mac := net.HardwareAddr{8, 0, 0x2b, 1, 2, 3}
	mac8 := net.HardwareAddr{8, 0, 0x2b, 1, 2, 3, 4, 5}
	netRunCodecCases(t, []netCodecCase{
		{typ: "macaddr", value: mac, text: "08:00:2b:01:02:03", bin: []byte{8, 0, 0x2b, 1, 2, 3}},
		{typ: "macaddr", value: [6]byte{255, 255, 255, 255, 255, 255}, want: net.HardwareAddr{255, 255, 255, 255, 255, 255},
			text: "ff:ff:ff:ff:ff:ff", bin: []byte{255, 255, 255, 255, 255, 255}},
		{typ: "macaddr", value: []byte{0, 0, 0, 0, 0, 0}, want: net.HardwareAddr{0, 0, 0, 0, 0, 0},
			text: "00:00:00:00:00:00", bin: []byte{0, 0, 0, 0, 0, 0}},
		{typ: "macaddr8", value: mac8, text: "08:00:2b:01:02:03:04:05", bin: []byte{8, 0, 0x2b, 1, 2, 3, 4, 5}},
		{typ: "macaddr8", value: mac, want: net.HardwareAddr{8, 0, 0x2b, 0xff, 0xfe, 1, 2, 3},
			text: "08:00:2b:ff:fe:01:02:03", bin: []byte{8, 0, 0x2b, 0xff, 0xfe, 1, 2, 3}},
		{typ: "macaddr8", value: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, want: net.HardwareAddr{1, 2, 3, 4, 5, 6, 7, 8},
			text: "01:02:03:04:05:06:07:08", bin: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
	})
	netCheckMalformedText(t, "macaddr", []string{"", "08:00:2b:01:02", "08:00:2b:01:02:03:04:05", "08:00:2b:01:02:0g",
		"08:00-2b:01:02:03", "08:00:2b:01:02:03:", "0800.2b01.0203", "8:0:2b:1:2:3"})
	netCheckMalformedText(t, "macaddr8", []string{"08:00:2b:01:02:03", "08:00:2b:01:02:03:04:05:06"})

	m := types.NewMap()
	typ := netType(t, m, "macaddr")
	for _, v := range []any{net.HardwareAddr{1, 2, 3}, [8]byte{}, 42} {
		if buf, _, _, err := m.Encode(typ, v, nil); err == nil {
			t.Errorf("macaddr encode %#v: %x, want an error", v, buf)
		}
	}
	var a8 [8]byte
	if err := m.Scan(typ, types.BinaryFormat, []byte{1, 2, 3, 4, 5, 6}, &a8); err == nil {
		t.Errorf("macaddr into [8]byte: %v, want an error", a8)
	}
	var a6 [6]byte
	if err := m.Scan(typ, types.BinaryFormat, []byte{1, 2, 3, 4, 5, 6}, &a6); err != nil || a6 != [6]byte{1, 2, 3, 4, 5, 6} {
		t.Errorf("macaddr into [6]byte: %v, %v", a6, err)
	}
	// Decoding reuses the destination's memory.
	hw := make(net.HardwareAddr, 0, 8)
	first := &hw[:1][0]
	if err := m.Scan(typ, types.BinaryFormat, []byte{1, 2, 3, 4, 5, 6}, &hw); err != nil || &hw[0] != first || hw.String() != "01:02:03:04:05:06" {
		t.Errorf("macaddr into HardwareAddr: %v, %v", hw, err)
	}
}

// netNew returns a pointer to a new zero value of v's type.
func netNew(v any) any {
	switch v.(type) {
	case netip.Prefix:
		return new(netip.Prefix)
	case net.HardwareAddr:
		return new(net.HardwareAddr)
	case types.Point:
		return new(types.Point)
	case types.Line:
		return new(types.Line)
	case types.Lseg:
		return new(types.Lseg)
	case types.Box:
		return new(types.Box)
	case types.Path:
		return new(types.Path)
	case types.Polygon:
		return new(types.Polygon)
	case types.Circle:
		return new(types.Circle)
	case types.Bits:
		return new(types.Bits)
	case types.LSN:
		return new(types.LSN)
	case types.TID:
		return new(types.TID)
	}
	panic("netNew: unknown type")
}

var netFuzzTypes = []string{"inet", "cidr", "macaddr", "macaddr8"}

// netFuzzDecode decodes data as the kind'th of names in both formats and,
// when that succeeds, requires the value to survive an encode and decode
// in either format.
func netFuzzDecode(t *testing.T, names []string, kind uint8, binary bool, data []byte, dsts func() []any) {
	m := types.Default()
	typ := netType(t, m, names[int(kind)%len(names)])
	f := types.TextFormat
	if binary {
		f = types.BinaryFormat
	}
	for _, dst := range dsts() {
		_ = m.Scan(typ, f, data, dst)
	}
	var v any
	if err := m.Scan(typ, f, data, &v); err != nil {
		return
	}
	for _, f2 := range []types.Format{types.BinaryFormat, types.TextFormat} {
		// A non-nil buffer: an empty encoding is not NULL.
		buf, null, err := m.EncodeFormat(typ, f2, v, make([]byte, 0, 32))
		if err != nil || null {
			t.Fatalf("%s %s %q decoded as %#v; %s encode: %v, null %v", typ.Name, f, data, v, f2, err, null)
		}
		var v2 any
		if err := m.Scan(typ, f2, buf, &v2); err != nil {
			t.Fatalf("%s %s %q decoded as %#v; %s encoded as %q; decode: %v", typ.Name, f, data, v, f2, buf, err)
		}
		if diff := cmp.Diff(v, v2, netCmpOpts...); diff != "" {
			t.Fatalf("%s %s %q: %s round trip (-first +second):\n%s", typ.Name, f, data, f2, diff)
		}
	}
}

func FuzzNetDecode(f *testing.F) {
	for i, name := range netFuzzTypes {
		f.Add(uint8(i), true, []byte{})
		f.Add(uint8(i), false, []byte(name))
	}
	for _, s := range []string{"192.168.1.5/24", "0.0.0.0/0", "::ffff:1.2.3.4", "::0.1.0.2/100", "10.0.0.0/8", "08:00:2b:01:02:03", "08:00:2b:01:02:03:04:05"} {
		for i := range netFuzzTypes {
			f.Add(uint8(i), false, []byte(s))
		}
	}
	f.Add(uint8(0), true, []byte{2, 24, 0, 4, 192, 168, 1, 5})
	f.Add(uint8(1), true, []byte{2, 8, 1, 4, 10, 0, 0, 0})
	f.Add(uint8(0), true, []byte{3, 128, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4})
	f.Add(uint8(2), true, []byte{8, 0, 0x2b, 1, 2, 3})
	f.Add(uint8(3), true, []byte{8, 0, 0x2b, 1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, kind uint8, binary bool, data []byte) {
		netFuzzDecode(t, netFuzzTypes, kind, binary, data, func() []any {
			return []any{new(netip.Prefix), new(netip.Addr), new(net.IPNet), new(net.IP), new(string),
				new(net.HardwareAddr), new([6]byte), new([8]byte), new([]byte)}
		})
	})
}

// netBench is one binary decode benchmark: src into dst.
type netBench struct {
	name, typ string
	src       []byte
	dst       any
}

func netRunBench(b *testing.B, cases []netBench) {
	m := types.NewMap()
	for _, c := range cases {
		typ := netType(b, m, c.typ)
		f := types.BinaryFormat
		if strings.HasSuffix(c.name, "text") {
			f = types.TextFormat
		}
		if err := m.Scan(typ, f, c.src, c.dst); err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := m.Scan(typ, f, c.src, c.dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeNet(b *testing.B) {
	v6 := []byte{3, 128, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0x08, 0xd3, 0x13, 0x19, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x48}
	netRunBench(b, []netBench{
		{"inet4/Prefix", "inet", []byte{2, 24, 0, 4, 192, 168, 1, 5}, new(netip.Prefix)},
		{"inet6/Prefix", "inet", v6, new(netip.Prefix)},
		{"inet6/Addr", "inet", v6, new(netip.Addr)},
		{"cidr4/Prefix", "cidr", []byte{2, 8, 1, 4, 10, 0, 0, 0}, new(netip.Prefix)},
		{"inet4/IPNet", "inet", []byte{2, 24, 0, 4, 192, 168, 1, 5}, new(net.IPNet)},
		{"macaddr/HardwareAddr", "macaddr", []byte{8, 0, 0x2b, 1, 2, 3}, &net.HardwareAddr{0, 0, 0, 0, 0, 0}},
		{"macaddr8/array", "macaddr8", []byte{8, 0, 0x2b, 1, 2, 3, 4, 5}, new([8]byte)},
		{"inet6/Prefix/text", "inet", []byte("2001:db8:85a3:8d3:1319:8a2e:370:7348/64"), new(netip.Prefix)},
	})
}
