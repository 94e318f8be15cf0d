package protocol

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Frontend is the client side of a connection: it sends frontend messages
// and receives backend messages. It does no I/O policy of its own
// (deadlines, cancellation); it reads and writes the io.Reader and io.Writer
// it is given.
//
// Frontend keeps one value of each backend message type and decodes into
// it, so that receiving does not allocate per message once the slices it
// reuses have grown: a message returned by Receive is only valid until the
// next call to Receive.
//
// A Frontend is not safe for concurrent use, except that receiving and
// sending may happen on two goroutines.
type Frontend struct {
	r      *Reader
	w      *Writer
	tracer *Tracer

	// Authentication ('R'), told apart by the code that starts the body.
	authenticationOk                AuthenticationOk
	authenticationKerberosV5        AuthenticationKerberosV5
	authenticationCleartextPassword AuthenticationCleartextPassword
	authenticationMD5Password       AuthenticationMD5Password
	authenticationSCMCredential     AuthenticationSCMCredential
	authenticationGSS               AuthenticationGSS
	authenticationGSSContinue       AuthenticationGSSContinue
	authenticationSSPI              AuthenticationSSPI
	authenticationSASL              AuthenticationSASL
	authenticationSASLContinue      AuthenticationSASLContinue
	authenticationSASLFinal         AuthenticationSASLFinal

	backendKeyData           BackendKeyData
	bindComplete             BindComplete
	closeComplete            CloseComplete
	commandComplete          CommandComplete
	copyBothResponse         CopyBothResponse
	copyData                 CopyData
	copyDone                 CopyDone
	copyInResponse           CopyInResponse
	copyOutResponse          CopyOutResponse
	dataRow                  DataRow
	emptyQueryResponse       EmptyQueryResponse
	errorResponse            ErrorResponse
	functionCallResponse     FunctionCallResponse
	negotiateProtocolVersion NegotiateProtocolVersion
	noData                   NoData
	noticeResponse           NoticeResponse
	notificationResponse     NotificationResponse
	parameterDescription     ParameterDescription
	parameterStatus          ParameterStatus
	parseComplete            ParseComplete
	portalSuspended          PortalSuspended
	readyForQuery            ReadyForQuery
	rowDescription           RowDescription
}

// NewFrontend returns a Frontend that reads backend messages from r and
// writes frontend messages to w.
func NewFrontend(r io.Reader, w io.Writer) *Frontend {
	f := &Frontend{r: NewReader(r), w: NewWriter(w)}
	f.r.typeMax, f.r.typeMaxFloor = backendTypeMax, MaxShortMessageSize
	return f
}

// MaxShortMessageSize is the largest body Receive accepts for a backend
// message that carries no data: any but RowDescription, DataRow,
// CopyData, ErrorResponse, NoticeResponse, NotificationResponse,
// FunctionCallResponse and ParameterDescription, which are limited by
// SetMaxMessageSize alone. libpq believes a longer length only for the
// same types (but ParameterDescription, whose 65535 parameters take 262
// KB) and calls anything else a lost synchronization, so a ParameterStatus
// or CommandComplete announcing megabytes is refused from its header.
const MaxShortMessageSize = 30000

// backendTypeMax is the Reader's per-type limit for backend messages; see
// MaxShortMessageSize.
func backendTypeMax(typ byte) (int, string) {
	switch typ {
	case 'T', 'D', 'd', 'E', 'N', 'A', 'V', 't':
		return math.MaxInt, ""
	case 'R':
		return MaxShortMessageSize, "Authentication"
	case 'K':
		return MaxShortMessageSize, "BackendKeyData"
	case 'C':
		return MaxShortMessageSize, "CommandComplete"
	case 'G':
		return MaxShortMessageSize, "CopyInResponse"
	case 'H':
		return MaxShortMessageSize, "CopyOutResponse"
	case 'W':
		return MaxShortMessageSize, "CopyBothResponse"
	case 'v':
		return MaxShortMessageSize, "NegotiateProtocolVersion"
	case 'S':
		return MaxShortMessageSize, "ParameterStatus"
	case 'Z':
		return MaxShortMessageSize, "ReadyForQuery"
	}
	return MaxShortMessageSize, ""
}

// SetMaxMessageSize sets the largest message body Receive accepts; see
// Reader.SetMaxMessageSize. n <= 0 restores DefaultMaxMessageSize.
func (f *Frontend) SetMaxMessageSize(n int) { f.r.SetMaxMessageSize(n) }

// Trace makes the Frontend report every message it sends (as F) and
// receives (as B) to t. A nil t turns tracing off.
func (f *Frontend) Trace(t *Tracer) { f.tracer = t }

