package sms

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFitBody(t *testing.T) {
	hint := "\nPërgjigju OK K7Q-4MP për ta pranuar."
	for _, tc := range []struct {
		name, body string
		cut        bool
	}{
		{"short", "P1 · Tiranë · K7Q-4MP\n\nNdihmë", false},
		{"exactly fits", strings.Repeat("ë", MaxBody-utf8.RuneCountInString(hint)), false},
		{"too long", strings.Repeat("ë", 2000), true},
	} {
		got := fitBody(tc.body, hint)
		if n := utf8.RuneCountInString(got); n > MaxBody {
			t.Errorf("%s: %d characters, over %d", tc.name, n, MaxBody)
		}
		if !strings.HasSuffix(got, hint) {
			t.Errorf("%s: the acknowledge hint was cut", tc.name)
		}
		if cut := strings.Contains(got, "…"); cut != tc.cut || !tc.cut && got != tc.body+hint {
			t.Errorf("%s: cut = %v, want %v", tc.name, cut, tc.cut)
		}
	}
}
