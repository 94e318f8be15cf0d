package pgmoon

import (
	"context"
	"time"
)

// PoolConfig configures a Pool (Config.Pool). Zero fields take the
// defaults given with them; in a connection string they are the keywords
// pool_max_conns, pool_min_conns, pool_max_conn_lifetime,
// pool_max_conn_lifetime_jitter, pool_max_conn_idle_time and
// pool_health_check_period (durations as Go writes them: "30m", "1h30m").
type PoolConfig struct {
	MaxConns int32 // most connections open at once (default: max(4, runtime.NumCPU()))
	MinConns int32 // connections kept open even when idle (default: 0)

	MaxConnLifetime       time.Duration // a connection older than this is closed once idle (default: 1h)
	MaxConnLifetimeJitter time.Duration // up to this much random time is added to each connection's lifetime, so that they do not all expire together (default: 0)
	MaxConnIdleTime       time.Duration // an idle connection unused this long is closed, above MinConns (default: 30m)
	HealthCheckPeriod     time.Duration // how often idle connections are checked and expired ones closed (default: 1m)

	// AfterConnect, when set, runs on each new connection before the pool
	// hands it out (to prepare statements, set session state); an error
	// closes the connection and fails the acquire.
	AfterConnect func(ctx context.Context, conn *Conn) error
	// BeforeAcquire, when set, runs before an idle connection is handed
	// out; false closes that connection and the pool tries another.
	BeforeAcquire func(ctx context.Context, conn *Conn) bool
	// AfterRelease, when set, runs when a connection comes back in a
	// usable state; false closes it instead of keeping it.
	AfterRelease func(conn *Conn) bool
}
