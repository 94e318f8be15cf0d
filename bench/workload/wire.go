package workload

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Wire is the floor of the round-trip workloads: no driver at all. It
// writes prebuilt protocol messages on the socket and reads the answer
// until ReadyForQuery, checking only message framing: no row is decoded,
// nothing is allocated. No Go driver can do the same work over the same
// socket in less time, so a driver's ratio to pgx cannot exceed Wire's
// ratio to pgx; where it comes close, the rest is the server's and the
// kernel's time, not the client's.
//
// The connection is made (and the statements prepared) with pgconn, then
// taken over with Hijack, so that authentication is the same as pgx's.
const Wire = "floor/wire"

// wireBufSize is the size of a wireConn's read buffer; tests shrink it.
var wireBufSize = 64 << 10

// wireConn is a hijacked connection and the buffer its answers are read
// into.
type wireConn struct {
	nc  net.Conn
	buf []byte
}

// openWire connects with pgconn, prepares each of stmts as "s0", "s1", …
// and takes the socket over.
func openWire(ctx context.Context, dsn string, stmts ...string) (*wireConn, error) {
	pc, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("wire: connect: %w", err)
	}
	for i, sql := range stmts {
		if _, err := pc.Prepare(ctx, fmt.Sprintf("s%d", i), sql, nil); err != nil {
			pc.Close(ctx)
			return nil, fmt.Errorf("wire: prepare: %w", err)
		}
	}
	h, err := pc.Hijack()
	if err != nil {
		pc.Close(ctx)
		return nil, fmt.Errorf("wire: hijack: %w", err)
	}
	return &wireConn{nc: h.Conn, buf: make([]byte, wireBufSize)}, nil
}

// close sends Terminate and closes the socket.
func (w *wireConn) close() {
	_, _ = w.nc.Write([]byte{'X', 0, 0, 0, 4})
	_ = w.nc.Close()
}

// roundTrip writes out and reads messages until ReadyForQuery, checking
// only their framing. It returns how many DataRow messages came.
//
// Message formats: https://www.postgresql.org/docs/current/protocol-message-formats.html
func (w *wireConn) roundTrip(ctx context.Context, out []byte) (rows int, err error) {
	if d, ok := ctx.Deadline(); ok {
		_ = w.nc.SetDeadline(d)
	} else {
		_ = w.nc.SetDeadline(time.Time{})
	}
	if _, err := w.nc.Write(out); err != nil {
		return 0, err
	}
	have, at := 0, 0 // bytes in buf; start of the next message
	for {
		// Walk the complete messages in buf.
		for have-at >= 5 {
			n := int(binary.BigEndian.Uint32(w.buf[at+1:]))
			if n < 4 {
				return rows, fmt.Errorf("wire: message %q has length %d", w.buf[at], n)
			}
			if have-at < 1+n {
				break
			}
			switch w.buf[at] {
			case 'D':
				rows++
			case 'E':
				return rows, errors.New("wire: the server sent an ErrorResponse")
			case 'Z':
				if at+1+n != have {
					return rows, errors.New("wire: bytes after ReadyForQuery")
				}
				return rows, nil
			}
			at += 1 + n
		}
		// Keep the partial message, at the start of buf.
		if at > 0 {
			have = copy(w.buf, w.buf[at:have])
			at = 0
		}
		if have == len(w.buf) {
			// One message larger than buf: only its header matters, so
			// skip its body.
			n := int(binary.BigEndian.Uint32(w.buf[1:]))
			switch w.buf[0] {
			case 'D':
				rows++
			case 'E':
				return rows, errors.New("wire: the server sent an ErrorResponse")
			}
			if err := w.skip(1 + n - have); err != nil {
				return rows, err
			}
			have = 0
			continue
		}
		m, err := w.nc.Read(w.buf[have:])
		if err != nil {
			return rows, err
		}
		have += m
	}
}

