package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/internal/testenv"
)

// TestTrainingNeverSharesDatabases: once `hotline serve` ran on a Postgres
// or Redis database, `hotline demo` (training) refuses it, and the other
// way round; separate databases work.
func TestTrainingNeverSharesDatabases(t *testing.T) {
	h := newHarness(t)
	h.start() // live: claims its Postgres and Redis
	cfg, err := LoadConfig(func(k string) string { return h.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	open := func(cfg Config) error {
		app, err := NewApp(context.Background(), cfg, log, time.Now)
		if err == nil {
			app.Close()
		}
		return err
	}
	training := cfg
	training.Training = true
	if err := open(training); err == nil || !strings.Contains(err.Error(), "DATABASE_URL: this database holds live data") {
		t.Errorf("training on the live database: %v", err)
	}
	fresh := func() Config { // a new Postgres database, migrated
		c := training
		c.DatabaseURL = testenv.DatabaseURL(t)
		h2 := *h
		h2.env = map[string]string{}
		for k, v := range h.env {
			h2.env[k] = v
		}
		h2.env["DATABASE_URL"] = c.DatabaseURL
		if code, out := h2.cli("migrate"); code != 0 {
			t.Fatalf("migrate: %s", out)
		}
		return c
	}
	own := fresh()
	if err := open(own); err == nil || !strings.Contains(err.Error(), "REDIS_URL: this Redis database holds live data") {
		t.Errorf("training on the live Redis: %v", err)
	}
	own.RedisURL = testenv.RedisURL(t)
	if err := open(own); err != nil {
		t.Errorf("training on its own databases: %v", err)
	}
	live := own
	live.Training = false
	if err := open(live); err == nil || !strings.Contains(err.Error(), "holds training data") {
		t.Errorf("live on the training databases: %v", err)
	}
	if _, err := LoadConfig(func(k string) string {
		if k == "TRAINING_URL" {
			return "javascript:alert(1)"
		}
		return h.env[k]
	}); err == nil || !strings.Contains(err.Error(), "TRAINING_URL") {
		t.Errorf("TRAINING_URL not validated: %v", err)
	}
}
