// Package postgres is hotline's system of record: tips, messages, reporters
// (contacts sealed), the duty roster, the outbox of alerts, escalation
// deadlines and acknowledgements, on Postgres through pgx v5.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/privacy"
	"github.com/hotline-al/hotline/migrations"
)

// ErrMigrationsPending is returned by CheckSchema when the database lacks
// migrations this binary has: run `hotline migrate`.
var ErrMigrationsPending = errors.New("database migrations are pending: run `hotline migrate`")

// ErrSchemaTooNew is returned by CheckSchema when the database has
// migrations this binary does not know (a newer version migrated it).
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// writeTimeout bounds work that must finish even when the caller's request
// is cancelled (storing an inbound message, recording an acknowledgement).
const writeTimeout = 15 * time.Second

// DB is the Postgres store. Safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
	keys *privacy.Keys
	// reroute is called after a supervisor operation marked a tip for routing (OnReroute).
	reroute func(context.Context, QueueEntry)
	// replyWindow: nothing is sent to a reporter who has not written within it (0: not checked at send time).
	replyWindow time.Duration
	// policy, when set (SetEscalationPolicy), decides escalation steps and
	// timeouts; nil keeps DESIGN.md's default.
	policy *hotline.EscalationPolicy
}

// SetReplyWindow sets REPLY_WINDOW for send-time checks (see ClaimOutbox).
// Call it before use.
func (db *DB) SetReplyWindow(d time.Duration) { db.replyWindow = d }

// Open connects to the database at url (a libpq URL or DSN) and checks it
// answers. keys seal reporter contacts; it may be nil for commands that
// never touch them (migrate, roster).
func Open(ctx context.Context, url string, keys *privacy.Keys) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{pool: pool, keys: keys}, nil
}

// Close releases the pool.
func (db *DB) Close() { db.pool.Close() }

// Ping checks that Postgres answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

func (db *DB) provider() (*goose.Provider, *sql.DB, error) {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		sqlDB.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return p, sqlDB, nil
}

// Migrate applies pending migrations under a Postgres advisory lock (so two
// processes migrating at once are safe) and returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, sqlDB, err := db.provider()
	if err != nil {
		return 0, err
	}
	defer sqlDB.Close()
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("apply migrations: %w", err)
	}
	return len(results), nil
}

// CheckSchema returns nil when the database is at exactly this binary's
// schema version, ErrMigrationsPending when migrations are missing, and
// ErrSchemaTooNew when the database is ahead.
func (db *DB) CheckSchema(ctx context.Context) error {
	p, sqlDB, err := db.provider()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case current < target:
		return ErrMigrationsPending
	case current > target:
		return fmt.Errorf("%w (database %d, binary %d)", ErrSchemaTooNew, current, target)
	}
	return nil
}

// inTx runs f in a transaction, committing when f returns nil. ctx is
// detached from the caller's cancellation (but bounded by writeTimeout) so
// that a client hanging up does not abort a write that must finish.
func (db *DB) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	return pgx.BeginFunc(ctx, db.pool, f)
}
