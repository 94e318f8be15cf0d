package types

import (
	"runtime"
	"slices"
	"testing"
)

// allOIDs lists the Default map's types in a fixed order.
func allOIDs() []uint32 {
	d := Default()
	oids := make([]uint32, 0, len(d.byOID))
	for oid := range d.byOID {
		oids = append(oids, oid)
	}
	slices.Sort(oids)
	return oids
}

// FuzzDecodeAll decodes arbitrary bytes as every built-in type, in both
// formats, into *any and a few common destinations. It must never panic,
// and a decoder must not allocate much more than the input's size: lengths
// and counts read from the data are bounded before allocating.
func FuzzDecodeAll(f *testing.F) {
	f.Add(uint16(0), []byte{0, 0, 0, 1})
	f.Add(uint16(1), []byte("{1,2,3}"))
	// Hostile headers: an array claiming 6 dimensions of 2^31 elements.
	f.Add(uint16(3), []byte{0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 23,
		0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1})
	f.Add(uint16(5), []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	oids := allOIDs()
	m := NewMap()
	f.Fuzz(func(t *testing.T, pick uint16, data []byte) {
		typ := m.TypeOrUnknown(oids[int(pick)%len(oids)])
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for _, f := range []Format{TextFormat, BinaryFormat} {
			var a any
			_ = m.Scan(typ, f, data, &a)
			var s string
			_ = m.Scan(typ, f, data, &s)
			var b []byte
			_ = m.Scan(typ, f, data, &b)
			var n int64
			_ = m.Scan(typ, f, data, &n)
			var xs []any
			_ = m.Scan(typ, f, data, &xs)
			if a != nil {
				// What decodes must encode again.
				_, _, _, _ = m.Encode(typ, a, nil)
			}
		}
		runtime.ReadMemStats(&after)
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20+uint64(200*len(data)) {
			t.Errorf("%s: decoding %d bytes allocated %d bytes", typ.Name, len(data), grown)
		}
	})
}
