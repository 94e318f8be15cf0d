package pgmoon

import (
	"context"
	"errors"
	"os"
	"time"
)

// Ping checks that the server answers: it sends an empty query and waits
// for the server to be ready again, one round trip that runs no statement
// and works in any transaction state. Its errors are those of a call: a
// closed or broken connection, or ctx's end (with the CancelRequest any
// call sends).
func (c *Conn) Ping(ctx context.Context) error {
	_, _, err := c.simpleCall(ctx, "ping", "")
	return err
}

// checkIdle checks, without sending anything, that an idle connection was
// not ended by the server: it reads for at most wait. Nothing arriving is
// the sign of a live connection. A server that shut down, restarted or
// terminated the backend has sent an ErrorResponse (FATAL) and closed its
// end, which the read finds at once. Asynchronous messages that arrived
// while the connection was idle (parameter changes, notices,
// notifications) are handled as during any call. Any other message, or a
// failed read, closes the connection, and the error says why.
//
// It relies on protocol.Reader consuming nothing until a whole message is
// in, so a read stopped by the deadline leaves the stream as it was.
func (c *Conn) checkIdle(wait time.Duration) error {
	const op = "check connection"
	k, err := c.beginCall(context.Background(), op, true)
	if err != nil {
		return err
	}
	_ = c.netConn.SetReadDeadline(time.Now().Add(wait))
	for {
		msg, err := c.receive(op)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if c.netConn.SetReadDeadline(time.Time{}) == nil {
					k.endUnused()
					return nil
				}
			}
			return k.end(err)
		}
		if err := c.idleMessage(op, msg); err != nil {
			return k.end(err)
		}
	}
}

// idleNeedsCheck reports whether an idle connection should go through
// checkIdle before it is handed out: it was idle for longer than
// idleCheckAfter, or something arrived while it was idle (bytes in the
// read buffer or on the socket, or the end of stream). A server that shut
// down, restarted or ended the backend has sent FATAL and closed its end,
// so the connection is found dead however briefly it was idle, at the
// cost of one non-blocking system call for a live one (on Unix; elsewhere
// only the time counts). It runs while the connection is idle, on the
// goroutine about to use it.
func (c *Conn) idleNeedsCheck(idle time.Duration) bool {
	if idle > idleCheckAfter || c.fe.Buffered() > 0 {
		return true
	}
	if !c.peekerMade {
		c.peeker, c.peekerMade = newSocketPeeker(c.netConn), true
	}
	return c.peeker != nil && c.peeker.readable()
}
