//go:build !linux

package entry

import (
	"fmt"
	"os"
	"runtime"
)

// Main fails: the entrypoint runs in Linux containers only.
func Main(args []string) int {
	fmt.Fprintf(os.Stderr, "docker-entrypoint: runs on Linux only, not %s\n", runtime.GOOS)
	return 1
}
