package sms

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/hotline-al/hotline/bot"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
)

func TestGSMAlphabetHas128Characters(t *testing.T) {
	// 3GPP TS 23.038: 128 code points, one of them the escape to the extension table.
	if n := utf8.RuneCountInString(gsmBasic); n != 128 {
		t.Fatalf("basic table has %d characters, want 128", n)
	}
	if n := len(gsmSeptets); n != 127+10 {
		t.Fatalf("table knows %d characters, want 137", n)
	}
}

func TestSegments(t *testing.T) {
	for _, tc := range []struct {
		body     string
		segments int
		ucs2     bool
	}{
		{"", 0, false},
		{"Hello", 1, false},
		{strings.Repeat("a", 160), 1, false},
		{strings.Repeat("a", 161), 2, false},
		{strings.Repeat("a", 306), 2, false},
		{strings.Repeat("a", 307), 3, false},
		{strings.Repeat("€", 80), 1, false}, // 160 septets: each € takes two
		{strings.Repeat("€", 81), 2, false}, // 162 septets
		{"Çé ùèò ÄÖÑÜ äöñü à ß", 1, false},  // in the default alphabet
		{"Faleminderit", 1, false},
		{"Ndihmë", 1, true}, // ë forces UCS-2
		{"ç", 1, true},      // only capital Ç is in GSM 03.38
		{strings.Repeat("ë", 70), 1, true},
		{strings.Repeat("ë", 71), 2, true},
		{strings.Repeat("ë", 201), 3, true},
		{strings.Repeat("ë", 202), 4, true},
		{"😀" + strings.Repeat("a", 68), 1, true}, // an emoji is two UTF-16 units
		{"😀" + strings.Repeat("a", 69), 2, true},
	} {
		n, ucs2 := Segments(tc.body)
		if n != tc.segments || ucs2 != tc.ucs2 {
			t.Errorf("Segments(%.20q…) = %d, %t; want %d, %t", tc.body, n, ucs2, tc.segments, tc.ucs2)
		}
	}
}

// The first reply a reporter gets by SMS fits in 3 segments in every
// language (phone credit; details come on request).
func TestFirstRepliesFitThreeSegments(t *testing.T) {
	c, err := bot.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range bot.Languages {
		for _, id := range []string{"first_reply", "self_first", "menu_sms", "empty_reply", "question_reply", "rights", "help", "delete_hint"} {
			body := c.Text(lang, id, map[string]any{"Code": "K7Q-4MP"})
			if n, _ := Segments(body); n > 3 {
				t.Errorf("%s/%s takes %d segments (%d characters): %q", lang, id, n, utf8.RuneCountInString(body), body)
			}
		}
	}
}

// The fake Twilio counts segments on its own (as Twilio bills them): both
// agree on every reporter text of every language.
func TestSegmentsAgreeWithTheFakeTwilio(t *testing.T) {
	c, err := bot.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile("../locales/en.yaml")
	var ids map[string]string
	if err := yaml.Unmarshal(raw, &ids); err != nil {
		t.Fatal(err)
	}
	bodies := []string{strings.Repeat("€[]", 70), "Ç ç", strings.Repeat("a", 153*3+1)}
	for _, lang := range bot.Languages {
		for id := range ids {
			bodies = append(bodies, c.Text(lang, id, map[string]any{"Code": "K7Q-4MP", "Place": "Korçë"}))
		}
	}
	for _, b := range bodies {
		n, ucs2 := Segments(b)
		fn, enc := faketwilio.Segments(b)
		if n != fn || ucs2 != (enc == faketwilio.EncodingUCS2) {
			t.Errorf("Segments(%.30q…) = %d, %t; the fake Twilio says %d %s", b, n, ucs2, fn, enc)
		}
	}
}
