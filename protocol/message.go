package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ProtocolVersion30 is the protocol version number sent in a StartupMessage
// for protocol 3.0 (major version in the high 16 bits, minor in the low).
const ProtocolVersion30 uint32 = 3 << 16

// Request codes that take the place of a protocol version in untyped
// startup-phase messages.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html
const (
	cancelRequestCode uint32 = 80877102
	sslRequestCode    uint32 = 80877103
	gssEncRequestCode uint32 = 80877104
)

// Message is a protocol message that can be written to and read from the wire.
type Message interface {
	// Encode appends the complete wire form of the message (type byte when
	// the message has one, length word, body) to dst and returns the
	// extended buffer. On error dst is returned unchanged in length.
	Encode(dst []byte) ([]byte, error)

	// Decode parses a message body: the bytes that follow the type byte and
	// the length word. The message may keep references into body, so body
	// must not be modified while the message is in use.
	Decode(body []byte) error
}

// FrontendMessage is a message sent by a client to a server.
type FrontendMessage interface {
	Message
	Frontend() // marker
}

// BackendMessage is a message sent by a server to a client.
type BackendMessage interface {
	Message
	Backend() // marker
}

// Sentinel causes carried by ProtocolError. Test with errors.Is.
var (
	// ErrMalformed means a message body does not follow its format:
	// truncated, trailing bytes, an impossible length or value.
	ErrMalformed = errors.New("malformed message")
	// ErrTooLarge means a message is longer than the reader's limit, or too
	// long to be encoded at all.
	ErrTooLarge = errors.New("message too large")
	// ErrUnknownMessage means a type byte that the receiving side does not
	// expect.
	ErrUnknownMessage = errors.New("unknown message type")
	// ErrInvalidValue means a value given to Encode cannot be represented on
	// the wire (a NUL byte inside a string, too many parameters).
	ErrInvalidValue = errors.New("invalid value")
)

// ProtocolError reports bytes, or a value to encode, that do not follow the
// protocol. Err is one of the sentinel errors above.
type ProtocolError struct {
	Message string // message name, e.g. "DataRow"; empty for framing errors
	Type    byte   // message type byte; 0 for untyped startup messages
	Err     error  // ErrMalformed, ErrTooLarge, ErrUnknownMessage or ErrInvalidValue
	Detail  string // what exactly is wrong
}

func (e *ProtocolError) Error() string {
	s := "protocol: "
	if e.Message != "" {
		s += e.Message + ": "
	} else if e.Type != 0 {
		s += "message type " + strconv.QuoteRune(rune(e.Type)) + ": "
	}
	s += e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func malformed(name string, typ byte, format string, args ...any) error {
	return &ProtocolError{Message: name, Type: typ, Err: ErrMalformed, Detail: fmt.Sprintf(format, args...)}
}

func invalid(name string, format string, args ...any) error {
	return &ProtocolError{Message: name, Err: ErrInvalidValue, Detail: fmt.Sprintf(format, args...)}
}

// ---- encoding helpers ----

// beginMessage appends a type byte and a placeholder length word to dst and
// returns the buffer and the offset of the length word.
func beginMessage(dst []byte, typ byte) ([]byte, int) {
	dst = append(dst, typ)
	start := len(dst)
	return append(dst, 0, 0, 0, 0), start
}

// beginUntyped starts a startup-phase message, which has no type byte.
func beginUntyped(dst []byte) ([]byte, int) {
	start := len(dst)
	return append(dst, 0, 0, 0, 0), start
}

// finishMessage fills in the length word at lenAt. A message whose length
// (including the length word) exceeds math.MaxInt32 is refused and dst is cut
// back to where the message began.
func finishMessage(name string, dst []byte, lenAt int, typed bool) ([]byte, error) {
	n := len(dst) - lenAt
	if n > math.MaxInt32 {
		begin := lenAt
		if typed {
			begin--
		}
		return dst[:begin], &ProtocolError{Message: name, Err: ErrTooLarge,
			Detail: fmt.Sprintf("length %d does not fit in int32", n)}
	}
	binary.BigEndian.PutUint32(dst[lenAt:], uint32(n))
	return dst, nil
}

// abort cuts dst back to the start of a message being encoded and returns err.
func abort(dst []byte, lenAt int, typed bool, err error) ([]byte, error) {
	if typed {
		lenAt--
	}
	return dst[:lenAt], err
}

func appendUint16(dst []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(dst, v) }
func appendInt16(dst []byte, v int16) []byte   { return binary.BigEndian.AppendUint16(dst, uint16(v)) }
func appendUint32(dst []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(dst, v) }
func appendInt32(dst []byte, v int32) []byte   { return binary.BigEndian.AppendUint32(dst, uint32(v)) }

// appendCString appends s and a terminating NUL. A NUL inside s would end the
// string early on the wire, so it is refused.
func appendCString(name string, dst []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return dst, invalid(name, "string %q contains a NUL byte at offset %d", truncateForError(s), i)
		}
	}
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// appendCStringBytes is appendCString for a byte slice.
func appendCStringBytes(name string, dst []byte, s []byte) ([]byte, error) {
	for i, c := range s {
		if c == 0 {
			return dst, invalid(name, "string %q contains a NUL byte at offset %d", truncateForError(string(s)), i)
		}
	}
	dst = append(dst, s...)
	return append(dst, 0), nil
}

