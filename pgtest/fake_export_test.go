package pgtest

import "time"

// SetFakeCleanupGrace changes how long the cleanup of f lets running
// scripts finish before it closes their connections (default 1s), so that
// tests of unfinished scripts stay fast.
func SetFakeCleanupGrace(f *FakeBackend, d time.Duration) {
	f.mu.Lock()
	f.grace = d
	f.mu.Unlock()
}
