package sms

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/hotline-al/hotline/bot"
	"github.com/hotline-al/hotline/hotline"
	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
)

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
			if n, _ := hotline.SMSSegments(body); n > 3 {
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
		n, ucs2 := hotline.SMSSegments(b)
		fn, enc := faketwilio.Segments(b)
		if n != fn || ucs2 != (enc == faketwilio.EncodingUCS2) {
			t.Errorf("hotline.SMSSegments(%.30q…) = %d, %t; the fake Twilio says %d %s", b, n, ucs2, fn, enc)
		}
	}
}
