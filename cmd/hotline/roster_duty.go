package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// Usage lines of the duty roster subcommands beyond import and now.
const (
	usageRotation = `usage: hotline roster rotation add --name NAME --role ROLE [--county CODE] --handover "WEEKDAY HH:MM" [--from YYYY-MM-DD] MEMBER... | rotation list | rotation remove NAME`
	usageOverride = `usage: hotline roster override add --role ROLE [--county CODE] --from TIME --to TIME COVERING COVERED | override list [--all] | override cancel ID`
	usageLink     = `usage: hotline roster link NAME ROLE [COUNTY]`
	usageDeact    = `usage: hotline roster deactivate NAME ROLE [COUNTY]`
)

// rosterDutyCommand runs `hotline roster rotation|override|link|deactivate`
// (args[0] is the subcommand). now is the clock; handled is false for
// other subcommands.
func rosterDutyCommand(ctx context.Context, cfg Config, args []string, stdout io.Writer, now func() time.Time) (handled bool, code int, err error) {
	var run func(*postgres.DB) error
	switch args[0] {
	case "rotation":
		if len(args) < 2 {
			return true, 2, errors.New(usageRotation)
		}
		run, err = rotationCommand(args[1], args[2:], stdout, now)
	case "override":
		if len(args) < 2 {
			return true, 2, errors.New(usageOverride)
		}
		run, err = overrideCommand(args[1], args[2:], stdout, now)
	case "link":
		run, err = linkCommand(cfg, args[1:], stdout, now)
	case "deactivate":
		run, err = deactivateCommand(args[1:], stdout, now)
	default:
		return false, 0, nil
	}
	if err != nil {
		return true, 2, err
	}
	db, err := openCurrent(ctx, cfg)
	if err != nil {
		return true, 1, err
	}
	defer db.Close()
	if err := run(db); err != nil {
		if errors.Is(err, hotline.ErrInvalid) || errors.Is(err, hotline.ErrNotFound) || errors.Is(err, hotline.ErrConflict) {
			return true, 2, err
		}
		return true, 1, err
	}
	return true, 0, nil
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseCountyFlag returns the ISO code of a county flag ("" stays "").
func parseCountyFlag(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	c, err := hotline.ParseCounty(s)
	if err != nil {
		return "", fmt.Errorf("unknown county %q", s)
	}
	return c.Code, nil
}

// parseRoleCounty checks a role and its county (empty for national roles,
// required otherwise) and returns the county's ISO code.
func parseRoleCounty(roleName, county string) (hotline.Role, string, error) {
	role, err := hotline.ParseRole(roleName)
	if err != nil {
		return "", "", fmt.Errorf("unknown role %q", roleName)
	}
	code, err := parseCountyFlag(county)
	switch {
	case err != nil:
		return "", "", err
	case role.National() && code != "":
		return "", "", fmt.Errorf("role %s is national: no county", role)
	case !role.National() && code == "":
		return "", "", fmt.Errorf("role %s needs a county", role)
	}
	return role, code, nil
}

// parseLocalTime reads RFC 3339, or "YYYY-MM-DD HH:MM" / "YYYY-MM-DDTHH:MM"
// as local time in Europe/Tirane.
func parseLocalTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, hotline.Tirane); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 nor YYYY-MM-DD HH:MM (Europe/Tirane)", s)
}

// localTime prints t in Europe/Tirane with its offset.
func localTime(t time.Time) string { return t.In(hotline.Tirane).Format("2006-01-02 15:04 -07:00") }

