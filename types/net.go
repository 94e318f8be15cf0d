package types

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "inet", InetOID, InetArrayOID, InetCodec{})
		register(m, "cidr", CIDROID, CIDRArrayOID, InetCodec{CIDR: true})
		register(m, "macaddr", MacaddrOID, MacaddrArrayOID, MacaddrCodec{Size: 6})
		register(m, "macaddr8", Macaddr8OID, Macaddr8ArrayOID, MacaddrCodec{Size: 8})
	})
}

// Address families of the inet binary format: PGSQL_AF_INET is the
// platform's AF_INET (2 everywhere PostgreSQL runs) and PGSQL_AF_INET6 is
// AF_INET+1 (src/include/utils/inet.h).
const (
	netFamilyIPv4 = 2
	netFamilyIPv6 = 3
)

// InetCodec is the codec of inet and cidr (CIDR true).
//
// Binary format (network_send/network_recv in
// src/backend/utils/adt/network.c): one byte each for the address family,
// the prefix length, the is_cidr flag and the address length (4 or 16),
// then the address in network byte order. Text format (network_out):
// "192.168.1.5/24", "::1", "10.0.0.0/8"; the prefix length is left out for
// an inet whose length covers the whole address. See
// https://www.postgresql.org/docs/current/datatype-net-types.html.
//
// Go types: netip.Prefix (the natural value; an inet keeps its host bits,
// as in 192.168.1.5/24), netip.Addr (decoded only when the prefix covers
// the whole address), *net.IPNet (IP keeps the host bits), net.IP (as
// netip.Addr), and string. An IPv4-mapped IPv6 address (::ffff:1.2.3.4)
// stays IPv6 in netip types; a net.IP is IPv4 whenever To4 accepts it, as
// the net package treats it. A cidr with bits set to the right of its mask
// is refused when encoding, as the server would.
type InetCodec struct{ CIDR bool }

func (InetCodec) PreferredFormat() Format { return BinaryFormat }

func (c InetCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var p netip.Prefix
	switch x := v.(type) {
	case netip.Prefix:
		if !x.IsValid() {
			return buf, errors.New("invalid netip.Prefix")
		}
		p = x
	case netip.Addr:
		if !x.IsValid() {
			return buf, errors.New("invalid netip.Addr")
		}
		if x.Zone() != "" {
			return buf, fmt.Errorf("address %s has a zone, which %s cannot hold", x, t.Name)
		}
		p = netip.PrefixFrom(x, x.BitLen())
	case *net.IPNet:
		if x == nil {
			return buf, unsupportedValue(v, f)
		}
		var err error
		if p, err = netFromIPNet(x); err != nil {
			return buf, err
		}
	case net.IP:
		a, err := netFromIP(x)
		if err != nil {
			return buf, err
		}
		p = netip.PrefixFrom(a, a.BitLen())
	case string:
		if f == TextFormat {
			// The server parses its own input forms ("10/8", ...).
			return append(buf, x...), nil
		}
		var ok bool
		if p, ok = netParse(x); !ok {
			return buf, unsupportedValue(v, f)
		}
	default:
		return buf, unsupportedValue(v, f)
	}
	if c.CIDR && p.Masked() != p {
		return buf, fmt.Errorf("cidr value %s has bits set to right of mask", p)
	}
	if f == TextFormat {
		return netAppendPrefix(buf, p, c.CIDR), nil
	}
	a := p.Addr()
	cidr := byte(0)
	if c.CIDR {
		cidr = 1
	}
	if a.Is4() {
		b := a.As4()
		return append(buf, netFamilyIPv4, byte(p.Bits()), cidr, 4, b[0], b[1], b[2], b[3]), nil
	}
	b := a.As16()
	buf = append(buf, netFamilyIPv6, byte(p.Bits()), cidr, 16)
	return append(buf, b[:]...), nil
}

// netFromIPNet converts a *net.IPNet, keeping the host bits of its IP.
func netFromIPNet(n *net.IPNet) (netip.Prefix, error) {
	ones, bits := n.Mask.Size()
	var a netip.Addr
	switch {
	case bits == 32 && n.IP.To4() != nil:
		a = netip.AddrFrom4([4]byte(n.IP.To4()))
	case bits == 128 && len(n.IP) == 16:
		a = netip.AddrFrom16([16]byte(n.IP))
	default:
		return netip.Prefix{}, fmt.Errorf("net.IPNet %v has a non-canonical mask or an IP that does not match it", n)
	}
	return netip.PrefixFrom(a, ones), nil
}

