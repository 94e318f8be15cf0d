package types_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

// netCmp compares the netip types, whose fields go-cmp cannot see.
var netCmp = []cmp.Option{
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

func TestRoundTripNet(t *testing.T) {
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	cases := []rtCase{
		{Type: "inet", Literal: "NULL", Value: nil, Want: (*netip.Prefix)(nil)},
		{Type: "inet", Literal: "'0.0.0.0/0'", Value: pfx("0.0.0.0/0")},
		{Type: "inet", Literal: "'255.255.255.255/32'", Value: pfx("255.255.255.255/32")},
		{Name: "inet addr 255.255.255.255", Type: "inet", Literal: "'255.255.255.255'", Value: addr("255.255.255.255")},
		{Name: "inet host bits kept", Type: "inet", Literal: "'192.168.1.5/24'", Value: pfx("192.168.1.5/24")},
		{Name: "inet host bits as string", Type: "inet", Literal: "'192.168.1.5/24'", Value: "192.168.1.5/24", Want: "192.168.1.5/24"},
		{Name: "inet as IPNet", Type: "inet", Literal: "'192.168.1.5/24'",
			Value: &net.IPNet{IP: net.IP{192, 168, 1, 5}, Mask: net.CIDRMask(24, 32)},
			Want:  net.IPNet{IP: net.IP{192, 168, 1, 5}, Mask: net.CIDRMask(24, 32)}},
		{Name: "inet as net.IP", Type: "inet", Literal: "'10.1.2.3'", Value: net.ParseIP("10.1.2.3"), Want: net.IP{10, 1, 2, 3}},
		{Type: "cidr", Literal: "'10.0.0.0/8'", Value: pfx("10.0.0.0/8")},
		{Name: "cidr abbreviated string", Type: "cidr", Literal: "'10.0.0.0/8'", Value: "10/8", Want: "10.0.0.0/8"},
		{Type: "cidr", Literal: "'::/0'", Value: pfx("::/0")},
		{Type: "cidr", Literal: "'255.255.255.255/32'", Value: addr("255.255.255.255"), Want: pfx("255.255.255.255/32")},
		{Type: "cidr", Literal: "'2001:db8::/32'", Value: pfx("2001:db8::/32")},
		{Type: "inet", Literal: "'2001:db8:85a3:8d3:1319:8a2e:370:7348'", Value: addr("2001:db8:85a3:8d3:1319:8a2e:370:7348")},
		{Type: "inet", Literal: "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'", Value: pfx("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")},
		{Type: "inet", Literal: "'2001:db8::1/64'", Value: pfx("2001:db8::1/64")},
		{Name: "inet IPv4-mapped stays IPv6", Type: "inet", Literal: "'::ffff:1.2.3.4'", Value: addr("::ffff:1.2.3.4")},
		{Name: "inet IPv4-mapped text", Type: "inet", Literal: "'::ffff:1.2.3.4/120'", Value: pfx("::ffff:1.2.3.4/120"), Want: "::ffff:1.2.3.4/120"},
		{Name: "inet IPv4-compatible text", Type: "inet", Literal: "'::1:2'", Value: "::0.1.0.2", Want: "::0.1.0.2"},
		{Name: "inet zero runs text", Type: "inet", Literal: "'1:0:0:1:0:0:1:1'", Value: addr("1::1:0:0:1:1"), Want: "1::1:0:0:1:1"},
		{Type: "inet", Literal: "'::'", Value: addr("::"), Want: "::"},
		{Type: "inet", Literal: "'::1'", Value: addr("::1")},
		{Type: "inet", Literal: "'1::'", Value: addr("1::"), Want: "1::"},

		{Type: "macaddr", Literal: "NULL", Value: nil, Want: (*net.HardwareAddr)(nil)},
		{Type: "macaddr", Literal: "'00:00:00:00:00:00'", Value: net.HardwareAddr{0, 0, 0, 0, 0, 0}},
		{Type: "macaddr", Literal: "'ff:ff:ff:ff:ff:ff'", Value: net.HardwareAddr{255, 255, 255, 255, 255, 255}},
		{Type: "macaddr", Literal: "'08:00:2b:01:02:03'", Value: [6]byte{8, 0, 0x2b, 1, 2, 3}},
		{Type: "macaddr", Literal: "'08:00:2b:01:02:03'", Value: "08-00-2B-01-02-03", Want: "08:00:2b:01:02:03"},
		{Name: "macaddr server-only input form", Type: "macaddr", Literal: "'08:00:2b:01:02:03'", Value: "0800.2b01.0203",
			Want: net.HardwareAddr{8, 0, 0x2b, 1, 2, 3}},
		{Type: "macaddr8", Literal: "'08:00:2b:01:02:03:04:05'", Value: net.HardwareAddr{8, 0, 0x2b, 1, 2, 3, 4, 5}},
		{Type: "macaddr8", Literal: "'ff:ff:ff:ff:ff:ff:ff:ff'", Value: [8]byte{255, 255, 255, 255, 255, 255, 255, 255}},
		{Name: "macaddr8 from EUI-48", Type: "macaddr8", Literal: "'08:00:2b:01:02:03'", Value: net.HardwareAddr{8, 0, 0x2b, 1, 2, 3},
			Want: net.HardwareAddr{8, 0, 0x2b, 0xff, 0xfe, 1, 2, 3}},
		{Type: "macaddr8", Literal: "'00:00:00:00:00:00:00:00'", Value: "00:00:00:00:00:00:00:00"},
	}
	for i := range cases {
		cases[i].Opts = netCmp
	}
	runRoundTrip(t, cases)
	netCheckSend(t, cases, nil)
}

// netCheckSend checks the binary encoding of every case's Value against
// the bytes the type's send function gives for its Literal, until the
// harness sends binary parameters itself. skip names cases whose value the
// server stores differently from what is sent (reordered box corners, NaN
// payloads).
func netCheckSend(t *testing.T, cases []rtCase, skip func(rtCase) bool) {
	t.Helper()
	conn := rtConn(t)
	m := types.NewMap()
	for _, c := range cases {
		if c.Value == nil || c.NoParam || skip != nil && skip(c) {
			continue
		}
		name := c.Name
		if name == "" {
			name = c.Type + " " + c.Literal
		}
		t.Run("send "+name, func(t *testing.T) {
			oid, sendFn := rtTypeInfo(t, conn, c.Type)
			typ := m.TypeOrUnknown(oid)
			buf, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.Value, nil)
			if err != nil {
				if strings.Contains(err.Error(), "unsupported") {
					return
				}
				t.Fatalf("encode %T: %v", c.Value, err)
			}
			q := fmt.Sprintf("select encode(%s((%s)::%s), 'hex')", sendFn, c.Literal, c.Type)
			res, err := conn.SimpleQuery(rtCtx(t), q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			want, err := hex.DecodeString(string(res[0].Rows[0][0]))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf, want) {
				t.Errorf("binary encoding of %T %v:\n got %x\nwant %x", c.Value, c.Value, buf, want)
			}
		})
	}
}