func rotationCommand(sub string, args []string, stdout io.Writer, now func() time.Time) (func(*postgres.DB) error, error) {
	fs := newFlags("rotation " + sub)
	switch sub {
	case "add":
		name := fs.String("name", "", "rotation name")
		roleName := fs.String("role", "", "role of every member")
		county := fs.String("county", "", "county of every member")
		handover := fs.String("handover", "", `weekday and local time, e.g. "mon 08:00"`)
		from := fs.String("from", "", "first handover on or after this local date (YYYY-MM-DD; default today)")
		if err := fs.Parse(args); err != nil || fs.NArg() == 0 || strings.TrimSpace(*name) == "" || *handover == "" {
			return nil, errors.New(usageRotation)
		}
		role, code, err := parseRoleCounty(*roleName, *county)
		if err != nil {
			return nil, err
		}
		day, minute, err := hotline.ParseHandover(*handover)
		if err != nil {
			return nil, err
		}
		start := now()
		if *from != "" {
			if start, err = time.ParseInLocation("2006-01-02", *from, hotline.Tirane); err != nil {
				return nil, fmt.Errorf("--from %q is not YYYY-MM-DD", *from)
			}
		}
		rot := hotline.Rotation{Name: strings.TrimSpace(*name), Role: role, County: code,
			FirstHandover: hotline.FirstHandoverOnOrAfter(start, day), HandoverMinute: minute}
		members := fs.Args()
		return func(db *postgres.DB) error {
			for _, m := range members {
				r, err := db.FindResponder(context.Background(), m, role, code)
				if err != nil {
					return err
				}
				rot.Members = append(rot.Members, r.ID)
			}
			if _, err := db.AddRotation(context.Background(), rot, now()); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "rotation %q added: %s %s, hands over %s Europe/Tirane, first at %s; order: %s\n",
				rot.Name, countyLabel(code), role, handoverLabel(rot), localTime(rot.Handover(0)), strings.Join(members, ", "))
			return nil
		}, nil
	case "list":
		if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
			return nil, errors.New(usageRotation)
		}
		return func(db *postgres.DB) error {
			ctx := context.Background()
			rots, err := db.Rotations(ctx)
			if err != nil {
				return err
			}
			names, err := responderNames(ctx, db)
			if err != nil {
				return err
			}
			at := now()
			for _, rot := range rots {
				var members []string
				for _, id := range rot.Members {
					members = append(members, names[id])
				}
				current := "nobody yet"
				if id, ok := rot.MemberAt(at); ok {
					current = names[id]
				}
				fmt.Fprintf(stdout, "%s %s %q: %s from %s: %s (now: %s)\n", countyLabel(rot.County), rot.Role, rot.Name,
					handoverLabel(rot), rot.Handover(0).In(hotline.Tirane).Format("2006-01-02"), strings.Join(members, ", "), current)
			}
			return nil
		}, nil
	case "remove":
		if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
			return nil, errors.New(usageRotation)
		}
		return func(db *postgres.DB) error {
			if err := db.RemoveRotation(context.Background(), fs.Arg(0), now()); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "rotation %q removed\n", fs.Arg(0))
			return nil
		}, nil
	}
	return nil, errors.New(usageRotation)
}

func handoverLabel(rot hotline.Rotation) string {
	return fmt.Sprintf("%s %02d:%02d", rot.Weekday(), rot.HandoverMinute/60, rot.HandoverMinute%60)
}

func countyLabel(code string) string {
	if code == "" {
		return "-" // national role
	}
	return code
}

func responderNames(ctx context.Context, db *postgres.DB) (map[int64]string, error) {
	rs, err := db.Responders(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rs))
	for _, r := range rs {
		out[r.ID] = r.Name
	}
	return out, nil
}

