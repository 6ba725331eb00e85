package bot

import (
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/hotline-al/hotline/hotline"
)

func TestCatalogueHasEveryTextInEveryLanguage(t *testing.T) {
	c, err := NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for _, id := range []string{"first_reply", "added_to_tip", "empty_reply"} {
			got := c.Text(lang, id, map[string]any{"Code": "K7Q-4MP"})
			if got == id || !strings.Contains(got, "K7Q-4MP") {
				t.Errorf("%s/%s = %q", lang, id, got)
			}
			if id != "added_to_tip" {
				for _, number := range []string{"0800 12 12", "129", "112"} {
					if !strings.Contains(got, number) {
						t.Errorf("%s/%s lacks %s: %q", lang, id, number, got)
					}
				}
				if sensitive(got) {
					t.Errorf("%s/%s names trafficking (discreet SMS): %q", lang, id, got)
				}
			}
		}
	}
	if got := c.Text("sq", "ack_first", map[string]any{"Code": "K7Q-4MP"}); !strings.HasPrefix(got, "U pranua") {
		t.Errorf("responder text = %q", got)
	}
	if en, sq := c.Text("en", "first_reply", map[string]any{"Code": "X"}), c.Text("sq", "first_reply", map[string]any{"Code": "X"}); en == sq {
		t.Error("English and Albanian first replies are the same")
	}
}

func TestDetectLanguage(t *testing.T) {
	for _, tc := range []struct{ text, hint, want string }{
		{"Në Shkodër mbajnë një vajzë të mbyllur", "", "sq"},
		{"ne shkoder mbajne nje vajze", "", "sq"},
		{"There is a girl locked in a bar in Vlora, please help", "", "en"},
		{"help", "en", "en"},
		{"ndihmë", "", "sq"},
		{"", "en-GB", "en"},
		{"", "", "sq"},
	} {
		if got := DetectLanguage(tc.text, tc.hint); got != tc.want {
			t.Errorf("DetectLanguage(%q, %q) = %s, want %s", tc.text, tc.hint, got, tc.want)
		}
	}
}

func TestEveryRoleHasAnAlbanianName(t *testing.T) {
	c, err := NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range hotline.Roles {
		if got := c.Text("sq", "role_"+string(r), nil); got == "role_"+string(r) {
			t.Errorf("role %s has no Albanian name", r)
		}
	}
}

// Every text of the English catalogue exists in every reporter language
// (a new language file must be complete).
func TestEveryLanguageHasEveryText(t *testing.T) {
	c, err := NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := localeFS.ReadFile("locales/en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var en map[string]string
	if err := yaml.Unmarshal(raw, &en); err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		raw, err := localeFS.ReadFile("locales/" + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		var texts map[string]string
		if err := yaml.Unmarshal(raw, &texts); err != nil {
			t.Fatal(err)
		}
		for id := range en {
			if texts[id] == "" {
				t.Errorf("%s.yaml lacks %s", lang, id)
			}
			if got := c.Text(lang, id, map[string]any{"Code": "K7Q-4MP", "Place": "Tiranë"}); sensitive(got) {
				t.Errorf("%s/%s names trafficking (discreet SMS): %q", lang, id, got)
			}
		}
	}
}

func TestCatalogueRefusesAMessageDefinedTwice(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr bool
	}{
		{"distinct ids", fstest.MapFS{
			"l/sq.yaml":        {Data: []byte("a: \"A\"\n")},
			"l/roster.sq.yaml": {Data: []byte("b: \"B\"\n")},
			"l/en.yaml":        {Data: []byte("a: \"A\"\n")},
		}, false},
		{"same id in two files of one language", fstest.MapFS{
			"l/sq.yaml":        {Data: []byte("status_closed: \"u trajtua\"\n")},
			"l/roster.sq.yaml": {Data: []byte("status_closed: \"i mbyllur\"\n")},
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadCatalogue(tt.files, "l")
			if (err != nil) != tt.wantErr {
				t.Fatalf("loadCatalogue error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// The word for trafficking is found anywhere in a word, in any case, with
// or without diacritics, so a relay cannot slip past discreet SMS.
func TestSensitive(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"Jemi nga Sektori Antitrafik, a jeni e sigurt tani?", true},
		{"Our AntiTrafficking unit", true},
		{"policia kundërtrafikim", true},
		{"anti-trafik", true},
		{"TRAFIKIMI I QENIEVE NJERËZORE", true},
		{"trafíkim", true},
		{"Is this trafficking?", true},
		{"Are the girls from Albania?", false},
		{"A jeni e sigurt tani?", false},
		{"", false},
	} {
		if got := sensitive(tc.text); got != tc.want {
			t.Errorf("sensitive(%q) = %t, want %t", tc.text, got, tc.want)
		}
	}
}
