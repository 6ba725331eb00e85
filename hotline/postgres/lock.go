package postgres

import (
	"context"
	"time"
)

// TelegramPollerLock is the Postgres advisory lock key held by the one
// process that polls Telegram (getUpdates allows one poller per bot).
const TelegramPollerLock int64 = 0x686f746c696e6501 // "hotline" 01

// RunExclusive runs f while this process holds session advisory lock key,
// on a connection of its own: among processes calling it with the same
// key, one runs f at a time; the others try again every retry and take
// over when the holder stops or dies (Postgres releases a dead session's
// locks). When the lock's connection fails, f's context is cancelled
// (another process may take over) and the lock is sought again. It
// returns when ctx ends.
func (db *DB) RunExclusive(ctx context.Context, key int64, retry time.Duration, f func(context.Context)) {
	for ctx.Err() == nil {
		db.holdAndRun(ctx, key, retry, f)
		sleepOrDone(ctx, retry)
	}
}

func (db *DB) holdAndRun(ctx context.Context, key int64, check time.Duration, f func(context.Context)) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
		return
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
			conn.Conn().Close(unlockCtx) // a closed session releases its locks
		}
	}()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); f(runCtx) }()
	t := time.NewTicker(check)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if err := conn.Ping(ctx); err != nil {
				cancel() // the lock may be gone with the connection
				<-done
				return
			}
		case <-ctx.Done():
			<-done
			return
		}
	}
}

func sleepOrDone(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
