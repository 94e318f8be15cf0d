package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// errInterrupted stands for a read error that consumes nothing, such as a
// deadline used to interrupt a wait: Next must return it and resume the
// same message on the next call.
var errInterrupted = errors.New("stall")

// stallReader hands out data in the sizes its pattern says (1 to 16
// bytes; a 0 in the pattern is one errInterrupted), then the rest at once.
type stallReader struct {
	data    []byte
	pattern []byte
	n       int // bytes handed out so far
}

func (c *stallReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	size := len(c.data)
	if len(c.pattern) > 0 {
		b := c.pattern[0]
		c.pattern = c.pattern[1:]
		if b == 0 {
			return 0, errInterrupted
		}
		size = 1 + int(b%16)
	}
	n := copy(p[:min(len(p), size)], c.data)
	c.data = c.data[n:]
	c.n += n
	return n, nil
}

// frameSpec reads one call's expected result off the whole stream, as
// the protocol chapter defines the framing
// (https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS):
// a type byte (not for startup-phase messages), an int32 length that
// counts itself, and the body. op is 0 for Next, 1 for NextUntyped, 2 for
// ReadByte. It returns the body (or the byte), the bytes consumed and the
// error Next should return: io.EOF, io.ErrUnexpectedEOF, ErrMalformed or
// ErrTooLarge.
func frameSpec(op int, s []byte, limit int) (typ byte, body []byte, used int, err error) {
	if len(s) == 0 {
		return 0, nil, 0, io.EOF
	}
	switch op {
	case 2:
		return 0, s[:1], 1, nil
	case 1:
		if len(s) < 4 {
			return 0, nil, 0, io.ErrUnexpectedEOF
		}
		n := int64(binary.BigEndian.Uint32(s))
		switch {
		case n < 8:
			return 0, nil, 0, ErrMalformed
		case n > maxStartupMessageSize:
			return 0, nil, 0, ErrTooLarge
		case int64(len(s)) < n:
			return 0, nil, 0, io.ErrUnexpectedEOF
		}
		return 0, s[4:n], int(n), nil
	}
	if len(s) < 5 {
		return 0, nil, 0, io.ErrUnexpectedEOF
	}
	typ = s[0]
	n := int64(binary.BigEndian.Uint32(s[1:]))
	switch {
	case n < 4 || n > 1<<31-1:
		return typ, nil, 0, ErrMalformed
	case n-4 > int64(limit):
		return typ, nil, 0, ErrTooLarge
	case int64(len(s)) < 1+n:
		return typ, nil, 0, io.ErrUnexpectedEOF
	}
	return typ, s[5 : 1+n], int(1 + n), nil
}

// FuzzReader checks the framing reader against frameSpec for any stream,
// any way it is sliced into reads (with interrupted reads in between), any
// size limit and any mix of Next, NextUntyped and ReadByte. Besides the
// same messages and errors, the reader's buffer must never outgrow both
// twice the bytes that arrived and the largest message the limit allows:
// a length word alone cannot make it allocate.
func FuzzReader(f *testing.F) {
	var stream []byte
	for _, tc := range backendSamples {
		enc, err := tc.msg.Encode(nil)
		if err != nil {
			f.Fatalf("%s: %v", tc.name, err)
		}
		stream = append(stream, enc...)
	}
	startup, _ := (&StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "u"}}}).Encode(nil)
	f.Add(stream, []byte{}, []byte{}, uint32(1<<16))
	f.Add(stream, []byte{1, 0, 2, 0, 3, 7, 15}, []byte{0}, uint32(8))
	f.Add(append(append(startup, 'S'), stream...), []byte{5, 5, 0, 5}, []byte{1, 2, 0}, uint32(100))
	f.Add([]byte{'D', 0, 0, 0, 3}, []byte{}, []byte{}, uint32(100))                                // length below 4
	f.Add([]byte{'D', 0xFF, 0xFF, 0xFF, 0xFF}, []byte{}, []byte{}, uint32(100))                    // length -1
	f.Add([]byte{'D', 0x3F, 0xFF, 0xFF, 0xFF, 0, 0}, []byte{2}, []byte{}, uint32(1<<30))           // 1 GiB announced, 2 bytes sent
	f.Add([]byte{'d', 0, 0, 0x80, 4, 'x'}, []byte{}, []byte{}, uint32(1<<16))                      // 32 KiB announced: grows once
	f.Add([]byte{0, 0, 0x27, 0x11, 0, 3, 0, 0}, []byte{}, []byte{1}, uint32(100))                  // startup message over 10000
	f.Add([]byte{'Z', 0, 0, 0, 5, 'I', 'Z', 0, 0, 0, 5}, []byte{0, 0, 1}, []byte{0, 0}, uint32(0)) // ends inside a message
	f.Fuzz(func(t *testing.T, data, pattern, ops []byte, max32 uint32) {
		limit := int(max32 % (1<<20 + 1)) // 0: the default, 1 GiB
		if limit == 0 {
			limit = DefaultMaxMessageSize
		}
		src := &stallReader{data: data, pattern: pattern}
		r := NewReader(src)
		r.SetMaxMessageSize(int(max32 % (1<<20 + 1)))
		if r.MaxMessageSize() != limit {
			t.Fatalf("MaxMessageSize = %d, want %d", r.MaxMessageSize(), limit)
		}
		rest := data
		for i := 0; ; i++ {
			op := 0
			if i < len(ops) {
				op = int(ops[i] % 3)
			}
			wantTyp, wantBody, used, wantErr := frameSpec(op, rest, limit)
			var typ byte
			var body []byte
			var err error
			for stalls := 0; ; stalls++ {
				switch op {
				case 0:
					typ, body, err = r.Next()
				case 1:
					body, err = r.NextUntyped()
				case 2:
					var c byte
					c, err = r.ReadByte()
					body = []byte{c}
				}
				if err != errInterrupted {
					break
				}
				if stalls > len(pattern) {
					t.Fatal("errInterrupted returned more often than the source did")
				}
			}
			// Growth follows the bytes that arrive, up to the largest
			// message the limit allows.
			if len(r.buf) > max(defaultReadBufferSize, 2*src.n) || len(r.buf) > max(defaultReadBufferSize, 5+limit) {
				t.Fatalf("buffer of %d bytes after %d bytes arrived (limit %d)", len(r.buf), src.n, limit)
			}
			if wantErr != nil {
				var pe *ProtocolError
				switch {
				case errors.As(err, &pe) && pe.Err == wantErr:
					_ = pe.Error()
				case err == wantErr:
				default:
					t.Fatalf("call %d (op %d): error %v, want %v", i, op, err, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("call %d (op %d): %v, want a message", i, op, err)
			}
			if op == 0 && typ != wantTyp {
				t.Fatalf("call %d: type %q, want %q", i, typ, wantTyp)
			}
			if !bytes.Equal(body, wantBody) {
				t.Fatalf("call %d (op %d): body %x, want %x", i, op, body, wantBody)
			}
			if op == 0 && len(body) > limit {
				t.Fatalf("call %d: body of %d bytes over the limit %d", i, len(body), limit)
			}
			rest = rest[used:]
			if r.Buffered() > len(rest) {
				t.Fatalf("Buffered = %d with only %d bytes left in the stream", r.Buffered(), len(rest))
			}
		}
	})
}
