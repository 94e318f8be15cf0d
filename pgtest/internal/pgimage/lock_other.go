//go:build !unix

package pgimage

import "context"

// lock does nothing where Ensure cannot build anyway.
func lock(context.Context) (func(), error) { return func() {}, nil }
