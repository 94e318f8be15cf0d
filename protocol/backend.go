package protocol

import (
	"encoding/binary"
	"io"
)

// AuthKind tells a Backend how to decode the messages of type 'p', which
// PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share:
// only the authentication exchange in progress tells them apart.
type AuthKind int

const (
	AuthPassword     AuthKind = iota // PasswordMessage (the default)
	AuthSASLInitial                  // SASLInitialResponse
	AuthSASLResponse                 // SASLResponse
	AuthGSS                          // GSSResponse
)

// Backend is the server side of a connection: it receives frontend messages
// and sends backend messages. It exists for test servers, such as pgtest's
// scripted fake backend, and does no I/O policy of its own.
//
// Backend keeps one value of each message type and decodes into it, so
// receiving does not allocate per message: a message returned by Receive or
// ReceiveStartupMessage is only valid until the next call to either.
//
// A Backend is not safe for concurrent use, except that receiving and
// sending may happen on two goroutines.
type Backend struct {
	r      *Reader
	w      *Writer
	tracer *Tracer
	auth   AuthKind

	// Startup phase.
	startupMessage StartupMessage
	sslRequest     SSLRequest
	gssEncRequest  GSSENCRequest
	cancelRequest  CancelRequest

	// Typed messages.
	bind                Bind
	close               Close
	copyData            CopyData
	copyDone            CopyDone
	copyFail            CopyFail
	describe            Describe
	execute             Execute
	flush               Flush
	functionCall        FunctionCall
	gssResponse         GSSResponse
	parse               Parse
	passwordMessage     PasswordMessage
	query               Query
	saslInitialResponse SASLInitialResponse
	saslResponse        SASLResponse
	sync                Sync
	terminate           Terminate
}

// NewBackend returns a Backend that reads frontend messages from r and
// writes backend messages to w.
func NewBackend(r io.Reader, w io.Writer) *Backend {
	return &Backend{r: NewReader(r), w: NewWriter(w)}
}

// SetMaxMessageSize sets the largest typed message body Receive accepts; see
// Reader.SetMaxMessageSize. Startup messages are always limited to 10000
// bytes.
func (b *Backend) SetMaxMessageSize(n int) { b.r.SetMaxMessageSize(n) }

// Trace makes the Backend report every message it receives (as F) and sends
// (as B) to t. A nil t turns tracing off.
func (b *Backend) Trace(t *Tracer) { b.tracer = t }

// SetAuthType sets how Receive decodes the next messages of type 'p'. It
// stays in effect until changed; the default is AuthPassword.
func (b *Backend) SetAuthType(kind AuthKind) { b.auth = kind }

// ReceiveStartupMessage reads one startup-phase message, which has no type
// byte, and returns a *StartupMessage, *SSLRequest, *GSSENCRequest or
// *CancelRequest according to the code that starts it. The message is only
// valid until the next call to ReceiveStartupMessage or Receive.
//
// A clean end of stream before the message is io.EOF; an end inside it is
// io.ErrUnexpectedEOF. Malformed bytes are a *ProtocolError.
func (b *Backend) ReceiveStartupMessage() (FrontendMessage, error) {
	body, err := b.r.NextUntyped()
	if err != nil {
		return nil, err
	}
	// NextUntyped guarantees at least the 4 bytes of the code.
	var msg FrontendMessage
	switch binary.BigEndian.Uint32(body) {
	case sslRequestCode:
		msg = &b.sslRequest
	case gssEncRequestCode:
		msg = &b.gssEncRequest
	case cancelRequestCode:
		msg = &b.cancelRequest
	default:
		msg = &b.startupMessage
	}
	if err := msg.Decode(body); err != nil {
		return nil, err
	}
	b.tracer.trace('F', msg, len(body)+4)
	return msg, nil
}

// Receive reads one typed frontend message. The message is only valid until
// the next call to Receive or ReceiveStartupMessage; the []byte fields of
// messages such as Bind and CopyData refer to the Backend's read buffer.
// Messages of type 'p' are decoded as SetAuthType says.
//
// A clean end of stream between messages is io.EOF; an end inside one is
// io.ErrUnexpectedEOF. A type byte no client sends is a *ProtocolError
// wrapping ErrUnknownMessage; other malformed bytes are a *ProtocolError
// too. Errors from the underlying reader are returned as they are.
func (b *Backend) Receive() (FrontendMessage, error) {
	typ, body, err := b.r.Next()
	if err != nil {
		return nil, err
	}
	var msg FrontendMessage
	switch typ {
	case 'B':
		msg = &b.bind
	case 'C':
		msg = &b.close
	case 'd':
		msg = &b.copyData
	case 'c':
		msg = &b.copyDone
	case 'f':
		msg = &b.copyFail
	case 'D':
		msg = &b.describe
	case 'E':
		msg = &b.execute
	case 'H':
		msg = &b.flush
	case 'F':
		msg = &b.functionCall
	case 'P':
		msg = &b.parse
	case 'p':
		switch b.auth {
		case AuthSASLInitial:
			msg = &b.saslInitialResponse
		case AuthSASLResponse:
			msg = &b.saslResponse
		case AuthGSS:
			msg = &b.gssResponse
		default:
			msg = &b.passwordMessage
		}
	case 'Q':
		msg = &b.query
	case 'S':
		msg = &b.sync
	case 'X':
		msg = &b.terminate
	default:
		return nil, &ProtocolError{Type: typ, Err: ErrUnknownMessage}
	}
	if err := msg.Decode(body); err != nil {
		return nil, err
	}
	b.tracer.trace('F', msg, len(body)+4)
	return msg, nil
}

// Send encodes msg onto the pending batch; Flush writes the batch. A message
// that cannot be encoded is refused and leaves the batch as it was.
func (b *Backend) Send(msg BackendMessage) error {
	before := b.w.Buffered()
	if err := b.w.Append(msg); err != nil {
		return err
	}
	if b.tracer != nil {
		if enc := b.w.Pending()[before:]; len(enc) >= 5 {
			b.tracer.trace('B', msg, int(binary.BigEndian.Uint32(enc[1:5])))
		}
	}
	return nil
}

// SendRaw appends p to the pending batch verbatim, for test scripts that
// send bytes no well-formed message encodes to (or the one-byte answer to
// SSLRequest). It is not traced.
func (b *Backend) SendRaw(p []byte) error {
	return b.w.Append(rawBytes(p))
}

// Flush writes the pending batch in one Write call.
func (b *Backend) Flush() error { return b.w.Flush() }

// rawBytes is a Message whose encoding is the bytes themselves; it lets
// SendRaw go through Writer.Append.
type rawBytes []byte

func (p rawBytes) Encode(dst []byte) ([]byte, error) { return append(dst, p...), nil }

func (p rawBytes) Decode(body []byte) error { return nil }
