// Command hotline is the anti-trafficking hotline service: SMS and Telegram
// intake, triage, alerts to on-duty responders, escalation.
//
//	hotline migrate
//	hotline serve
//	hotline demo
//	hotline roster import [--replace] FILE
//	hotline roster now [--county CODE] [--at RFC3339]
//	hotline roster rotation add|list|remove …
//	hotline roster override add|list|cancel …
//	hotline roster link NAME ROLE [COUNTY]
//	hotline roster deactivate NAME ROLE [COUNTY]
//	hotline triage classify [--file F.jsonl]
//	hotline version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
	"github.com/hotline-al/hotline/triage"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

const usage = `usage:
  hotline migrate                                  apply pending database migrations
  hotline serve                                    run the service
  hotline demo                                     run with simulated Telegram and Twilio (no credentials)
  hotline roster import [--replace] FILE           import a roster CSV
  hotline roster now [--county CODE] [--at TIME]   who is on duty (county role name)
  hotline roster rotation add|list|remove          weekly rotations (see README)
  hotline roster override add|list|cancel          X covers for Y from-to
  hotline roster link NAME ROLE [COUNTY]           one-time code that links a Telegram chat
  hotline roster deactivate NAME ROLE [COUNTY]     stop alerts, unlink Telegram, void codes
  hotline triage classify [--file F.jsonl]         classify a tip's text from stdin
  hotline queue rebuild                            rebuild the Redis triage queue from Postgres
  hotline version                                  print the version`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes one command and returns the exit code: 0 success, 1 failure,
// 2 bad usage or configuration. Errors are one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "hotline: "+oneLine(err.Error()))
		return code
	}
	if len(args) == 0 {
		return fail(2, errors.New("usage: hotline COMMAND (hotline help lists them)"))
	}
	switch args[0] {
	case "version", "--version":
		if len(args) > 1 {
			return fail(2, errors.New("usage: hotline version (no arguments)"))
		}
		fmt.Fprintln(stdout, "hotline", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	case "triage":
		if len(args) < 2 || args[1] != "classify" {
			return fail(2, errors.New("usage: hotline triage classify [--file F.jsonl]"))
		}
		return triage.RunClassify(args[2:], stdin, stdout, stderr)
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fail(2, err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	switch args[0] {
	case "migrate":
		db, err := postgres.Open(ctx, cfg.DatabaseURL, nil)
		if err != nil {
			return fail(1, err)
		}
		defer db.Close()
		n, err := db.Migrate(ctx)
		if err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "applied %d migration(s); schema is current\n", n)
		return 0
	case "serve":
		if cfg.SecretKey == nil {
			return fail(2, errMissingSecret)
		}
		if err := serve(ctx, cfg, log); err != nil {
			if errors.Is(err, hotline.ErrConflict) { // a database claimed by training mode: a configuration mistake
				return fail(2, err)
			}
			return fail(1, err)
		}
		return 0
	case "demo":
		demoDir := getenv("HOTLINE_DEMO_DIR")
		if demoDir == "" {
			demoDir = defaultDemoDir
		}
		if err := demo(ctx, cfg, demoDir, log, stdout); err != nil {
			if errors.Is(err, hotline.ErrConflict) { // a live database: never used for training
				return fail(2, err)
			}
			return fail(1, err)
		}
		return 0
	case "roster":
		return rosterCommand(ctx, cfg, args[1:], stdout, stderr)
	case "queue":
		return queueCommand(ctx, cfg, args[1:], stdout, stderr)
	}
	return fail(2, fmt.Errorf("unknown command %q; run `hotline help`", args[0]))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	app, err := NewApp(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	return app.Run(ctx)
}

func rosterCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "hotline roster: "+oneLine(err.Error()))
		return code
	}
	if len(args) == 0 {
		return fail(2, errors.New("usage: hotline roster import [--replace] FILE | hotline roster now [--county CODE] [--at RFC3339]"))
	}
	fs := flag.NewFlagSet("roster "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	switch args[0] {
	case "import":
		replace := fs.Bool("replace", false, "deactivate responders absent from the file")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
			return fail(2, errors.New("usage: hotline roster import [--replace] FILE"))
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fail(2, err)
		}
		defer f.Close()
		entries, err := hotline.ParseRoster(f)
		if err != nil {
			return fail(2, fmt.Errorf("%s: %w", fs.Arg(0), err))
		}
		db, err := openCurrent(ctx, cfg)
		if err != nil {
			return fail(1, err)
		}
		defer db.Close()
		sum, err := db.ImportRoster(ctx, entries, *replace)
		if err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "roster imported: %d added, %d updated, %d unchanged, %d deactivated\n", sum.Added, sum.Updated, sum.Unchanged, sum.Deactivated)
		return 0
	case "now":
		county := fs.String("county", "", "ISO 3166-2:AL code or county name")
		at := fs.String("at", "", "RFC 3339 time (default now)")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
			return fail(2, errors.New("usage: hotline roster now [--county CODE] [--at RFC3339]"))
		}
		when := time.Now()
		if *at != "" {
			t, err := time.Parse(time.RFC3339, *at)
			if err != nil {
				return fail(2, fmt.Errorf("--at %q is not RFC 3339", *at))
			}
			when = t
		}
		code := ""
		if *county != "" {
			c, err := hotline.ParseCounty(*county)
			if err != nil {
				return fail(2, fmt.Errorf("unknown county %q", *county))
			}
			code = c.Code
		}
		db, err := openCurrent(ctx, cfg)
		if err != nil {
			return fail(1, err)
		}
		defer db.Close()
		rs, err := db.OnDutyAt(ctx, when)
		if err != nil {
			return fail(1, err)
		}
		for _, r := range rs {
			if code != "" && r.County != code {
				continue
			}
			c := r.County
			if c == "" {
				c = "-" // national role
			}
			fmt.Fprintf(stdout, "%s %s %s\n", c, r.Role, r.Name)
		}
		return 0
	}
	if handled, code, err := rosterDutyCommand(ctx, cfg, args, stdout, time.Now); handled {
		if err != nil {
			return fail(code, err)
		}
		return code
	}
	return fail(2, fmt.Errorf("unknown roster command %q", args[0]))
}

// openCurrent opens the database for a command that needs the current
// schema (no sealed contacts), refusing pending migrations.
func openCurrent(ctx context.Context, cfg Config) (*postgres.DB, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL, nil)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