// skip reads and drops n bytes.
func (w *wireConn) skip(n int) error {
	for n > 0 {
		m, err := w.nc.Read(w.buf[:min(n, len(w.buf))])
		if err != nil {
			return err
		}
		n -= m
	}
	return nil
}

// wireMsg appends one frontend message: type, length, body.
func wireMsg(dst []byte, typ byte, body ...[]byte) []byte {
	n := 4
	for _, b := range body {
		n += len(b)
	}
	dst = append(dst, typ)
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	for _, b := range body {
		dst = append(dst, b...)
	}
	return dst
}

// wireBind appends Bind of the unnamed portal to statement stmt, with one
// binary int4 parameter unless param is nil, and every result column in
// binary, as the drivers ask for these columns (the server's text output
// of timestamptz and float8 costs more than the binary one). It returns
// the offset of the parameter's 4 bytes (-1 without one), for patching.
func wireBind(dst []byte, stmt string, param *int32) ([]byte, int) {
	body := []byte{0} // portal ""
	body = append(body, stmt...)
	body = append(body, 0)
	off := -1
	if param != nil {
		body = append(body, 0, 1, 0, 1) // one format code: binary
		body = append(body, 0, 1, 0, 0, 0, 4)
		off = len(body)
		body = binary.BigEndian.AppendUint32(body, uint32(*param))
	} else {
		body = append(body, 0, 0, 0, 0) // no format codes, no parameters
	}
	body = append(body, 0, 1, 0, 1) // results: one format code, binary, for all
	start := len(dst) + 5
	dst = wireMsg(dst, 'B', body)
	if off >= 0 {
		off += start
	}
	return dst, off
}

// wireExecute appends Execute of the unnamed portal, all rows.
func wireExecute(dst []byte) []byte { return wireMsg(dst, 'E', []byte{0, 0, 0, 0, 0}) }

// wireSync appends Sync.
func wireSync(dst []byte) []byte { return wireMsg(dst, 'S') }

// runner makes the op that writes out (after patching it with before, if
// set) and checks that the answer had want DataRows.
func (w *wireConn) runner(out []byte, want int, before func()) Runner {
	return Runner{
		Op: func(ctx context.Context) error {
			if before != nil {
				before()
			}
			n, err := w.roundTrip(ctx, out)
			if err != nil {
				return err
			}
			return checkRows(n, want)
		},
		Close: w.close,
	}
}

// openWireOneRow runs the one-row select by key: Bind (the key patched in
// place), Execute, Sync; one round trip.
func openWireOneRow(ctx context.Context, e Env) (Runner, error) {
	e = e.WithDefaults()
	w, err := openWire(ctx, e.DSN, OneRowSQL)
	if err != nil {
		return Runner{}, err
	}
	var zero int32
	out, off := wireBind(nil, "s0", &zero)
	out = wireSync(wireExecute(out))
	k := &keys{n: int32(e.Accounts)}
	return w.runner(out, 1, func() { binary.BigEndian.PutUint32(out[off:], uint32(k.next())) }), nil
}

// openWireRows1000 runs the 1000-row select.
func openWireRows1000(ctx context.Context, e Env) (Runner, error) {
	w, err := openWire(ctx, e.DSN, Rows1000SQL)
	if err != nil {
		return Runner{}, err
	}
	out, _ := wireBind(nil, "s0", nil)
	out = wireSync(wireExecute(out))
	return w.runner(out, 1000, nil), nil
}

// openWireBatch runs the batch: BatchSize Bind/Execute pairs, then one
// Sync, in one write.
func openWireBatch(ctx context.Context, e Env) (Runner, error) {
	e = e.WithDefaults()
	w, err := openWire(ctx, e.DSN, OneRowSQL)
	if err != nil {
		return Runner{}, err
	}
	var out []byte
	for i := range e.BatchSize {
		id := int32(i%e.Accounts + 1)
		out, _ = wireBind(out, "s0", &id)
		out = wireExecute(out)
	}
	out = wireSync(out)
	return w.runner(out, e.BatchSize, nil), nil
}
