package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// CheckSilence looks at when the last inbound delivery of each source
// ("twilio", "telegram") arrived. A source silent for longer than silence
// at now (one that never received anything counts from its first check)
// raises the condition "silence:<source>", once: words(source, true)
// is queued to the on-duty national desk. The next check after an inbound
// delivery clears it with words(source, false). Serialised across
// processes. It returns the conditions raised and cleared.
func (db *DB) CheckSilence(ctx context.Context, now time.Time, silence time.Duration, sources []string, words func(source string, silent bool) string) (raised, cleared []string, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		raised, cleared = nil, nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hotline-monitor'))`); err != nil {
			return fmt.Errorf("lock monitor: %w", err)
		}
		for _, source := range sources {
			name := "silence:" + source
			var last *time.Time
			if err := tx.QueryRow(ctx, `SELECT max(received_at) FROM inbound_deliveries WHERE source = $1`, source).Scan(&last); err != nil {
				return fmt.Errorf("last inbound of %s: %w", source, err)
			}
			if last == nil {
				// Never received anything: count from the first check.
				if _, err := tx.Exec(ctx, `INSERT INTO monitor_alerts (name, raised_at, cleared_at) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING`,
					"watch:"+source, now); err != nil {
					return fmt.Errorf("start watching %s: %w", source, err)
				}
				if err := tx.QueryRow(ctx, `SELECT raised_at FROM monitor_alerts WHERE name = $1`, "watch:"+source).Scan(&last); err != nil {
					return fmt.Errorf("watch %s: %w", source, err)
				}
			}
			silent := now.Sub(*last) > silence
			changed, err := setCondition(ctx, tx, now, name, silent, responderChannel, words(source, silent))
			if err != nil {
				return err
			}
			switch {
			case changed && silent:
				raised = append(raised, name)
			case changed:
				cleared = append(cleared, name)
			}
		}
		return nil
	})
	return raised, cleared, err
}

// CheckComponents records the health of the components process watches
// (failing: component name → failing now). A component newly failing
// raises the condition "failing:<component>@<process>" and queues
// words(component, true) to the on-duty national desk on via(component)
// when they can be reached there (the channel that is not failing), else
// on their usual channel; the same process seeing it work again clears it
// with words(component, false). Conditions are per process, so two
// processes that disagree (one failing, one working) never raise and clear
// each other's in turn; a condition already in that state changes
// nothing. Serialised with CheckSilence. It returns the conditions raised
// and cleared.
func (db *DB) CheckComponents(ctx context.Context, now time.Time, process string, failing map[string]bool, via func(component string) hotline.Channel,
	words func(component string, failing bool) string) (raised, cleared []string, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		raised, cleared = nil, nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hotline-monitor'))`); err != nil {
			return fmt.Errorf("lock monitor: %w", err)
		}
		for component, bad := range failing {
			name := "failing:" + component + "@" + process
			channel := func(r hotline.Responder) hotline.Channel {
				if want := via(component); want == hotline.ChannelSMS && r.Phone != "" || want == hotline.ChannelTelegram && r.TelegramChatID != 0 {
					return want
				}
				return responderChannel(r)
			}
			changed, err := setCondition(ctx, tx, now, name, bad, channel, words(component, bad))
			if err != nil {
				return err
			}
			switch {
			case changed && bad:
				raised = append(raised, name)
			case changed:
				cleared = append(cleared, name)
			}
		}
		return nil
	})
	return raised, cleared, err
}

// setCondition raises (on) or clears monitor condition name at now, when
// it is not in that state already, and then tells the on-duty national
// desk text, each on channel(r), and audits it. It reports whether the
// state changed. Callers hold the monitor lock.
func setCondition(ctx context.Context, tx pgx.Tx, now time.Time, name string, on bool, channel func(hotline.Responder) hotline.Channel, text string) (bool, error) {
	var open bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM monitor_alerts WHERE name = $1 AND cleared_at IS NULL)`, name).Scan(&open); err != nil {
		return false, fmt.Errorf("monitor %s: %w", name, err)
	}
	switch {
	case on && !open:
		if _, err := tx.Exec(ctx, `INSERT INTO monitor_alerts (name, raised_at) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET raised_at = $2, cleared_at = NULL`, name, now); err != nil {
			return false, fmt.Errorf("raise %s: %w", name, err)
		}
	case !on && open:
		if _, err := tx.Exec(ctx, `UPDATE monitor_alerts SET cleared_at = $2 WHERE name = $1`, name, now); err != nil {
			return false, fmt.Errorf("clear %s: %w", name, err)
		}
	default:
		return false, nil
	}
	onDuty, err := onDutyAt(ctx, tx, now)
	if err != nil {
		return false, err
	}
	for _, r := range OnDutyFunc(onDuty)(hotline.RoleNationalDesk, "") {
		if _, err := insertResponderMessage(ctx, tx, 0, hotline.OutboxConfirmation, r, channel(r), text, nil, 1, 0, now); err != nil {
			return false, err
		}
	}
	if err := audit(ctx, tx, now, "system", "monitor", 0, map[string]any{"condition": name, "raised": on}); err != nil {
		return false, err
	}
	return true, nil
}