// appendValue appends a length-prefixed value; nil is NULL (length -1).
func appendValue(name string, dst []byte, v []byte) ([]byte, error) {
	if v == nil {
		return appendInt32(dst, -1), nil
	}
	if len(v) > math.MaxInt32 {
		return dst, &ProtocolError{Message: name, Err: ErrTooLarge, Detail: fmt.Sprintf("value of %d bytes", len(v))}
	}
	dst = appendInt32(dst, int32(len(v)))
	return append(dst, v...), nil
}

// checkCount16 checks that a count fits the 16-bit count word of the wire.
// The specification calls these words Int16, but the server reads every one
// of them as unsigned (and libpq allows 65535 parameters), so the limit is
// 65535 in both directions.
func checkCount16(name, what string, n int) error {
	if n > math.MaxUint16 {
		return invalid(name, "%d %s; at most %d fit in a message", n, what, math.MaxUint16)
	}
	return nil
}

func truncateForError(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// ---- decoding helpers ----

// decoder reads a message body with bounds checks. The first failure is
// sticky: later reads return zero values, and finish reports the failure.
type decoder struct {
	name string
	typ  byte
	buf  []byte
	off  int
	err  error
}

func newDecoder(name string, typ byte, body []byte) decoder {
	return decoder{name: name, typ: typ, buf: body}
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = malformed(d.name, d.typ, format, args...)
	}
}

func (d *decoder) need(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.buf)-d.off < n {
		d.fail("%s: need %d bytes at offset %d, have %d", what, n, d.off, len(d.buf)-d.off)
		return false
	}
	return true
}

func (d *decoder) byte1(what string) byte {
	if !d.need(1, what) {
		return 0
	}
	b := d.buf[d.off]
	d.off++
	return b
}

func (d *decoder) uint16(what string) uint16 {
	if !d.need(2, what) {
		return 0
	}
	v := binary.BigEndian.Uint16(d.buf[d.off:])
	d.off += 2
	return v
}

func (d *decoder) int16(what string) int16 { return int16(d.uint16(what)) }

func (d *decoder) uint32(what string) uint32 {
	if !d.need(4, what) {
		return 0
	}
	v := binary.BigEndian.Uint32(d.buf[d.off:])
	d.off += 4
	return v
}

func (d *decoder) int32(what string) int32 { return int32(d.uint32(what)) }

// count reads a 16-bit element count (unsigned, as the server treats it;
// see checkCount16) and checks that at least min bytes per element remain,
// so that a hostile count cannot make the caller allocate more than the
// body could hold.
func (d *decoder) count(what string, minPerElem int) int {
	n := int(d.uint16(what))
	if d.err != nil {
		return 0
	}
	if n*minPerElem > len(d.buf)-d.off {
		d.fail("%s: count %d needs at least %d bytes, have %d", what, n, n*minPerElem, len(d.buf)-d.off)
		return 0
	}
	return n
}

// bytes returns the next n bytes without copying.
func (d *decoder) bytes(n int, what string) []byte {
	if !d.need(n, what) {
		return nil
	}
	b := d.buf[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

// value reads an int32-length-prefixed value; length -1 is NULL (nil), any
// other negative length is malformed. A non-NULL empty value is a non-nil
// empty slice.
func (d *decoder) value(what string) []byte {
	n := d.int32(what)
	if d.err != nil {
		return nil
	}
	if n == -1 {
		return nil
	}
	if n < 0 {
		d.fail("%s: negative length %d", what, n)
		return nil
	}
	return d.bytes(int(n), what)
}

// cstringBytes returns the bytes up to the next NUL (excluded), without
// copying, and consumes the NUL.
func (d *decoder) cstringBytes(what string) []byte {
	if d.err != nil {
		return nil
	}
	rest := d.buf[d.off:]
	for i, c := range rest {
		if c == 0 {
			d.off += i + 1
			return rest[:i:i]
		}
	}
	d.fail("%s: string at offset %d has no NUL terminator", what, d.off)
	return nil
}

func (d *decoder) cstring(what string) string { return string(d.cstringBytes(what)) }

// rest returns all remaining bytes without copying.
func (d *decoder) rest() []byte {
	if d.err != nil {
		return nil
	}
	b := d.buf[d.off:len(d.buf):len(d.buf)]
	d.off = len(d.buf)
	return b
}

func (d *decoder) remaining() int { return len(d.buf) - d.off }

// finish reports the first failure, or trailing bytes after a complete body.
func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.buf) {
		d.fail("%d trailing bytes after offset %d", len(d.buf)-d.off, d.off)
	}
	return d.err
}
