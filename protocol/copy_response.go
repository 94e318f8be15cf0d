package protocol

// CopyInResponse, CopyOutResponse and CopyBothResponse share one body: the
// overall format (Int8), then an Int16 count and a format code per column.

// encodeCopyResponse encodes the body shared by the COPY responses. Formats
// other than 0 (text) and 1 (binary) are refused, as are more than 32767
// columns.
func encodeCopyResponse(name string, typ byte, dst []byte, overall byte, columns []int16) ([]byte, error) {
	if overall != 0 && overall != 1 {
		return dst, invalid(name, "overall format %d; want 0 (text) or 1 (binary)", overall)
	}
	if err := checkFormatCodeList(name, "column format", columns, -1); err != nil {
		return dst, err
	}
	dst, at := beginMessage(dst, typ)
	dst = append(dst, overall)
	dst = appendFormatCodeList(dst, columns)
	return finishMessage(name, dst, at, true)
}

// decodeCopyResponse decodes the body shared by the COPY responses,
// reusing columns.
func decodeCopyResponse(name string, typ byte, body []byte, columns []int16) (overall byte, _ []int16, _ error) {
	d := newDecoder(name, typ, body)
	overall = d.byte1("overall format")
	if d.err == nil && overall != 0 && overall != 1 {
		d.fail("overall format %d; want 0 (text) or 1 (binary)", overall)
	}
	columns = d.formatCodeList(columns[:0], "column format")
	if err := d.finish(); err != nil {
		return overall, columns[:0], err
	}
	return overall, columns, nil
}
