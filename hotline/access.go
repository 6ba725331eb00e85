package hotline

// Action is something a console user does. Access decides, for a viewer and
// an action, which tips (if any) it may touch; every console query asks it.
type Action string

// Console actions.
const (
	ActionList        Action = "list"        // see a tip in the queue
	ActionView        Action = "view"        // open a tip: transcript, classification, timeline
	ActionCount       Action = "count"       // count tips in reports
	ActionExport      Action = "export"      // download reports as CSV
	ActionAcknowledge Action = "acknowledge" // acknowledge a tip
	ActionAssign      Action = "assign"      // assign a case owner
	ActionClose       Action = "close"       // close a tip with an outcome
	ActionRecord      Action = "record"      // notes, NRM/TIMS reference, persons concerned
	ActionSupervise   Action = "supervise"   // change level or county, merge, mark spam
	ActionRelay       Action = "relay"       // message the reporter through the bot's relay
	ActionRecordCall  Action = "record_call" // record a call to 0800 12 12 as a tip
	ActionRoster      Action = "roster"      // see who is on duty
	ActionEditRoster  Action = "edit_roster" // add or remove rotations and overrides
	ActionAudit       Action = "audit"       // read the audit log
)

// Actions lists every action, for tests and menus.
var Actions = []Action{ActionList, ActionView, ActionCount, ActionExport, ActionAcknowledge, ActionAssign,
	ActionClose, ActionRecord, ActionSupervise, ActionRelay, ActionRecordCall, ActionRoster, ActionEditRoster, ActionAudit}

// Viewer is a signed-in console user: a responder of the duty roster.
type Viewer struct {
	ResponderID int64
	Name        string
	Role        Role
	County      string // ISO 3166-2:AL code; "" for national roles
}

// Complicity says how a grant treats official-complicity tips.
type Complicity int

// Complicity rules.
const (
	WithoutComplicity Complicity = iota // official-complicity tips are hidden
	OnlyComplicity                      // only official-complicity tips
	AnyComplicity                       // both
)

// Grant is the answer of Access: whether the action is allowed and on which
// tips. The zero Grant allows nothing (access fails closed).
type Grant struct {
	Allowed bool
	// County limits the action to tips of this county; "" = every county
	// (tips of unknown county included).
	County     string
	Complicity Complicity
}

// Covers reports whether the grant reaches a tip of this county, with or
// without official complicity (the tip's flag, Classification.Complicity).
func (g Grant) Covers(county string, complicity bool) bool {
	if !g.Allowed {
		return false
	}
	if g.County != "" && g.County != county {
		return false
	}
	switch g.Complicity {
	case WithoutComplicity:
		return !complicity
	case OnlyComplicity:
		return complicity
	}
	return true
}

// roleActions lists what each role may do. County roles act on their county
// only; national roles on every county. Nobody but internal_control and
// national_desk reaches official-complicity tips. No action of any role shows
// reporter contact: the console never reads it.
var roleActions = map[Role][]Action{
	RolePolice:          {ActionList, ActionView, ActionAcknowledge, ActionClose, ActionRecord, ActionRelay, ActionRoster},
	RoleSocialWorker:    {ActionList, ActionView, ActionAcknowledge, ActionClose, ActionRecord, ActionRelay, ActionRoster},
	RoleChildProtection: {ActionList, ActionView, ActionAcknowledge, ActionClose, ActionRecord, ActionRelay, ActionRoster},
	RoleBorderPolice:    {ActionList, ActionView, ActionAcknowledge, ActionClose, ActionRecord, ActionRelay, ActionRoster},
	RoleCoordinator: {ActionList, ActionView, ActionCount, ActionExport, ActionAcknowledge, ActionAssign,
		ActionClose, ActionRecord, ActionSupervise, ActionRelay, ActionRoster, ActionEditRoster},
	RoleNationalDesk: Actions,
	RoleInternalControl: {ActionList, ActionView, ActionCount, ActionExport, ActionAcknowledge, ActionAssign,
		ActionClose, ActionRecord, ActionSupervise, ActionRelay, ActionRoster},
	RoleOperator: {ActionList, ActionView, ActionRecordCall, ActionRoster},
}

// Access is the console's one access rule: roles × counties × actions. It
// returns the zero Grant (nothing allowed) for an unknown role, an unknown
// action, or a county role without a valid county.
func Access(v Viewer, a Action) Grant {
	allowed := false
	for _, x := range roleActions[v.Role] {
		if x == a {
			allowed = true
		}
	}
	if !allowed {
		return Grant{}
	}
	g := Grant{Allowed: true}
	switch v.Role {
	case RoleNationalDesk:
		g.Complicity = AnyComplicity
	case RoleInternalControl:
		g.Complicity = OnlyComplicity
	case RoleOperator:
		g.Complicity = WithoutComplicity
	default:
		if _, err := CountyByCode(v.County); err != nil || v.County == "" {
			return Grant{}
		}
		g.County = v.County
	}
	return g
}
