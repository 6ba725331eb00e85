// Package testenv gives integration tests their own Postgres database and their
// own Redis database on the throwaway servers that scripts/test starts.
//
// scripts/test sets two environment variables before it runs go test:
//
//	HOTLINE_TEST_DATABASE_URL  postgres://hotline@127.0.0.1:PORT/hotline?sslmode=disable
//	HOTLINE_TEST_REDIS_URL     redis://127.0.0.1:PORT/0
//
// [DatabaseURL] creates a fresh, empty database on that Postgres server for each
// call and drops it when the test ends; [RedisURL] hands out a Redis database
// number that no other running test uses (in any package: go test runs packages
// as separate processes, so numbers are allocated from a Postgres sequence) and
// flushes it before and after the test.
//
// With go test -short, both skip the test. Without -short and without the
// variables, both fail the test, naming scripts/test: integration tests never
// pass silently because the services are missing.
//
// A typical test:
//
//	func TestStore(t *testing.T) {
//		ctx := testenv.Context(t)
//		pool, err := pgxpool.New(ctx, testenv.DatabaseURL(t))
//		...
//		opts, err := redis.ParseURL(testenv.RedisURL(t))
//		...
//	}
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

const (
	// DatabaseURLEnv names the variable holding the URL of the Postgres server
	// (and its maintenance database) that tests create their databases on.
	DatabaseURLEnv = "HOTLINE_TEST_DATABASE_URL"

	// RedisURLEnv names the variable holding the URL of the Redis server that
	// tests take their databases from. The server needs 1024 databases.
	RedisURLEnv = "HOTLINE_TEST_REDIS_URL"

	// DatabasePrefix starts the name of every database that [DatabaseURL] creates.
	DatabasePrefix = "hotline_test_"

	// RedisSequence is the Postgres sequence, in the maintenance database, that
	// allocates Redis database numbers across test processes.
	RedisSequence = "hotline_test_redis_db"

	// RedisDatabases is how many Redis databases (1 to RedisDatabases) are handed
	// out in turn; database 0 is never used by tests.
	RedisDatabases = 1023

	// skipMessage is the reason given when -short skips an integration test.
	skipMessage = "integration test: needs Postgres and Redis; run scripts/test"

	// setupTimeout bounds each set-up and clean-up step against the servers.
	setupTimeout = 30 * time.Second

	// contextTimeout is the deadline of the context [Context] returns.
	contextTimeout = 60 * time.Second
)

// serverURL returns the value of the environment variable name. It skips the
// test under -short and fails it when the variable is unset or empty.
func serverURL(t testing.TB, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip(skipMessage)
	}
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("testenv: %s is not set: this integration test needs Postgres and Redis; "+
			"run it with scripts/test (e.g. scripts/test ./internal/testenv/), which starts both, "+
			"or use -short to skip it", name)
	}
	return v
}

// randomName returns DatabasePrefix followed by 16 random hexadecimal digits.
func randomName(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("testenv: random database name: %v", err)
	}
	return DatabasePrefix + hex.EncodeToString(b[:])
}

// withDatabase returns the Postgres URL raw with its database name replaced by
// name. Only URL-style connection strings (postgres://, postgresql://) are
// supported.
func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("not a postgres:// URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// connect opens a single connection to the Postgres URL raw, failing the test
// on error. The caller closes it.
func connect(ctx context.Context, t testing.TB, raw string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		t.Fatalf("testenv: connect to Postgres (%s): %v", DatabaseURLEnv, err)
	}
	return conn
}

// DatabaseURL creates a fresh, empty database (from template0) on the Postgres
// server of HOTLINE_TEST_DATABASE_URL and returns its URL. The database is
// dropped, even while connections to it remain open, when the test and its
// subtests finish. Each call returns a new database.
//
// Under -short it skips the test; when the variable is unset it fails the test.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base := serverURL(t, DatabaseURLEnv)
	name := randomName(t)
	dbURL, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("testenv: %s: %v", DatabaseURLEnv, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	conn := connect(ctx, t, base)
	defer conn.Close(context.Background())
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}

	t.Cleanup(func() {
		// t.Context() is already cancelled when clean-ups run: use a fresh one.
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("testenv: drop database %s: connect: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})
	return dbURL
}

// nextRedisDB returns the next value of RedisSequence, creating the sequence
// when it does not exist yet.
func nextRedisDB(ctx context.Context, conn *pgx.Conn) (int64, error) {
	_, err := conn.Exec(ctx, "CREATE SEQUENCE IF NOT EXISTS "+RedisSequence)
	var pgErr *pgconn.PgError
	// Two processes creating it at once: one of them loses on a unique index
	// although it said IF NOT EXISTS; the sequence exists all the same.
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "42P07")) {
		return 0, fmt.Errorf("create sequence %s: %w", RedisSequence, err)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT nextval('"+RedisSequence+"')").Scan(&n); err != nil {
		return 0, fmt.Errorf("nextval(%s): %w", RedisSequence, err)
	}
	return n, nil
}

// withRedisDB returns the Redis URL raw with its database number replaced by db.
func withRedisDB(raw string, db int64) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "redis", "rediss":
		u.Path = "/" + strconv.FormatInt(db, 10)
		u.RawPath = ""
	case "unix":
		q := u.Query()
		q.Set("db", strconv.FormatInt(db, 10))
		u.RawQuery = q.Encode()
	default:
		return "", fmt.Errorf("not a redis://, rediss:// or unix:// URL")
	}
	return u.String(), nil
}

// RedisURL returns a URL on the Redis server of HOTLINE_TEST_REDIS_URL whose
// database number no other running test uses, in this process or another.
// Numbers come from the Postgres sequence hotline_test_redis_db, created when
// missing in the database of HOTLINE_TEST_DATABASE_URL: database
// 1 + (nextval % 1023). The database is flushed (FLUSHDB) before RedisURL
// returns and again when the test and its subtests finish.
//
// Under -short it skips the test; when either variable is unset it fails the test.
func RedisURL(t testing.TB) string {
	t.Helper()
	base := serverURL(t, RedisURLEnv)
	pgURL := serverURL(t, DatabaseURLEnv)

	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	conn := connect(ctx, t, pgURL)
	n, err := nextRedisDB(ctx, conn)
	conn.Close(context.Background())
	if err != nil {
		t.Fatalf("testenv: allocate a Redis database: %v", err)
	}
	db := 1 + n%RedisDatabases

	redisURL, err := withRedisDB(base, db)
	if err != nil {
		t.Fatalf("testenv: %s: %v", RedisURLEnv, err)
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatalf("testenv: %s: %v", RedisURLEnv, err)
	}
	client := redis.NewClient(opts)
	if err := client.FlushDB(ctx).Err(); err != nil {
		client.Close()
		t.Fatalf("testenv: FLUSHDB on Redis database %d (the server needs 1024 databases): %v", db, err)
	}

	t.Cleanup(func() {
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := client.FlushDB(ctx).Err(); err != nil {
			t.Errorf("testenv: FLUSHDB on Redis database %d: %v", db, err)
		}
	})
	return redisURL
}

// Context returns t.Context() with a deadline 60 seconds away, so that a test
// stuck on a server fails instead of running until go test's own timeout. It
// is cancelled when the test ends, before its clean-up functions run.
func Context(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), contextTimeout)
	t.Cleanup(cancel)
	return ctx
}
