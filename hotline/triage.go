package hotline

import "time"

// Level is a triage level, "P1" (most urgent) … "P4". See DESIGN.md.
type Level string

// Triage levels.
const (
	LevelP1 Level = "P1" // danger now, self-identification, child at risk, threat to a victim-witness
	LevelP2 Level = "P2" // ongoing exploitation, no danger now stated
	LevelP3 Level = "P3" // recruiters, ads, places, past events: county queue and morning digest
	LevelP4 Level = "P4" // questions, information requests, spam, tests: the bot answers
)

// Levels lists the levels from most to least urgent.
var Levels = []Level{LevelP1, LevelP2, LevelP3, LevelP4}

// Valid reports whether l is one of P1…P4.
func (l Level) Valid() bool {
	switch l {
	case LevelP1, LevelP2, LevelP3, LevelP4:
		return true
	}
	return false
}

// Alerted reports whether tips at this level alert responders at once (P1, P2).
func (l Level) Alerted() bool { return l == LevelP1 || l == LevelP2 }

// AcknowledgeWithin is how long an alert at this level waits for an
// acknowledgement before escalating: escalateAfter for P1, 4× for P2, zero
// (never escalates) for P3 and P4.
func (l Level) AcknowledgeWithin(escalateAfter time.Duration) time.Duration {
	switch l {
	case LevelP1:
		return escalateAfter
	case LevelP2:
		return 4 * escalateAfter
	}
	return 0
}

// Intake values: what kind of contact a tip is. When several apply, the
// first in IntakePrecedence wins.
const (
	IntakeWitnessThreat      = "witness_threat"
	IntakeOfficialComplicity = "official_complicity"
	IntakeSelfIdentification = "self_identification"
	IntakeAbroad             = "abroad"
	IntakeThirdParty         = "third_party"
	IntakeInformationRequest = "information_request"
	IntakeOther              = "other"
)

// IntakePrecedence orders intake values, strongest first.
var IntakePrecedence = []string{
	IntakeWitnessThreat, IntakeOfficialComplicity, IntakeSelfIdentification,
	IntakeAbroad, IntakeThirdParty, IntakeInformationRequest, IntakeOther,
}

// Forms of exploitation (GLOSSARY.md).
const (
	ExploitationSexual       = "sexual"
	ExploitationLabour       = "labour"
	ExploitationBegging      = "begging"
	ExploitationServitude    = "servitude"
	ExploitationOrganRemoval = "organ_removal"
	ExploitationOther        = "other"
)

// Scope values: where the exploitation happens.
const (
	ScopeInternal      = "internal"
	ScopeInternational = "international"
	ScopeUnknown       = "unknown"
)

// Classification is the triage result for a tip (all its messages so far).
// Its JSON form is the one `hotline triage classify` prints: every field is
// always present, strings "" when unknown, lists [] when empty.
type Classification struct {
	Level          Level    `json:"level"`
	Intake         string   `json:"intake"`
	Exploitation   []string `json:"exploitation"`
	Child          bool     `json:"child"`
	DangerNow      bool     `json:"danger_now"`
	County         string   `json:"county"`          // ISO 3166-2:AL code or ""
	Municipality   string   `json:"municipality"`    // as GLOSSARY.md writes it, or ""
	BorderCrossing string   `json:"border_crossing"` // as GLOSSARY.md writes it, or ""
	Scope          string   `json:"scope"`           // internal, international or unknown
	Reasons        []string `json:"reasons"`         // the rules that fired
	// OfficialComplicity is true when the classification found official
	// complicity, even if a stronger intake (witness_threat) won. It is not
	// part of the printed JSON; the store keeps it on the tip
	// (tips.official_complicity) and never clears it by itself.
	OfficialComplicity bool `json:"-"`
}

// Complicity reports whether the tip must be handled as official
// complicity (DESIGN.md routing rule 1, the console's access rule): the
// complicity flag is set or the intake is official_complicity.
func (c Classification) Complicity() bool {
	return c.OfficialComplicity || c.Intake == IntakeOfficialComplicity
}

// Normalized returns c with nil lists replaced by empty ones and an empty
// scope set to "unknown", ready to print or store.
func (c Classification) Normalized() Classification {
	if c.Exploitation == nil {
		c.Exploitation = []string{}
	}
	if c.Reasons == nil {
		c.Reasons = []string{}
	}
	if c.Scope == "" {
		c.Scope = ScopeUnknown
	}
	if c.Intake == "" {
		c.Intake = IntakeOther
	}
	if !c.Level.Valid() {
		c.Level = LevelP4
	}
	return c
}

// Classifier classifies the whole text of a tip. Implementations are pure
// and safe for concurrent use.
type Classifier interface {
	Classify(text string) Classification
}
