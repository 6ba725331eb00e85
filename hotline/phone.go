package hotline

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// A phone number a responder adds themselves is verified before alerts rely
// on it: a one-time code goes to it by SMS and must come back in Telegram.
const (
	// OutboxPhoneVerification is the SMS that carries the code to the
	// number being verified (never to the responder's current phone, never
	// by Telegram: a fallback would prove nothing).
	OutboxPhoneVerification OutboxKind = "phone_verification"
	// PhoneCodeTTL is how long a phone verification code is valid.
	PhoneCodeTTL = 15 * time.Minute
	// PhoneCodeAttempts is how many wrong codes void a claim.
	PhoneCodeAttempts = 5
)

// PhoneVerification is what became of a code a responder sent back.
type PhoneVerification struct {
	Verified bool   // the number is now the responder's phone
	Phone    string // the number concerned, E.164 ("" when there was no claim)
	Wrong    bool   // a wrong code; AttemptsLeft more may be tried
	// AttemptsLeft is how many more codes may be tried after a wrong one.
	AttemptsLeft int
	Expired      bool // the code was older than PhoneCodeTTL, or wrong PhoneCodeAttempts times: ask for a new one
	NoClaim      bool // no number waits for verification
}

// ParseOwnPhone reads a phone number a responder types for themselves: E.164
// ("+355 69 123 4567") or the Albanian national form ("069 123 4567"), with
// only spaces, dashes, dots or parentheses between the digits. It returns
// E.164, or an error that is ErrInvalid.
func ParseOwnPhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "+") {
		return NormalizePhone(s)
	}
	if s == "" || !digitsAndSeparators(s) {
		return "", phoneError(s)
	}
	n, err := phonenumbers.Parse(s, "AL")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", phoneError(s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// MaskPhone shows an E.164 number with all but its country code and last
// three digits hidden ("+355•••••567"), for answers and logs.
func MaskPhone(e164 string) string {
	if len(e164) < 8 {
		return "•••"
	}
	n, err := phonenumbers.Parse(e164, "")
	prefix := e164[:4]
	if err == nil {
		prefix = fmt.Sprintf("+%d", n.GetCountryCode())
	}
	hidden := len(e164) - len(prefix) - 3
	return prefix + strings.Repeat("•", max(hidden, 1)) + e164[len(e164)-3:]
}

// NewPhoneCode returns a random 6-digit code, leading zeros kept, read from
// r (nil = crypto/rand).
func NewPhoneCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	n, err := rand.Int(r, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("phone code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}
