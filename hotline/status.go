package hotline

import "fmt"

// TipStatus is where a tip is in its lifecycle (column tips.status).
type TipStatus string

// Tip statuses. Open and acknowledged tips are "active"; the others are final
// unless a supervisor reopens a closed tip or the reporter writes again.
const (
	StatusOpen         TipStatus = "open"         // new or extended, nobody has acknowledged it
	StatusAcknowledged TipStatus = "acknowledged" // a responder has acknowledged it
	StatusClosed       TipStatus = "closed"       // closed with an Outcome
	StatusSpam         TipStatus = "spam"         // marked as spam by a supervisor
	StatusMerged       TipStatus = "merged"       // merged into another tip (tips.merged_into)
)

// Active reports whether a tip in status s is still being worked on.
func (s TipStatus) Active() bool { return s == StatusOpen || s == StatusAcknowledged }

// Outcome is why a tip was closed (column tips.outcome; DESIGN.md, responder actions).
type Outcome string

// Outcomes of a closed tip.
const (
	OutcomeReferred    Outcome = "referred"     // referred to NRM services
	OutcomeNoAction    Outcome = "no_action"    // nothing to do
	OutcomeDuplicate   Outcome = "duplicate"    // the same case as another tip
	OutcomeFalseReport Outcome = "false_report" // not true
)

// Outcomes lists every outcome, in the order menus show them.
var Outcomes = []Outcome{OutcomeReferred, OutcomeNoAction, OutcomeDuplicate, OutcomeFalseReport}

// ParseOutcome returns the outcome named s, or an error wrapping ErrInvalid.
func ParseOutcome(s string) (Outcome, error) {
	for _, o := range Outcomes {
		if string(o) == s {
			return o, nil
		}
	}
	return "", fmt.Errorf("outcome %q: %w", s, ErrInvalid)
}

// transitions lists, for each status, the statuses a tip may move to.
var transitions = map[TipStatus][]TipStatus{
	StatusOpen:         {StatusAcknowledged, StatusClosed, StatusSpam, StatusMerged},
	StatusAcknowledged: {StatusClosed, StatusSpam, StatusMerged},
	StatusClosed:       {StatusOpen}, // reopened by a supervisor or a new message
	StatusSpam:         {StatusOpen}, // a supervisor undoes a mistake
	StatusMerged:       {},
}

// CanMove reports whether a tip may go from status from to status to.
func CanMove(from, to TipStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}
