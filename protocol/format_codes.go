package protocol

// Format codes of parameters, results and function arguments. The
// specification allows only these two values.
const (
	textFormatCode   int16 = 0
	binaryFormatCode int16 = 1
)

// checkFormatCodeList checks a list of format codes before encoding: it
// must fit the int16 count word and hold only 0 and 1. When values >= 0 the
// list applies to that many values, so it must be empty (all text), hold one
// code (for all values) or one code per value.
func checkFormatCodeList(name, what string, codes []int16, values int) error {
	if err := checkCount16(name, what, len(codes)); err != nil {
		return err
	}
	for i, c := range codes {
		if c != textFormatCode && c != binaryFormatCode {
			return invalid(name, "%s %d is %d; want 0 (text) or 1 (binary)", what, i, c)
		}
	}
	if values >= 0 && len(codes) > 1 && len(codes) != values {
		return invalid(name, "%d %s for %d values; want 0, 1 or %d", len(codes), what, values, values)
	}
	return nil
}

// appendFormatCodeList appends an int16 count and the codes; the caller
// has checked them with checkFormatCodeList.
func appendFormatCodeList(dst []byte, codes []int16) []byte {
	dst = appendUint16(dst, uint16(len(codes)))
	for _, c := range codes {
		dst = appendInt16(dst, c)
	}
	return dst
}

// formatCodeList reads an int16 count and that many format codes, appending
// them to dst (so a caller can reuse a slice), and fails on a code other
// than 0 or 1.
func (d *decoder) formatCodeList(dst []int16, what string) []int16 {
	n := d.count(what+" count", 2)
	for range n {
		dst = append(dst, d.formatCode(what))
	}
	return dst
}

// formatCode reads one int16 format code and fails unless it is 0 or 1.
func (d *decoder) formatCode(what string) int16 {
	c := d.int16(what)
	if d.err == nil && c != textFormatCode && c != binaryFormatCode {
		d.fail("%s %d at offset %d; want 0 (text) or 1 (binary)", what, c, d.off-2)
	}
	return c
}

// checkValueFormats fails when the number of format codes read does not
// match the number of values: it must be 0, 1 or one per value.
func (d *decoder) checkValueFormats(what string, codes, values int) {
	if d.err == nil && codes > 1 && codes != values {
		d.fail("%d %s for %d values; want 0, 1 or %d", codes, what, values, values)
	}
}

// valueList reads an int16 count and that many int32-length-prefixed values
// (nil for NULL), reusing dst when it is large enough.
func (d *decoder) valueList(dst [][]byte, what string) [][]byte {
	n := d.count(what+" count", 4)
	if cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = make([][]byte, n)
	}
	for i := range n {
		dst[i] = d.value(what)
	}
	return dst
}
