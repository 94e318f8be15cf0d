package protocol

import "encoding/binary"

// DataRow carries one row of a result. Values[i] is nil for SQL NULL.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
type DataRow struct {
	Values [][]byte
}

func (*DataRow) Backend() {}

func (m *DataRow) Encode(dst []byte) ([]byte, error) {
	if err := checkCount16("DataRow", "columns", len(m.Values)); err != nil {
		return dst, err
	}
	dst, at := beginMessage(dst, 'D')
	dst = appendUint16(dst, uint16(len(m.Values)))
	var err error
	for _, v := range m.Values {
		if dst, err = appendValue("DataRow", dst, v); err != nil {
			return abort(dst, at, true, err)
		}
	}
	return finishMessage("DataRow", dst, at, true)
}

// Decode reuses the Values slice when it is large enough, so a DataRow
// decoded in a loop does not allocate. The values alias body.
//
// Rows are the bulk of what a client reads, so a well-formed one is split
// by a loop of its own; anything it does not accept goes through the
// general decoder, which says what is wrong.
func (m *DataRow) Decode(body []byte) error {
	if len(body) >= 2 {
		n := int(binary.BigEndian.Uint16(body))
		if n*4 <= len(body)-2 {
			if cap(m.Values) >= n {
				m.Values = m.Values[:n]
			} else {
				m.Values = make([][]byte, n)
			}
			off := 2
			ok := true
			for i := range n {
				if len(body)-off < 4 {
					ok = false
					break
				}
				l := int32(binary.BigEndian.Uint32(body[off:]))
				off += 4
				if l == -1 {
					m.Values[i] = nil
					continue
				}
				if l < 0 || int(l) > len(body)-off {
					ok = false
					break
				}
				end := off + int(l)
				m.Values[i] = body[off:end:end]
				off = end
			}
			if ok && off == len(body) {
				return nil
			}
		}
	}
	return m.decode(body)
}

// decode is Decode through the general decoder.
func (m *DataRow) decode(body []byte) error {
	d := newDecoder("DataRow", 'D', body)
	n := d.count("column count", 4)
	if cap(m.Values) >= n {
		m.Values = m.Values[:n]
	} else {
		m.Values = make([][]byte, n)
	}
	for i := range n {
		m.Values[i] = d.value("column value")
	}
	if err := d.finish(); err != nil {
		m.Values = m.Values[:0]
		return err
	}
	return nil
}
