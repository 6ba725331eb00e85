package telegram

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// Long texts (a relayed message, a long tip in an alert) are cut on rune
// boundaries within Telegram's limit counted in UTF-16 units, and lose nothing.
func TestSplitKeepsRunesWithinTheLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		max  int
	}{
		{"albanian", strings.Repeat("Vajza është në Korçë, çdo ditë punon. ", 300), MaxMessageLength - 96},
		{"emoji", strings.Repeat("😀ë", 5000), MaxMessageLength - 96},
		{"no spaces", strings.Repeat("ë", 9000), MaxMessageLength - 96},
		{"caption", strings.Repeat("fjalë ", 400), 1024},
		{"short", "ndihmë", MaxMessageLength - 96},
	} {
		parts := Split(tc.text, tc.max)
		if strings.Join(parts, "") != tc.text {
			t.Errorf("%s: parts do not join to the text", tc.name)
		}
		for i, p := range parts {
			if n := len(utf16.Encode([]rune(p))); n > tc.max || !utf8.ValidString(p) || p == "" {
				t.Errorf("%s: part %d has %d UTF-16 units (max %d), valid %t", tc.name, i, n, tc.max, utf8.ValidString(p))
			}
		}
	}
}
