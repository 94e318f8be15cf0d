package soak

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/pgmoon-go/pgmoon"
)

// Kinds of error the soak accepts. Each is a typed error the driver
// documents (doc.go, "Errors" and "Context support"; README, "Failure
// behaviour").
const (
	kindDeadline      = "context.DeadlineExceeded"
	kindCanceled      = "context.Canceled" // only when the run is interrupted (SIGINT)
	kindConnect       = "*pgmoon.ConnectError"
	kindProtocol      = "*pgmoon.ProtocolError"
	kindConnClosed    = "pgmoon.ErrConnClosed"
	kindCommitRolled  = "pgmoon.ErrTxCommitRollback"
	kindResultUnknown = "pgmoon.ErrResultUnknown"
	// kindConnLost is a connection that broke under a call that had not
	// written yet (a call that had matches ErrResultUnknown first): the
	// driver returns the socket's error (io.ErrUnexpectedEOF for an end
	// of stream mid-message, a *net.OpError for a reset), wrapped with
	// the call's name, as README's "Failure behaviour" says. The summary
	// counts it apart.
	kindConnLost = "connection lost (io.ErrUnexpectedEOF, *net.OpError)"
	// kindUndocumented is every other error: a failure of the soak.
	kindUndocumented = "UNDOCUMENTED (no typed error of the driver)"
)

// pgClasses are the SQLSTATE classes a bank transfer may meet under the
// soak's faults; a *PgError of any other class (a syntax error, a unique
// violation on a transfer's id, which would mean a retried insert, a
// protocol violation the server saw) is a failure.
// See https://www.postgresql.org/docs/current/errcodes-appendix.html
var pgClasses = map[string]string{
	"08": "connection exception",   // 08006 connection failure, 08003 connection does not exist
	"40": "transaction rollback",   // 40P01 deadlock, 40001 serialization failure
	"53": "insufficient resources", // 53300 too many connections
	"57": "operator intervention",  // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 57014 query canceled
}

// classify returns the kind of err, and whether it is one the soak
// accepts. The order matters: a call that lost its connection after
// writing matches ErrResultUnknown whatever its cause; a call interrupted by its context returns
// an error that matches both the context's error and what the server said
// (query_canceled), and a failed connect wraps the server's refusal
// (57P03 while the server starts up).
func classify(err error) (kind string, ok bool) {
	var (
		connectErr  *pgmoon.ConnectError
		protocolErr *pgmoon.ProtocolError
		pgErr       *pgmoon.PgError
		opErr       *net.OpError
	)
	switch {
	case err == nil:
		return "", true
	case errors.Is(err, pgmoon.ErrResultUnknown):
		return kindResultUnknown, true
	case errors.Is(err, pgmoon.ErrTxCommitRollback):
		return kindCommitRolled, true
	case errors.Is(err, context.DeadlineExceeded):
		return kindDeadline, true
	case errors.Is(err, context.Canceled):
		return kindCanceled, true
	case errors.As(err, &connectErr):
		return kindConnect, true
	case errors.As(err, &protocolErr):
		return kindProtocol, true
	case errors.As(err, &pgErr):
		class := pgErr.Code
		if len(class) >= 2 {
			class = class[:2]
		}
		name, known := pgClasses[class]
		kind = "*pgmoon.PgError class " + class
		if known && pgErr.Code != "08P01" { // 08P01: the server says we broke the protocol
			return kind + " (" + name + ")", true
		}
		return kind + " (unexpected: " + pgErr.Code + ")", false
	case errors.Is(err, pgmoon.ErrConnClosed):
		return kindConnClosed, true
	case impossible(err) != nil:
		return impossible(err).Error() + " (impossible here)", false
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &opErr):
		return kindConnLost, true
	}
	return kindUndocumented, false
}

// outcome is what a transfer's client knows of its fate.
type outcome int

const (
	outcomeFailed    outcome = iota // not committed: nothing of it is in the database
	outcomeCommitted                // COMMIT succeeded
	outcomeUnknown                  // COMMIT was sent, and the answer was lost
)

// commitOutcome says what a COMMIT that returned err did, as the driver
// reports it: unknown when the error matches pgmoon.ErrResultUnknown (the
// connection was lost after COMMIT was sent, or the server ended the
// session during it), failed otherwise (an ERROR or ROLLBACK answer rolled
// the transaction back; a COMMIT refused before it was sent never ran).
// The final checks hold the driver to it: a transfer whose COMMIT failed
// must be absent from the table.
func commitOutcome(err error) outcome {
	switch {
	case err == nil:
		return outcomeCommitted
	case errors.Is(err, pgmoon.ErrResultUnknown):
		return outcomeUnknown
	}
	return outcomeFailed
}

// impossible returns the documented error that err matches if it is one
// the soak never provokes: each worker uses its transaction alone, and the
// pool is closed only after the last transfer. Otherwise nil.
func impossible(err error) error {
	for _, e := range []error{pgmoon.ErrConnBusy, pgmoon.ErrTxClosed, pgmoon.ErrPoolClosed} {
		if errors.Is(err, e) {
			return e
		}
	}
	return nil
}
