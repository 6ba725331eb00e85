package hotline

import (
	"fmt"
	"strings"
	"time"
)

// Person is someone a tip concerns, as a responder records them in the
// console: the fields the national strategy's statistics count.
type Person struct {
	ID  int64
	Sex string // female, male, unknown
	// AgeGroup is child (under 18), adult or unknown.
	AgeGroup string
	// Nationality is an ISO 3166-1 alpha-2 code ("AL"), "" when unknown.
	Nationality string
	// Status is unknown, potential_victim or presumed_victim: never more
	// ("identified victim" is decided outside this system).
	Status string
	// Exploitation is a form of exploitation (ExploitationSexual…) or "".
	Exploitation string
	RecordedBy   string // the responder's name
	CreatedAt    time.Time
}

// Values a Person's fields take.
var (
	Sexes          = []string{"female", "male", "unknown"}
	AgeGroups      = []string{"child", "adult", "unknown"}
	PersonStatuses = []string{"unknown", "potential_victim", "presumed_victim"}
	Exploitations  = []string{ExploitationSexual, ExploitationLabour, ExploitationBegging, ExploitationServitude,
		ExploitationOrganRemoval, ExploitationOther}
)

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// Validate checks a person's fields and returns p normalised (nationality
// upper-cased), or an error wrapping ErrInvalid.
func (p Person) Validate() (Person, error) {
	p.Nationality = strings.ToUpper(strings.TrimSpace(p.Nationality))
	switch {
	case !oneOf(p.Sex, Sexes):
		return p, fmt.Errorf("sex %q: %w", p.Sex, ErrInvalid)
	case !oneOf(p.AgeGroup, AgeGroups):
		return p, fmt.Errorf("age group %q: %w", p.AgeGroup, ErrInvalid)
	case !oneOf(p.Status, PersonStatuses):
		return p, fmt.Errorf("status %q: %w", p.Status, ErrInvalid)
	case p.Exploitation != "" && !oneOf(p.Exploitation, Exploitations):
		return p, fmt.Errorf("exploitation %q: %w", p.Exploitation, ErrInvalid)
	case p.Nationality != "" && (len(p.Nationality) != 2 || strings.Trim(p.Nationality, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != ""):
		return p, fmt.Errorf("nationality %q (two letters, ISO 3166-1): %w", p.Nationality, ErrInvalid)
	}
	return p, nil
}

// Call is a call to 0800 12 12 that an operator records as a tip: what the
// caller said (the operator's words), the classification the operator
// confirmed (the classifier suggests it), and the caller's number only when
// they agree to be contacted by SMS ("" otherwise). The number is sealed
// like any reporter contact and never shown.
type Call struct {
	Text           string
	Number         string
	Language       string // sq or en
	Classification Classification
}