// netFromIP converts a net.IP: IPv4 whenever To4 accepts it.
func netFromIP(ip net.IP) (netip.Addr, error) {
	if ip4 := ip.To4(); ip4 != nil {
		return netip.AddrFrom4([4]byte(ip4)), nil
	}
	if len(ip) == 16 {
		return netip.AddrFrom16([16]byte(ip)), nil
	}
	return netip.Addr{}, fmt.Errorf("invalid net.IP of %d bytes", len(ip))
}

// netParse parses the text form of an inet or cidr as the server prints
// it: an address with an optional /bits.
func netParse(s string) (netip.Prefix, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			p, err := netip.ParsePrefix(s)
			return p, err == nil
		}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

func (c InetCodec) decode(t *Type, f Format, src []byte) (netip.Prefix, error) {
	p, err := c.decodePrefix(t, f, src)
	if err == nil && c.CIDR && p.Masked() != p {
		return netip.Prefix{}, malformed(t, f, "bits set to right of mask")
	}
	return p, err
}

func (c InetCodec) decodePrefix(t *Type, f Format, src []byte) (netip.Prefix, error) {
	if f == TextFormat {
		p, ok := netParse(string(src))
		if !ok {
			return netip.Prefix{}, malformed(t, f, "%q", truncate(src))
		}
		return p, nil
	}
	if len(src) < 4 {
		return netip.Prefix{}, malformed(t, f, "%d bytes, want at least 4", len(src))
	}
	family, bits, n := src[0], int(src[1]), int(src[3])
	var a netip.Addr
	switch {
	case family == netFamilyIPv4 && n == 4 && len(src) == 8:
		a = netip.AddrFrom4([4]byte(src[4:8]))
	case family == netFamilyIPv6 && n == 16 && len(src) == 20:
		a = netip.AddrFrom16([16]byte(src[4:20]))
	default:
		return netip.Prefix{}, malformed(t, f, "family %d, address length %d, %d bytes", family, n, len(src))
	}
	if bits > a.BitLen() {
		return netip.Prefix{}, malformed(t, f, "prefix length %d", bits)
	}
	return netip.PrefixFrom(a, bits), nil
}

func (c InetCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	p, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *netip.Prefix:
		*d = p
	case *netip.Addr:
		if p.Bits() != p.Addr().BitLen() {
			return netNotAddr(p)
		}
		*d = p.Addr()
	case *net.IPNet:
		*d = net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
	case *net.IP:
		if p.Bits() != p.Addr().BitLen() {
			return netNotAddr(p)
		}
		*d = p.Addr().AsSlice()
	case *string:
		*d = string(netAppendPrefix(nil, p, c.CIDR))
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func netNotAddr(p netip.Prefix) error {
	return fmt.Errorf("%s is a network, not a single address (scan into netip.Prefix)", p)
}

func (c InetCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

// netAppendPrefix appends p as network_out prints it: IPv6 as the BIND
// inet_net_ntop PostgreSQL uses, and /bits unless an inet covers the whole
// address.
func netAppendPrefix(buf []byte, p netip.Prefix, cidr bool) []byte {
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		buf = netAppendIPv4(buf, b[:])
	} else {
		buf = netAppendIPv6(buf, a.As16())
	}
	if cidr || p.Bits() != a.BitLen() {
		buf = append(buf, '/')
		buf = strconv.AppendInt(buf, int64(p.Bits()), 10)
	}
	return buf
}

func netAppendIPv4(buf []byte, b []byte) []byte {
	for i, x := range b {
		if i > 0 {
			buf = append(buf, '.')
		}
		buf = strconv.AppendUint(buf, uint64(x), 10)
	}
	return buf
}

// netAppendIPv6 appends a in PostgreSQL's form: lower-case hex words, the
// first longest run of two or more zero words as "::", and the last 32 bits
// dotted when the address is IPv4-compatible (::a.b.c.d) or IPv4-mapped
// (::ffff:a.b.c.d).
func netAppendIPv6(buf []byte, a [16]byte) []byte {
	var w [8]uint16
	for i := range w {
		w[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	bestBase, bestLen, curBase := -1, 0, -1
	for i := 0; i <= 8; i++ {
		if i < 8 && w[i] == 0 {
			if curBase < 0 {
				curBase = i
			}
			continue
		}
		if curBase >= 0 && i-curBase > bestLen {
			bestBase, bestLen = curBase, i-curBase
		}
		curBase = -1
	}
	if bestLen < 2 {
		bestBase = -1
	}
	for i := 0; i < 8; i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				buf = append(buf, ':')
			}
			continue
		}
		if i > 0 {
			buf = append(buf, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || bestLen == 5 && w[5] == 0xffff) {
			return netAppendIPv4(buf, a[12:])
		}
		buf = strconv.AppendUint(buf, uint64(w[i]), 16)
	}
	if bestBase >= 0 && bestBase+bestLen == 8 {
		buf = append(buf, ':')
	}
	return buf
}

// MacaddrCodec is the codec of macaddr (Size 6) and macaddr8 (Size 8).
//
// Binary format (macaddr_send/macaddr_recv in src/backend/utils/adt/mac.c,
// macaddr8_send/macaddr8_recv in mac8.c): the 6 or 8 bytes. Text format
// (macaddr_out, macaddr8_out): "08:00:2b:01:02:03". See
// https://www.postgresql.org/docs/current/datatype-net-types.html#DATATYPE-MACADDR.
//
// Go types: net.HardwareAddr (the natural value), [6]byte or [8]byte,
// []byte, string. A 6-byte address sent as macaddr8 becomes the EUI-64
// xx:xx:xx:ff:fe:xx:xx:xx, as the server converts it; any other length
// that does not match is refused.
type MacaddrCodec struct{ Size int }

func (MacaddrCodec) PreferredFormat() Format { return BinaryFormat }

func (c MacaddrCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var b []byte
	var arr [8]byte
	switch x := v.(type) {
	case net.HardwareAddr:
		b = x
	case []byte:
		b = x
	case [6]byte:
		copy(arr[:], x[:])
		b = arr[:6]
	case [8]byte:
		arr = x
		b = arr[:]
	case string:
		if f == TextFormat {
			return append(buf, x...), nil
		}
		var ok bool
		if b, ok = macParse([]byte(x), arr[:]); !ok {
			return buf, unsupportedValue(v, f)
		}
	default:
		return buf, unsupportedValue(v, f)
	}
	if c.Size == 8 && len(b) == 6 {
		arr = [8]byte{b[0], b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]}
		b = arr[:]
	}
	if len(b) != c.Size {
		return buf, fmt.Errorf("%d-byte address for %s, want %d bytes", len(b), t.Name, c.Size)
	}
	if f == TextFormat {
		return macAppend(buf, b), nil
	}
	return append(buf, b...), nil
}

