package pgmoon

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// Asynchronous messages: notices, notifications and parameter changes,
// which the server may send at any time.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC

// handleAsync handles a message the server may send at any time. It
// reports false for any other message, and for a ParameterStatus that
// setParam refuses (unexpected explains it).
func (c *Conn) handleAsync(msg protocol.BackendMessage) bool {
	switch m := msg.(type) {
	case *protocol.ParameterStatus:
		return c.setParam(m.Name, m.Value)
	case *protocol.NoticeResponse:
		c.notice(m)
	case *protocol.NotificationResponse:
		c.deliver(newNotification(m), false)
	default:
		return false
	}
	return true
}

// notice passes a NoticeResponse to Config.OnNotice and returns it.
func (c *Conn) notice(m *protocol.NoticeResponse) *Notice {
	n := (*Notice)(pgErrorFromFields(m.Fields))
	if c.cfg.OnNotice != nil {
		c.cfg.OnNotice(c, n)
	}
	return n
}

func newNotification(m *protocol.NotificationResponse) *Notification {
	return &Notification{PID: m.ProcessID, Channel: strings.Clone(m.Channel), Payload: strings.Clone(m.Payload)}
}

// deliver passes a notification received during a call other than
// WaitForNotification to Config.OnNotification, or, when there is none,
// queues it for WaitForNotification unless listed says the caller
// returns it (SimpleQuery's Results).
func (c *Conn) deliver(n *Notification, listed bool) {
	switch {
	case c.cfg.OnNotification != nil:
		c.cfg.OnNotification(c, n)
	case !listed:
		c.notifications = append(c.notifications, n)
	}
}

// WaitForNotification returns the next notification (from NOTIFY or
// pg_notify on a channel the session LISTENs to). Notifications that
// arrived during earlier calls and were not passed to Config.OnNotification
// come first, oldest first; otherwise it waits for the server to send one.
//
// It returns early with an error matching ctx's error when ctx ends; the
// connection then stays usable (nothing runs on the server, so no
// CancelRequest is sent). An ErrorResponse while waiting (the server
// shutting down, or pg_terminate_backend) is returned as the *PgError and
// the connection is closed; so is any failure of the connection. Notices
// and parameter changes that arrive while it waits are handled as during
// any call.
//
// The connection is busy while it waits: other calls get ErrConnBusy.
// The server delivers a notification only between transactions, so a
// listening session should not stay inside a transaction block.
// See https://www.postgresql.org/docs/current/sql-notify.html
func (c *Conn) WaitForNotification(ctx context.Context) (*Notification, error) {
	const op = "wait for notification"
	k, err := c.beginCall(ctx, op, true)
	if err != nil {
		return nil, err
	}
	if len(c.notifications) > 0 {
		n := c.notifications[0]
		c.notifications[0] = nil
		c.notifications = c.notifications[1:]
		if len(c.notifications) == 0 {
			c.notifications = nil
		}
		k.endUnused()
		return n, nil
	}
	for {
		msg, err := c.receive(op)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				// The interrupt's read deadline: the reader consumed
				// nothing, so the connection is as it was.
				k.endUnused()
				return nil, fmt.Errorf("pgmoon: %s: %w", op, ctx.Err())
			}
			return nil, k.end(err)
		}
		if m, ok := msg.(*protocol.NotificationResponse); ok {
			n := newNotification(m)
			k.endUnused()
			return n, nil
		}
		if err := c.idleMessage(op, msg); err != nil {
			return nil, k.end(err)
		}
	}
}

// idleMessage handles a message that arrived while no command ran:
// asynchronous ones as during any call. An ErrorResponse is the server
// ending the session, returned as the error that closes the connection (as
// a ProtocolError unless it is FATAL: outside a command the server sends
// nothing else, and anything else leaves it in an unknown state); so is any
// other message.
func (c *Conn) idleMessage(op string, msg protocol.BackendMessage) error {
	if m, ok := msg.(*protocol.ErrorResponse); ok {
		pgErr := pgErrorFromFields(m.Fields)
		if isFatal(pgErr) {
			return pgErr
		}
		return &ProtocolError{Op: op, Err: fmt.Errorf("ErrorResponse outside a command: %w", pgErr)}
	}
	if !c.handleAsync(msg) {
		return unexpected(op, msg)
	}
	return nil
}

// ParameterStatuses returns a copy of every server parameter the server has
// reported (see ParameterStatus).
func (c *Conn) ParameterStatuses() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.params)
}
