package hotline

import (
	"fmt"
	"strings"
	"time"
)

// EscalationStep is one step of an escalation policy: whom it alerts and
// how long it then waits for an acknowledgement before the next step.
type EscalationStep struct {
	// Role alerted at this step: "" for the first step (the on-duty
	// responders routing chose), RoleCoordinator (the county's
	// coordinator, else the national desk) or RoleNationalDesk.
	Role    Role
	Timeout time.Duration
}

// EscalationPolicy says, per level, how an unacknowledged tip escalates:
// ordered steps, the last one repeated Repeat more times (0 = until
// acknowledged). Levels without steps never escalate.
type EscalationPolicy struct {
	Steps  map[Level][]EscalationStep
	Repeat int
	// P1NeedsBoth: a P1 tip stops escalating only once both a police
	// officer and a social worker (or whoever stood in for them) have
	// acknowledged it.
	P1NeedsBoth bool
}

// DefaultEscalationPolicy is DESIGN.md's policy: P1 waits escalateAfter
// at each step, P2 4 × escalateAfter; on-duty responders → the county's
// coordinator → the national desk, repeated until acknowledged.
func DefaultEscalationPolicy(escalateAfter time.Duration) EscalationPolicy {
	steps := func(d time.Duration) []EscalationStep {
		return []EscalationStep{{Timeout: d}, {Role: RoleCoordinator, Timeout: d}, {Role: RoleNationalDesk, Timeout: d}}
	}
	return EscalationPolicy{Steps: map[Level][]EscalationStep{
		LevelP1: steps(LevelP1.AcknowledgeWithin(escalateAfter)),
		LevelP2: steps(LevelP2.AcknowledgeWithin(escalateAfter)),
	}}
}

// Step returns step n (0 = the first alert) of level's escalation: the role
// it alerts and its timeout; false when escalation has ended before n.
func (p EscalationPolicy) Step(level Level, n int) (EscalationStep, bool) {
	steps := p.Steps[level]
	if len(steps) == 0 || n < 0 {
		return EscalationStep{}, false
	}
	if n < len(steps) {
		return steps[n], true
	}
	if p.Repeat > 0 && n-(len(steps)-1) > p.Repeat {
		return EscalationStep{}, false
	}
	return steps[len(steps)-1], true
}

// ParseEscalationSteps reads a policy's steps for one level:
// "on_duty 5m; coordinator 5m; national_desk 10m". The first step is
// on_duty; the others coordinator or national_desk; every timeout a
// positive Go duration. Errors wrap ErrInvalid.
func ParseEscalationSteps(s string) ([]EscalationStep, error) {
	var out []EscalationStep
	for i, part := range strings.Split(s, ";") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return nil, fmt.Errorf("step %d %q: want \"ROLE DURATION\": %w", i+1, strings.TrimSpace(part), ErrInvalid)
		}
		d, err := time.ParseDuration(f[1])
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("step %d: %q is not a positive duration: %w", i+1, f[1], ErrInvalid)
		}
		var role Role
		switch {
		case i == 0 && f[0] == "on_duty":
		case i > 0 && (f[0] == string(RoleCoordinator) || f[0] == string(RoleNationalDesk)):
			role = Role(f[0])
		case i == 0:
			return nil, fmt.Errorf("step 1 must be on_duty, not %q: %w", f[0], ErrInvalid)
		default:
			return nil, fmt.Errorf("step %d: %q is neither coordinator nor national_desk: %w", i+1, f[0], ErrInvalid)
		}
		out = append(out, EscalationStep{Role: role, Timeout: d})
	}
	return out, nil
}

// EscalationTargetsFor returns who is alerted at an escalation step that
// names role: the county's coordinator (the national desk when the county
// is unknown or has no coordinator on duty), or the national desk.
// Official-complicity tips escalate only between internal control and the
// national desk.
func EscalationTargetsFor(c Classification, role Role, onDuty OnDuty) []Responder {
	if c.Complicity() {
		return uniqueResponders(append(onDuty(RoleInternalControl, ""), onDuty(RoleNationalDesk, "")...))
	}
	if role == RoleCoordinator && c.County != "" {
		if rs := onDuty(RoleCoordinator, c.County); len(rs) > 0 {
			return uniqueResponders(rs)
		}
	}
	return uniqueResponders(onDuty(RoleNationalDesk, ""))
}

// NextEscalation returns the escalation step that follows step taken (0 =
// the first alerts; steps counted as in Step), and whom it alerts
// (EscalationTargetsFor). A step whose recipients were all alerted already
// about the tip (alerted, by responder id) is skipped for the one after it
// (e.g. the coordinator who stood in for a missing Child Protection Unit is
// not alerted again: the national desk is), except the policy's last step,
// which repeats as reminders. ok is false when the policy has no further
// step for the level.
func (p EscalationPolicy) NextEscalation(c Classification, taken int, onDuty OnDuty, alerted map[int64]bool) (n int, step EscalationStep, targets []Responder, ok bool) {
	last := len(p.Steps[c.Level]) - 1
	for n = taken + 1; ; n++ {
		if step, ok = p.Step(c.Level, n); !ok {
			return n, EscalationStep{}, nil, false
		}
		targets = EscalationTargetsFor(c, step.Role, onDuty)
		if n >= last || !allAlerted(targets, alerted) {
			return n, step, targets, true
		}
	}
}

func allAlerted(rs []Responder, alerted map[int64]bool) bool {
	for _, r := range rs {
		if !alerted[r.ID] {
			return false
		}
	}
	return true
}
