package hotline

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" = refused
	}{
		{"+355691234567", "+355691234567"},
		{"+355 69 123 4567", "+355691234567"},
		{"+355-69-123-4567", "+355691234567"},
		{"+355.69.123.4567", "+355691234567"},
		{"+355 (69) 123 4567", "+355691234567"},
		{"+35569abc", ""},         // letters would be mapped to 222
		{"+3556912345O7", ""},     // a letter O for a zero
		{"+355691234567 ext", ""}, // words
		{"355691234567", ""},      // no +
		{"+355/69/1234567", ""},   // other separators
		{"++355691234567", ""},
		{"+", ""},
		{"+3556", ""}, // not a possible number
	} {
		got, err := NormalizePhone(tc.in)
		if tc.want == "" {
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.HasSuffix(err.Error(), "is not an E.164 number") {
				t.Errorf("NormalizePhone(%q) = %q, %v; want an ErrInvalid saying it is not an E.164 number", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseRosterRefusesABadPhone(t *testing.T) {
	csv := "name,role,county,telegram_chat_id,phone,shift_start,shift_end\n" +
		"Arben Hoxha,police,AL-10,,+355691234567,,\n" +
		"Mira Leka,social_worker,AL-10,,+35569abc,,\n"
	entries, err := ParseRoster(strings.NewReader(csv))
	if want := `line 3: phone "+35569abc" is not an E.164 number`; err == nil || err.Error() != want || !errors.Is(err, ErrInvalid) {
		t.Fatalf("ParseRoster = %v, %v; want error %q", entries, err, want)
	}
}