// macParse parses "08:00:2b:01:02:03" (also with '-' separators, or
// upper-case) into arr, returning the 6 or 8 bytes read.
func macParse(s []byte, arr []byte) ([]byte, bool) {
	n := 0
	for i := 0; ; {
		if n == len(arr) || i+2 > len(s) {
			return nil, false
		}
		hi, ok1 := macHex(s[i])
		lo, ok2 := macHex(s[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		arr[n] = hi<<4 | lo
		n++
		i += 2
		if i == len(s) {
			break
		}
		if s[i] != ':' && s[i] != '-' || s[i] != s[2] {
			return nil, false
		}
		i++
	}
	if n != 6 && n != 8 {
		return nil, false
	}
	return arr[:n], true
}

func macHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func macAppend(buf, b []byte) []byte {
	const digits = "0123456789abcdef"
	for i, x := range b {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = append(buf, digits[x>>4], digits[x&15])
	}
	return buf
}

// decode returns the address bytes in arr.
func (c MacaddrCodec) decode(t *Type, f Format, src []byte, arr *[8]byte) ([]byte, error) {
	if f == BinaryFormat {
		if len(src) != c.Size {
			return nil, malformed(t, f, "%d bytes, want %d", len(src), c.Size)
		}
		copy(arr[:], src)
		return arr[:c.Size], nil
	}
	b, ok := macParse(src, arr[:])
	if !ok || len(b) != c.Size {
		return nil, malformed(t, f, "%q", truncate(src))
	}
	return b, nil
}

func (c MacaddrCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	var arr [8]byte
	b, err := c.decode(t, f, src, &arr)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *net.HardwareAddr:
		setBytes((*[]byte)(d), b)
	case *[]byte:
		setBytes(d, b)
	case *[6]byte:
		if c.Size != 6 {
			return outOfRange(string(macAppend(nil, b)), dst)
		}
		copy(d[:], b)
	case *[8]byte:
		if c.Size != 8 {
			return outOfRange(string(macAppend(nil, b)), dst)
		}
		copy(d[:], b)
	case *string:
		*d = string(macAppend(nil, b))
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c MacaddrCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var arr [8]byte
	b, err := c.decode(t, f, src, &arr)
	if err != nil {
		return nil, err
	}
	return net.HardwareAddr(append([]byte(nil), b...)), nil
}
