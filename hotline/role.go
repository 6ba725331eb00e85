package hotline

import (
	"fmt"
	"time"
)

// Role is a responder's role in the duty roster (DESIGN.md, roster file).
type Role string

// Roles.
const (
	RolePolice          Role = "police"           // anti-trafficking officer of the county police
	RoleSocialWorker    Role = "social_worker"    // municipal social services
	RoleChildProtection Role = "child_protection" // Child Protection Unit
	RoleBorderPolice    Role = "border_police"    // Border and Migration Police
	RoleCoordinator     Role = "coordinator"      // the county's KRAT coordinator
	RoleNationalDesk    Role = "national_desk"    // Responsible Authority / ZKKA duty, national
	RoleInternalControl Role = "internal_control" // Internal Control Service, national
	RoleOperator        Role = "operator"         // answers the 0800 12 12 line, national
)

// Roles lists every role.
var Roles = []Role{RolePolice, RoleSocialWorker, RoleChildProtection, RoleBorderPolice,
	RoleCoordinator, RoleNationalDesk, RoleInternalControl, RoleOperator}

// ParseRole returns the role named s, or ErrInvalid.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("role %q: %w", s, ErrInvalid)
}

// National reports whether the role has national scope (no county).
func (r Role) National() bool {
	return r == RoleNationalDesk || r == RoleInternalControl || r == RoleOperator
}

// Channel is how a message reached hotline or leaves it.
type Channel string

// Channels.
const (
	ChannelSMS      Channel = "sms"
	ChannelTelegram Channel = "telegram"
	ChannelPhone    Channel = "phone" // a call to 0800 12 12 recorded by an operator
)

// Responder is a person on the duty roster: police officer, social worker,
// coordinator… Identified by (Name, Role, County). Responder contacts are not
// reporter contacts and may be shown to supervisors.
type Responder struct {
	ID             int64
	Name           string
	Role           Role
	County         string // ISO 3166-2:AL code; "" for national roles
	TelegramChatID int64  // 0 = none
	Phone          string // E.164, "" = none
	Active         bool
}

// Shift is a period of duty, [Start, End). A responder with no shifts is
// always on duty.
type Shift struct {
	Start, End time.Time
}

// Covers reports whether t falls within the shift.
func (s Shift) Covers(t time.Time) bool { return !t.Before(s.Start) && t.Before(s.End) }
