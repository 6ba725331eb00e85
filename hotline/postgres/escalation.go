package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// SetEscalationPolicy makes Dispatch and EscalateDue follow p instead of
// DESIGN.md's default (hotline.DefaultEscalationPolicy). Call before use.
func (db *DB) SetEscalationPolicy(p hotline.EscalationPolicy) { db.policy = &p }

func (db *DB) escalationPolicy(escalateAfter time.Duration) hotline.EscalationPolicy {
	if db.policy != nil {
		return *db.policy
	}
	return hotline.DefaultEscalationPolicy(escalateAfter)
}

// firstTimeout is how long a level's first alert waits for an
// acknowledgement; 0 = never escalates.
func (db *DB) firstTimeout(level hotline.Level, escalateAfter time.Duration) time.Duration {
	s, ok := db.escalationPolicy(escalateAfter).Step(level, 0)
	if !ok {
		return 0
	}
	return s.Timeout
}

// awaitingOtherRole returns the role whose acknowledgement a P1 tip still
// needs after r's, when the policy asks for both police and social worker
// and both were alerted ("" when r's acknowledgement stops escalation). A
// coordinator's or the national desk's acknowledgement always suffices.
func (db *DB) awaitingOtherRole(ctx context.Context, tx pgx.Tx, tipID int64, r hotline.Responder) (hotline.Role, error) {
	if db.policy == nil || !db.policy.P1NeedsBoth || r.Role == hotline.RoleCoordinator || r.Role == hotline.RoleNationalDesk {
		return "", nil
	}
	var p1, policeAlerted, socialAlerted, policeAcked, socialAcked bool
	err := tx.QueryRow(ctx, `SELECT t.level = 'P1',
		EXISTS (SELECT 1 FROM outbox o JOIN responders x ON x.id = o.responder_id WHERE o.tip_id = t.id AND o.kind = 'alert' AND x.role = 'police'),
		EXISTS (SELECT 1 FROM outbox o JOIN responders x ON x.id = o.responder_id WHERE o.tip_id = t.id AND o.kind = 'alert' AND x.role = 'social_worker'),
		EXISTS (SELECT 1 FROM acknowledgements a JOIN responders x ON x.id = a.responder_id WHERE a.tip_id = t.id AND x.role = 'police'),
		EXISTS (SELECT 1 FROM acknowledgements a JOIN responders x ON x.id = a.responder_id WHERE a.tip_id = t.id AND x.role = 'social_worker')
		FROM tips t WHERE t.id = $1`, tipID).Scan(&p1, &policeAlerted, &socialAlerted, &policeAcked, &socialAcked)
	if err != nil {
		return "", fmt.Errorf("acknowledgements of tip %d: %w", tipID, err)
	}
	policeAcked = policeAcked || r.Role == hotline.RolePolice
	socialAcked = socialAcked || r.Role == hotline.RoleSocialWorker
	switch {
	case !p1 || !policeAlerted || !socialAlerted:
		return "", nil
	case !policeAcked:
		return hotline.RolePolice, nil
	case !socialAcked:
		return hotline.RoleSocialWorker, nil
	}
	return "", nil
}