// Send encodes msg onto the pending batch; Flush writes the batch. A message
// that cannot be encoded is refused and leaves the batch as it was.
func (f *Frontend) Send(msg FrontendMessage) error {
	before := f.w.Buffered()
	if err := f.w.Append(msg); err != nil {
		return err
	}
	if f.tracer != nil {
		enc := f.w.Pending()[before:]
		switch msg.(type) {
		case *StartupMessage, *SSLRequest, *GSSENCRequest, *CancelRequest:
			// Startup-phase messages have no type byte.
		default:
			enc = enc[1:]
		}
		if len(enc) >= 4 {
			f.tracer.trace('F', msg, int(binary.BigEndian.Uint32(enc)))
		}
	}
	return nil
}

// Pending reports how many bytes Send has queued that Flush has not
// written yet.
func (f *Frontend) Pending() int { return f.w.Buffered() }

// Reset drops the queued messages without writing them.
func (f *Frontend) Reset() { f.w.Reset() }

// Flush writes the pending batch in one Write call. After an error the batch
// is dropped, since an unknown part of it may have been written.
func (f *Frontend) Flush() error { return f.w.Flush() }

// Receive reads and decodes one backend message. The returned message is
// only valid until the next call to Receive: it is a value the Frontend
// reuses, and its []byte fields refer to the Frontend's read buffer.
//
// A clean end of stream between messages is io.EOF; an end inside one is
// io.ErrUnexpectedEOF. A type byte (or authentication code) no server sends
// is a *ProtocolError wrapping ErrUnknownMessage; other malformed bytes are
// a *ProtocolError wrapping ErrMalformed or ErrTooLarge. Errors from the
// underlying reader are returned as they are.
func (f *Frontend) Receive() (BackendMessage, error) {
	typ, body, err := f.r.Next()
	if err != nil {
		return nil, err
	}
	var msg BackendMessage
	switch typ {
	case 'R':
		if msg, err = f.authentication(body); err != nil {
			return nil, err
		}
	case 'K':
		msg = &f.backendKeyData
	case '2':
		msg = &f.bindComplete
	case '3':
		msg = &f.closeComplete
	case 'C':
		msg = &f.commandComplete
	case 'W':
		msg = &f.copyBothResponse
	case 'd':
		msg = &f.copyData
	case 'c':
		msg = &f.copyDone
	case 'G':
		msg = &f.copyInResponse
	case 'H':
		msg = &f.copyOutResponse
	case 'D':
		msg = &f.dataRow
	case 'I':
		msg = &f.emptyQueryResponse
	case 'E':
		msg = &f.errorResponse
	case 'V':
		msg = &f.functionCallResponse
	case 'v':
		msg = &f.negotiateProtocolVersion
	case 'n':
		msg = &f.noData
	case 'N':
		msg = &f.noticeResponse
	case 'A':
		msg = &f.notificationResponse
	case 't':
		msg = &f.parameterDescription
	case 'S':
		msg = &f.parameterStatus
	case '1':
		msg = &f.parseComplete
	case 's':
		msg = &f.portalSuspended
	case 'Z':
		msg = &f.readyForQuery
	case 'T':
		msg = &f.rowDescription
	default:
		return nil, &ProtocolError{Type: typ, Err: ErrUnknownMessage}
	}
	if err := msg.Decode(body); err != nil {
		return nil, err
	}
	if f.tracer != nil {
		f.tracer.trace('B', msg, len(body)+4)
	}
	return msg, nil
}

// authentication picks the Authentication message that the code at the
// start of body names.
func (f *Frontend) authentication(body []byte) (BackendMessage, error) {
	if len(body) < 4 {
		return nil, malformed("Authentication", 'R', "body of %d bytes has no authentication code", len(body))
	}
	switch code := int32(binary.BigEndian.Uint32(body)); code {
	case authOk:
		return &f.authenticationOk, nil
	case authKerberosV5:
		return &f.authenticationKerberosV5, nil
	case authCleartextPassword:
		return &f.authenticationCleartextPassword, nil
	case authMD5Password:
		return &f.authenticationMD5Password, nil
	case authSCMCredential:
		return &f.authenticationSCMCredential, nil
	case authGSS:
		return &f.authenticationGSS, nil
	case authGSSContinue:
		return &f.authenticationGSSContinue, nil
	case authSSPI:
		return &f.authenticationSSPI, nil
	case authSASL:
		return &f.authenticationSASL, nil
	case authSASLContinue:
		return &f.authenticationSASLContinue, nil
	case authSASLFinal:
		return &f.authenticationSASLFinal, nil
	default:
		return nil, &ProtocolError{Message: "Authentication", Type: 'R', Err: ErrUnknownMessage,
			Detail: fmt.Sprintf("authentication code %d", code)}
	}
}

// ReadByte reads one byte outside any message framing: the server's answer
// ('S' or 'N') to an SSLRequest or a GSSENCRequest. It reads through the same
// buffer as Receive.
func (f *Frontend) ReadByte() (byte, error) { return f.r.ReadByte() }

// Buffered reports how many bytes have been read from the underlying reader
// but not yet consumed. After the server accepts an SSLRequest with 'S', a
// non-zero count means bytes arrived before the TLS handshake and could have
// been injected by a third party (CVE-2021-23222): the client must close the
// connection.
func (f *Frontend) Buffered() int { return f.r.Buffered() }
