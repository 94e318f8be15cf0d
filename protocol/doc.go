// Package protocol encodes and decodes the messages of the PostgreSQL
// frontend/backend protocol, version 3.0, in both directions.
//
// The protocol is specified in the PostgreSQL documentation, chapter 55
// "Frontend/Backend Protocol":
//
//	https://www.postgresql.org/docs/current/protocol.html
//	https://www.postgresql.org/docs/current/protocol-message-formats.html
//
// Each message lives in its own file, named after the message as the
// specification names it (bind.go, ready_for_query.go, error_response.go).
//
// # Messages
//
// Every message implements [Message]: Encode appends the complete wire form
// (type byte, length, body) to a buffer, and Decode parses a body — the bytes
// after the type byte and the length word. Decode checks bounds before every
// read and reports a malformed body as a [*ProtocolError]; it never panics.
// Messages a client sends implement [FrontendMessage], messages a server sends
// implement [BackendMessage]; CopyData and CopyDone travel both ways and
// implement both. Sending a server message from a client endpoint is
// therefore a compile error.
//
// # Memory ownership
//
// Decoded messages refer to the buffer they were decoded from rather than
// copying it: a []byte field of a message returned by [Frontend.Receive] or
// [Backend.Receive] is only valid until the next call to Receive on the same
// endpoint. Copy what must outlive it.
//
// # Framing and limits
//
// [Reader] splits a byte stream into messages. It checks every announced
// length against a maximum (by default [DefaultMaxMessageSize], 1 GiB − 1)
// before allocating. [Writer] batches encoded messages and sends them in one
// Write; Encode refuses a message whose length would not fit in an int32.
//
// # Endpoints
//
// [Frontend] is the client side of a connection: it sends frontend messages
// and receives backend messages. [Backend] is the server side, used by test
// servers such as pgtest's scripted fake backend. Neither does any I/O policy
// (deadlines, cancellation); they read and write the io.Reader and io.Writer
// they are given.
//
// # Tracing
//
// A [Tracer] attached to an endpoint prints one line per message in a form
// close to libpq's PQtrace:
//
//	F	13	Query	 "select 1"
//	B	5	ReadyForQuery	 I
package protocol
