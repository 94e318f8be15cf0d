package protocol

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"sync"
	"time"
)

// Tracer writes one line per message sent or received, in a form close to
// libpq's PQtrace output: direction (F for frontend to backend, B for backend
// to frontend), the message length as the length word gives it, the message
// name, then its fields.
//
//	F	13	Query	 "select 1"
//	B	5	ReadyForQuery	 I
//
// Passwords and SASL payloads are never printed: PasswordMessage,
// SASLInitialResponse, SASLResponse and GSSResponse show only their length,
// and the cancellation secret key of BackendKeyData and CancelRequest is
// replaced by "(redacted)".
// A Tracer is safe for use by several endpoints at once.
type Tracer struct {
	mu sync.Mutex
	w  io.Writer
	// Timestamps prefixes each line with the time of day, as libpq does
	// unless PQTRACE_SUPPRESS_TIMESTAMPS is set. Default false.
	Timestamps bool
	buf        []byte
}

// NewTracer returns a Tracer that writes to w.
func NewTracer(w io.Writer) *Tracer { return &Tracer{w: w} }

// secret messages whose payload is a credential or part of an exchange
// that derives one.
var secretMessages = map[string]bool{
	"PasswordMessage":     true,
	"SASLInitialResponse": true,
	"SASLResponse":        true,
	"GSSResponse":         true,
}

// trace records one message. dir is 'F' or 'B'; length is the value of the
// message's length word.
func (t *Tracer) trace(dir byte, msg Message, length int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf[:0]
	if t.Timestamps {
		b = time.Now().AppendFormat(b, "2006-01-02 15:04:05.000000")
		b = append(b, '\t')
	}
	v := reflect.ValueOf(msg)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	name := v.Type().Name()
	b = append(b, dir, '\t')
	b = strconv.AppendInt(b, int64(length), 10)
	b = append(b, '\t')
	b = append(b, name...)
	if secretMessages[name] {
		if name == "SASLInitialResponse" {
			if f := v.FieldByName("Mechanism"); f.IsValid() {
				b = append(b, ' ', ' ')
				b = strconv.AppendQuote(b, f.String())
			}
		}
		b = append(b, "\t (redacted)"...)
	} else if v.Kind() == reflect.Struct && v.NumField() > 0 {
		b = append(b, '\t')
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Name == "SecretKey" {
				// Whoever has the key can cancel the session's queries.
				b = append(b, " (redacted)"...)
				continue
			}
			b = appendTraceValue(b, v.Field(i))
		}
	}
	b = append(b, '\n')
	t.buf = b
	_, _ = t.w.Write(b)
}

func appendTraceValue(b []byte, v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.String:
		b = append(b, ' ')
		return strconv.AppendQuote(b, v.String())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.IsNil() {
				return append(b, " NULL"...)
			}
			b = append(b, ' ')
			return strconv.AppendQuote(b, string(v.Bytes()))
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(v.Len()), 10)
		for i := 0; i < v.Len(); i++ {
			b = appendTraceValue(b, v.Index(i))
		}
		return b
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			b = appendTraceValue(b, v.Index(i))
		}
		return b
	case reflect.Uint8:
		// Single-byte codes (transaction status, object type, format) are
		// printed as characters when printable.
		c := byte(v.Uint())
		if c >= 0x20 && c < 0x7f {
			return append(b, ' ', c)
		}
		return fmt.Appendf(b, " \\x%02x", c)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b = append(b, ' ')
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b = append(b, ' ')
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Bool:
		b = append(b, ' ')
		return strconv.AppendBool(b, v.Bool())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				b = appendTraceValue(b, v.Field(i))
			}
		}
		return b
	case reflect.Map:
		return fmt.Appendf(b, " %v", v.Interface())
	default:
		return fmt.Appendf(b, " %v", v.Interface())
	}
}
