package protocol

import (
	"encoding/binary"
	"fmt"
	"io"
)

// DefaultMaxMessageSize is the default limit on a message body, 1 GiB − 1,
// the largest value PostgreSQL itself will send in one field.
const DefaultMaxMessageSize = 1<<30 - 1

// maxStartupMessageSize bounds untyped startup-phase messages, as the server
// does (MAX_STARTUP_PACKET_LENGTH is 10000).
const maxStartupMessageSize = 10000

const (
	// 32 KiB, not 8: a result of many rows then arrives in a quarter of
	// the read calls (1000 rows of four columns: 461 µs → 417 µs per query,
	// go test -bench Workloads/rows1000/native in bench/); 64 KiB gained
	// nothing more.
	defaultReadBufferSize = 32 << 10
	// A buffer grown past this for a large message is released once
	// releaseAfterSmall messages in a row have fitted in the default size,
	// so that a connection reading large values one after another (a 1 MB
	// bytea per row or per query) grows its buffer once, not every time,
	// while one large message now and then does not pin the memory.
	keepReadBufferSize = 256 << 10
	releaseAfterSmall  = 64
)

// Reader splits a byte stream into protocol messages.
//
// The body returned by Next aliases the Reader's internal buffer: it is only
// valid until the next call to Next or NextUntyped.
type Reader struct {
	r     io.Reader
	buf   []byte
	start int // first unconsumed byte
	end   int // end of buffered bytes
	max   int
	// small counts the messages in a row that fitted in the default size
	// while the buffer is larger than keepReadBufferSize.
	small int
	// typeMax, when set, may lower the limit for one message type: it
	// returns the largest body accepted for typ and the name of the
	// message for the error. See Frontend.
	typeMax func(typ byte) (max int, name string)
	// typeMaxFloor is the smallest limit typeMax returns: bodies up to
	// it need no call.
	typeMaxFloor int
}

// NewReader returns a Reader that reads messages from r with the default
// maximum message size.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, defaultReadBufferSize), max: DefaultMaxMessageSize}
}

// SetMaxMessageSize sets the largest body, in bytes, that Next accepts. A
// message announcing a longer body is refused with ErrTooLarge before any
// memory is allocated for it. n <= 0 restores the default.
func (r *Reader) SetMaxMessageSize(n int) {
	if n <= 0 {
		n = DefaultMaxMessageSize
	}
	r.max = n
}

// MaxMessageSize reports the current limit.
func (r *Reader) MaxMessageSize() int { return r.max }

// Buffered reports how many bytes have been read from the underlying reader
// but not yet returned as part of a message. A client uses it to detect bytes
// that arrived before a TLS handshake and so were not protected by it.
func (r *Reader) Buffered() int { return r.end - r.start }

// Next reads one typed message and returns its type byte and body. The body
// is only valid until the next call to Next.
//
// A stream that ends cleanly between messages returns io.EOF; one that ends
// inside a message returns io.ErrUnexpectedEOF. Any other read error (such
// as a deadline) consumes nothing: a later Next resumes the same message. A length word below 4 is an
// ErrMalformed ProtocolError and one above the limit an ErrTooLarge one.
func (r *Reader) Next() (typ byte, body []byte, err error) {
	if err := r.fill(5, true); err != nil {
		return 0, nil, err
	}
	typ = r.buf[r.start]
	n := int64(binary.BigEndian.Uint32(r.buf[r.start+1:]))
	if n > 1<<31-1 || n < 4 {
		return typ, nil, &ProtocolError{Type: typ, Err: ErrMalformed, Detail: fmt.Sprintf("message length %d", int32(n))}
	}
	size := int(n) - 4
	limit, name := r.max, ""
	if r.typeMax != nil && size > r.typeMaxFloor {
		if m, nm := r.typeMax(typ); m < limit {
			limit, name = m, nm
		}
	}
	if size > limit {
		return typ, nil, &ProtocolError{Message: name, Type: typ, Err: ErrTooLarge,
			Detail: fmt.Sprintf("message body of %d bytes exceeds the limit of %d", size, limit)}
	}
	if len(r.buf) > keepReadBufferSize {
		if 5+size > defaultReadBufferSize {
			r.small = 0
		} else {
			r.small++
		}
	}
	// Nothing is consumed until the whole message is here, so that a read
	// that fails part-way (a deadline used to interrupt a wait) can be
	// resumed by calling Next again.
	if err := r.fill(5+size, false); err != nil {
		return typ, nil, err
	}
	body = r.buf[r.start+5 : r.start+5+size : r.start+5+size]
	r.start += 5 + size
	return typ, body, nil
}

