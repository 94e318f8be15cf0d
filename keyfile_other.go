//go:build !unix

package pgmoon

import "os"

// checkKeyFileMode does nothing where file modes do not describe access.
func checkKeyFileMode(string, os.FileInfo) error { return nil }
