package testenv

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// TestWithDatabase checks that only the database name of a Postgres URL changes.
func TestWithDatabase(t *testing.T) {
	got, err := withDatabase("postgres://hotline@127.0.0.1:5432/hotline?sslmode=disable", "hotline_test_ab")
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://hotline@127.0.0.1:5432/hotline_test_ab?sslmode=disable"; got != want {
		t.Errorf("withDatabase = %q, want %q", got, want)
	}
	if _, err := withDatabase("host=127.0.0.1 dbname=hotline", "x"); err == nil {
		t.Error("withDatabase accepted a key=value connection string")
	}
}

// TestWithRedisDB checks that only the database number of a Redis URL changes.
func TestWithRedisDB(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/17"},
		{"redis://127.0.0.1:6379", "redis://127.0.0.1:6379/17"},
		{"rediss://:pw@example.test:6380/3?dial_timeout=3s", "rediss://:pw@example.test:6380/17?dial_timeout=3s"},
		{"unix:///tmp/redis.sock?db=2", "unix:///tmp/redis.sock?db=17"},
	} {
		got, err := withRedisDB(c.in, 17)
		if err != nil {
			t.Errorf("withRedisDB(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("withRedisDB(%q) = %q, want %q", c.in, got, c.want)
		}
		if _, err := redis.ParseURL(got); err != nil {
			t.Errorf("redis.ParseURL(%q): %v", got, err)
		}
	}
	if _, err := withRedisDB("http://127.0.0.1/", 1); err == nil {
		t.Error("withRedisDB accepted an http:// URL")
	}
}

// databaseName returns the database name in a Postgres URL.
func databaseName(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// TestDatabaseURL checks that each call gives a distinct, empty database, and
// that the databases are dropped when the test that asked for them ends, even
// while a connection to one is still open.
func TestDatabaseURL(t *testing.T) {
	base := serverURL(t, DatabaseURLEnv)
	ctx := Context(t)

	var names []string
	var open *pgx.Conn
	t.Run("fresh", func(t *testing.T) {
		a, b := DatabaseURL(t), DatabaseURL(t)
		if a == b {
			t.Fatalf("two calls returned the same database %q", a)
		}
		names = []string{databaseName(t, a), databaseName(t, b)}
		for _, n := range names {
			if !strings.HasPrefix(n, DatabasePrefix) {
				t.Errorf("database %q does not start with %q", n, DatabasePrefix)
			}
		}

		conns := make([]*pgx.Conn, 2)
		for i, u := range []string{a, b} {
			c, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatalf("connect %s: %v", u, err)
			}
			conns[i] = c
			var cur string
			var tables int
			if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&cur); err != nil {
				t.Fatal(err)
			}
			if cur != names[i] {
				t.Errorf("connected to %q, want %q", cur, names[i])
			}
			err = c.QueryRow(ctx, `SELECT count(*) FROM pg_class c
				JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`).Scan(&tables)
			if err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Errorf("database %s is not empty: %d relations in public", names[i], tables)
			}
		}
		defer conns[1].Close(context.Background())
		// Left open on purpose: the drop must not wait for it.
		open = conns[0]

		if _, err := conns[0].Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conns[1].QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Error("a table created in one database is seen in the other")
		}
	})
	if open != nil {
		defer open.Close(context.Background())
	}
	if len(names) != 2 {
		return
	}

	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of the databases %v still exist after the test ended", left, names)
	}
}

// TestRedisURL checks that two calls give different Redis databases, that a key
// set in one is not seen in the other, and that they are flushed afterwards.
func TestRedisURL(t *testing.T) {
	serverURL(t, RedisURLEnv)
	ctx := Context(t)

	var first string
	t.Run("distinct", func(t *testing.T) {
		a, b := RedisURL(t), RedisURL(t)
		if a == b {
			t.Fatalf("two calls returned the same Redis URL %q", a)
		}
		first = a
		ca, cb := client(t, a), client(t, b)
		for _, c := range []*redis.Client{ca, cb} {
			if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
				t.Errorf("fresh database %d: DBSIZE = %d, %v; want 0", c.Options().DB, n, err)
			}
		}
		if err := ca.Set(ctx, "testenv:key", "a", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := cb.Get(ctx, "testenv:key").Err(); err != redis.Nil {
			t.Errorf("GET in the other database: err = %v, want redis.Nil", err)
		}
		if got, err := ca.Get(ctx, "testenv:key").Result(); err != nil || got != "a" {
			t.Errorf("GET in the same database = %q, %v; want \"a\"", got, err)
		}
	})
	if first == "" {
		return
	}
	c := client(t, first)
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("after the test: DBSIZE = %d, %v; want 0 (not flushed)", n, err)
	}
}

// client returns a Redis client for raw, closed when the test ends.
func client(t *testing.T, raw string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestContext checks the deadline of Context.
func TestContext(t *testing.T) {
	ctx := Context(t)
	d, ok := ctx.Deadline()
	if !ok || time.Until(d) > contextTimeout || time.Until(d) < contextTimeout-10*time.Second {
		t.Errorf("deadline %v (set: %v), want about %v from now", d, ok, contextTimeout)
	}
}

// fakeTB records Fatal and Skip instead of acting on them; like the real ones,
// they end the calling goroutine.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatal(args ...any) { f.fatal = fmt.Sprint(args...); runtime.Goexit() }

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Skip(args ...any) { f.skip = fmt.Sprint(args...); runtime.Goexit() }

func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestUnset checks that, without the variables, the test fails naming
// scripts/test (or is skipped under -short) rather than passing silently.
func TestUnset(t *testing.T) {
	t.Setenv(DatabaseURLEnv, "")
	t.Setenv(RedisURLEnv, "")
	for name, f := range map[string]func(testing.TB) string{"DatabaseURL": DatabaseURL, "RedisURL": RedisURL} {
		fake := &fakeTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			f(fake)
		}()
		<-done
		if testing.Short() {
			if fake.skip != skipMessage {
				t.Errorf("%s under -short: skip %q, want %q", name, fake.skip, skipMessage)
			}
			continue
		}
		if !strings.Contains(fake.fatal, "scripts/test") {
			t.Errorf("%s without %s: fatal %q, want a message naming scripts/test", name, DatabaseURLEnv, fake.fatal)
		}
	}
}