// NextUntyped reads one startup-phase message (StartupMessage, SSLRequest,
// GSSENCRequest, CancelRequest), which has a length word but no type byte,
// and returns its body (starting with the protocol version or request code).
// Such messages are limited to 10000 bytes, as the server limits them. Like
// Next, it consumes nothing when a read fails other than at the end of the
// stream.
func (r *Reader) NextUntyped() (body []byte, err error) {
	if err := r.fill(4, true); err != nil {
		return nil, err
	}
	n := int64(binary.BigEndian.Uint32(r.buf[r.start:]))
	if n < 8 {
		return nil, &ProtocolError{Err: ErrMalformed, Detail: fmt.Sprintf("startup message length %d", int32(n))}
	}
	if n > maxStartupMessageSize {
		return nil, &ProtocolError{Err: ErrTooLarge, Detail: fmt.Sprintf("startup message length %d exceeds %d", n, maxStartupMessageSize)}
	}
	// As in Next, nothing is consumed until the whole message is here, so
	// that an interrupted read can be resumed.
	end := int(n)
	if err := r.fill(end, false); err != nil {
		return nil, err
	}
	body = r.buf[r.start+4 : r.start+end : r.start+end]
	r.start += end
	return body, nil
}

// ReadByte reads one byte outside any message framing, such as the server's
// one-byte answer ('S' or 'N') to an SSLRequest or a GSSENCRequest. A clean
// end of stream is io.EOF.
func (r *Reader) ReadByte() (byte, error) {
	if err := r.fill(1, true); err != nil {
		return 0, err
	}
	c := r.buf[r.start]
	r.start++
	return c, nil
}

// fill makes sure at least n bytes are buffered from r.start on. atBoundary
// says the read starts a new message, where a clean EOF is io.EOF.
func (r *Reader) fill(n int, atBoundary bool) error {
	if r.end-r.start >= n {
		return nil
	}
	if r.small >= releaseAfterSmall && len(r.buf) > keepReadBufferSize && n <= defaultReadBufferSize && r.end-r.start <= defaultReadBufferSize {
		// No large message for a while, and the previous bodies are no
		// longer in use: fall back to a small buffer.
		r.moveTo(defaultReadBufferSize)
	}
	if n > len(r.buf)-r.start {
		// Move the unconsumed bytes to the front, growing the buffer if
		// the message does not fit. Growth follows the bytes that actually
		// arrive (doubling, at most to n), so a peer that announces a
		// large message and sends nothing cannot make us allocate it, not
		// even over many interrupted reads: growing here is bounded by
		// what is buffered, and the loop below doubles only a full buffer.
		size := len(r.buf)
		if n > size {
			size = min(n, max(size, 2*(r.end-r.start)))
		}
		r.moveTo(size)
	}
	for r.end-r.start < n {
		if r.end == len(r.buf) {
			// Full but short of n: the bytes so far justify doubling.
			r.moveTo(min(n, 2*len(r.buf)))
		}
		m, err := r.r.Read(r.buf[r.end:])
		r.end += m
		if r.end-r.start >= n {
			return nil
		}
		if err != nil {
			if err == io.EOF {
				if atBoundary && r.end == r.start {
					return io.EOF
				}
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// moveTo moves the unconsumed bytes to the start of a buffer of the given
// size, reusing the current one when it is that size already.
func (r *Reader) moveTo(size int) {
	if size == len(r.buf) {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
		return
	}
	nb := make([]byte, size)
	r.end = copy(nb, r.buf[r.start:r.end])
	r.start = 0
	r.buf = nb
	r.small = 0
}