func overrideCommand(sub string, args []string, stdout io.Writer, now func() time.Time) (func(*postgres.DB) error, error) {
	fs := newFlags("override " + sub)
	switch sub {
	case "add":
		roleName := fs.String("role", "", "role of both responders")
		county := fs.String("county", "", "county of both responders")
		from := fs.String("from", "", "start (RFC 3339 or YYYY-MM-DD HH:MM Europe/Tirane)")
		to := fs.String("to", "", "end (RFC 3339 or YYYY-MM-DD HH:MM Europe/Tirane)")
		if err := fs.Parse(args); err != nil || fs.NArg() != 2 || *from == "" || *to == "" {
			return nil, errors.New(usageOverride)
		}
		role, code, err := parseRoleCounty(*roleName, *county)
		if err != nil {
			return nil, err
		}
		start, err := parseLocalTime(*from)
		if err != nil {
			return nil, fmt.Errorf("--from: %w", err)
		}
		end, err := parseLocalTime(*to)
		if err != nil {
			return nil, fmt.Errorf("--to: %w", err)
		}
		return func(db *postgres.DB) error {
			ctx := context.Background()
			covering, err := db.FindResponder(ctx, fs.Arg(0), role, code)
			if err != nil {
				return err
			}
			covered, err := db.FindResponder(ctx, fs.Arg(1), role, code)
			if err != nil {
				return err
			}
			id, err := db.AddOverride(ctx, hotline.Override{CoveringID: covering.ID, CoveredID: covered.ID, Start: start, End: end}, now())
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "override %d: %s covers for %s from %s to %s\n", id, covering.Name, covered.Name, localTime(start), localTime(end))
			return nil
		}, nil
	case "list":
		all := fs.Bool("all", false, "also overrides that ended (not cancelled ones)")
		if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
			return nil, errors.New(usageOverride)
		}
		return func(db *postgres.DB) error {
			ctx := context.Background()
			from := now()
			if *all {
				from = time.Time{}
			}
			os, err := db.Overrides(ctx, from)
			if err != nil {
				return err
			}
			rs, err := db.Responders(ctx)
			if err != nil {
				return err
			}
			byID := map[int64]hotline.Responder{}
			for _, r := range rs {
				byID[r.ID] = r
			}
			for _, o := range os {
				covered := byID[o.CoveredID]
				fmt.Fprintf(stdout, "%d %s %s: %s covers for %s from %s to %s\n", o.ID, countyLabel(covered.County), covered.Role,
					byID[o.CoveringID].Name, covered.Name, localTime(o.Start), localTime(o.End))
			}
			return nil
		}, nil
	case "cancel":
		if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
			return nil, errors.New(usageOverride)
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("override id %q is not a number", fs.Arg(0))
		}
		return func(db *postgres.DB) error {
			if err := db.CancelOverride(context.Background(), id, now()); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "override %d cancelled\n", id)
			return nil
		}, nil
	}
	return nil, errors.New(usageOverride)
}

// responderArgs reads NAME ROLE [COUNTY].
func responderArgs(args []string, usage string) (string, hotline.Role, string, error) {
	if len(args) < 2 || len(args) > 3 {
		return "", "", "", errors.New(usage)
	}
	county := ""
	if len(args) == 3 {
		county = args[2]
	}
	role, code, err := parseRoleCounty(args[1], county)
	return args[0], role, code, err
}

// onResponder reads NAME ROLE [COUNTY] and returns a command that finds
// that responder and runs f on them.
func onResponder(args []string, usage string, f func(ctx context.Context, db *postgres.DB, r hotline.Responder) error) (func(*postgres.DB) error, error) {
	name, role, county, err := responderArgs(args, usage)
	if err != nil {
		return nil, err
	}
	return func(db *postgres.DB) error {
		ctx := context.Background()
		r, err := db.FindResponder(ctx, name, role, county)
		if err != nil {
			return err
		}
		return f(ctx, db, r)
	}, nil
}

func linkCommand(cfg Config, args []string, stdout io.Writer, now func() time.Time) (func(*postgres.DB) error, error) {
	return onResponder(args, usageLink, func(ctx context.Context, db *postgres.DB, r hotline.Responder) error {
		code, err := hotline.NewLinkCode(nil)
		if err != nil {
			return err
		}
		expires, err := db.CreateLinkCode(ctx, r.ID, code, now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "link code for %s (%s %s): %s, valid once until %s\n", r.Name, countyLabel(r.County), r.Role, code, localTime(expires))
		fmt.Fprintf(stdout, "send the bot: /start r_%s\n", code)
		if link := hotline.TelegramDeepLink(cfg.TelegramBotUsername, code); link != "" {
			fmt.Fprintf(stdout, "or open: %s\n", link)
		}
		return nil
	})
}

func deactivateCommand(args []string, stdout io.Writer, now func() time.Time) (func(*postgres.DB) error, error) {
	return onResponder(args, usageDeact, func(ctx context.Context, db *postgres.DB, r hotline.Responder) error {
		res, err := db.DeactivateResponder(ctx, r.ID, "cli", now())
		if err != nil {
			return err
		}
		if res.AlreadyInactive {
			fmt.Fprintf(stdout, "%s was already deactivated\n", r.Name)
			return nil
		}
		fmt.Fprintf(stdout, "%s deactivated: no more alerts (%d queued stopped), Telegram unlinked, link codes void\n", r.Name, res.StoppedMessages)
		return nil
	})
}
