package hotline

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOwnPhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"+355 69 123 4567", "+355691234567"},
		{"069 123 4567", "+355691234567"},
		{"0691234567", "+355691234567"},
		{"(069) 123-45-67", "+355691234567"},
		{"+44 7700 900123", "+447700900123"},
		{"069 ABC 4567", ""}, // letters are not keypad digits here
		{"12", ""},
		{"", ""},
		{"+355", ""},
	} {
		got, err := ParseOwnPhone(tc.in)
		if got != tc.want || (tc.want == "") != errors.Is(err, ErrInvalid) {
			t.Errorf("ParseOwnPhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+355691234567": "+355••••••567",
		"+447700900123": "+44•••••••123",
		"+1":            "•••",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewPhoneCode(t *testing.T) {
	if code, err := NewPhoneCode(strings.NewReader(strings.Repeat("\x00", 64))); err != nil || code != "000000" {
		t.Errorf("code from zeros = %q, %v; want 000000 (leading zeros kept)", code, err)
	}
	code, err := NewPhoneCode(nil)
	if err != nil || len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Errorf("NewPhoneCode(nil) = %q, %v", code, err)
	}
}
