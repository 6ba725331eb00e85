package hotline

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// RosterHeader is the header row of a roster file (DESIGN.md).
var RosterHeader = []string{"name", "role", "county", "telegram_chat_id", "phone", "shift_start", "shift_end"}

// RosterEntry is one row of a roster file: one shift (or "always on duty")
// of one responder, identified by (Name, Role, County).
type RosterEntry struct {
	Line           int // 1-based line number in the file, for messages
	Name           string
	Role           Role
	County         string // ISO code; "" for national roles
	TelegramChatID int64  // 0 = none
	Phone          string // E.164, "" = none
	Shift          *Shift // nil = always on duty
}

// Key identifies the responder of an entry.
func (e RosterEntry) Key() string { return e.Name + "\x00" + string(e.Role) + "\x00" + e.County }

// ParseRoster reads a roster file: CSV, UTF-8, comma-separated, header row,
// an optional byte-order mark. It returns every entry, or the first problem
// as "line N: reason" wrapping ErrInvalid (nothing of a bad file is used).
func ParseRoster(r io.Reader) ([]RosterEntry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: cannot read header: %v: %w", err, ErrInvalid)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(header[i]))
	}
	if strings.Join(header, ",") != strings.Join(RosterHeader, ",") {
		return nil, fmt.Errorf("line 1: header must be %s: %w", strings.Join(RosterHeader, ","), ErrInvalid)
	}
	var out []RosterEntry
	seen := map[string]RosterEntry{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, fmt.Errorf("line %d: %v: %w", line, err, ErrInvalid)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		e, err := parseRosterRecord(rec)
		if errors.Is(err, ErrInvalid) {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v: %w", line, err, ErrInvalid)
		}
		e.Line = line
		if prev, ok := seen[e.Key()]; ok {
			if prev.TelegramChatID != e.TelegramChatID || prev.Phone != e.Phone {
				return nil, fmt.Errorf("line %d: contacts of %s differ from line %d: %w", line, e.Name, prev.Line, ErrInvalid)
			}
		} else {
			seen[e.Key()] = e
		}
		out = append(out, e)
	}
	return out, nil
}

func parseRosterRecord(rec []string) (RosterEntry, error) {
	if len(rec) != len(RosterHeader) {
		return RosterEntry{}, fmt.Errorf("%d fields, want %d", len(rec), len(RosterHeader))
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	e := RosterEntry{Name: rec[0]}
	if e.Name == "" {
		return e, errors.New("name is empty")
	}
	role, err := ParseRole(rec[1])
	if err != nil {
		return e, fmt.Errorf("unknown role %q", rec[1])
	}
	e.Role = role
	switch {
	case role.National() && rec[2] != "":
		return e, fmt.Errorf("role %s is national: county must be empty", role)
	case !role.National() && rec[2] == "":
		return e, fmt.Errorf("role %s needs a county", role)
	case rec[2] != "":
		c, err := ParseCounty(rec[2])
		if err != nil {
			return e, fmt.Errorf("unknown county %q", rec[2])
		}
		e.County = c.Code
	}
	if rec[3] != "" {
		id, err := strconv.ParseInt(rec[3], 10, 64)
		if err != nil || id == 0 {
			return e, fmt.Errorf("telegram_chat_id %q is not a chat id", rec[3])
		}
		e.TelegramChatID = id
	}
	if rec[4] != "" {
		p, err := NormalizePhone(rec[4])
		if err != nil {
			return e, err
		}
		e.Phone = p
	}
	if e.TelegramChatID == 0 && e.Phone == "" {
		return e, errors.New("needs telegram_chat_id or phone")
	}
	switch {
	case rec[5] == "" && rec[6] == "":
	case rec[5] == "" || rec[6] == "":
		return e, errors.New("shift_start and shift_end go together")
	default:
		start, err := time.Parse(time.RFC3339, rec[5])
		if err != nil {
			return e, fmt.Errorf("shift_start %q is not RFC 3339", rec[5])
		}
		end, err := time.Parse(time.RFC3339, rec[6])
		if err != nil {
			return e, fmt.Errorf("shift_end %q is not RFC 3339", rec[6])
		}
		if !end.After(start) {
			return e, errors.New("shift_end must be after shift_start")
		}
		e.Shift = &Shift{Start: start.UTC(), End: end.UTC()}
	}
	return e, nil
}

// NormalizePhone checks that s is an E.164 number ("+355691234567") that
// libphonenumber considers possible and returns it in E.164, or an error
// that is ErrInvalid and reads `phone "s" is not an E.164 number`. Besides
// the leading "+" and digits, only spaces, dashes, dots and parentheses may
// separate the digits: letters (which libphonenumber would map to digits,
// as on a keypad) are refused.
func NormalizePhone(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, "+")
	if !ok || !digitsAndSeparators(rest) {
		return "", phoneError(s)
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", phoneError(s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// digitsAndSeparators reports whether s holds only digits and the
// separators people type in phone numbers (spaces, dashes, dots,
// parentheses).
func digitsAndSeparators(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool {
		return r >= '0' && r <= '9' || strings.ContainsRune(" -.()", r)
	}) == ""
}

// phoneError is NormalizePhone's error for the phone number it holds.
type phoneError string

func (e phoneError) Error() string { return fmt.Sprintf("phone %q is not an E.164 number", string(e)) }

// Is makes a phoneError an ErrInvalid.
func (e phoneError) Is(target error) bool { return target == ErrInvalid }

// RosterSummary counts what an import changed.
type RosterSummary struct {
	Added, Updated, Unchanged, Deactivated int
}
