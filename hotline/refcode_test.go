package hotline

import (
	"reflect"
	"strings"
	"testing"
)

func TestNewReferenceCode(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		code, err := NewReferenceCode(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != 7 || code[3] != '-' || !strings.ContainsAny(code, "23456789") {
			t.Fatalf("bad code %q", code)
		}
		if canon, err := NormalizeReferenceCode(code); err != nil || canon != code {
			t.Fatalf("code %q does not normalise to itself: %q %v", code, canon, err)
		}
		if got := FindReferenceCodes("kodi im " + strings.ToLower(strings.ReplaceAll(code, "-", "")) + ", faleminderit"); !reflect.DeepEqual(got, []string{code}) {
			t.Fatalf("FindReferenceCodes missed %q: %v", code, got)
		}
		seen[code] = true
	}
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct codes in 2000", len(seen))
	}
}

func TestFindReferenceCodes(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"K7Q-4MP", []string{"K7Q-4MP"}},
		{"kodi: k7q4mp.", []string{"K7Q-4MP"}},
		{"STATUS k7q-4mo", []string{"K7Q-4M0"}},                    // O → 0
		{"R K7Q-4MP edhe L1I-2AB", []string{"K7Q-4MP", "111-2AB"}}, // I, L → 1
		{"K7Q-4MP K7Q4MP", []string{"K7Q-4MP"}},
		{"punoja në Tiranë", nil},
		{"thanks", nil},
		{"+355690001234", nil},
		{"", nil},
	} {
		if got := FindReferenceCodes(tc.text); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("FindReferenceCodes(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestParseCounty(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"AL-10", "AL-10"}, {"al-10", "AL-10"}, {"Shkodër", "AL-10"}, {"Shkodra", "AL-10"}, {"shkoder", "AL-10"},
		{"Korça", "AL-06"}, {"korce", "AL-06"}, {"Durrësi", "AL-02"}, {"Tirane", "AL-11"}, {"Gjirokastra", "AL-05"},
	} {
		c, err := ParseCounty(tc.in)
		if err != nil || c.Code != tc.want {
			t.Errorf("ParseCounty(%q) = %v, %v; want %s", tc.in, c.Code, err, tc.want)
		}
	}
	if _, err := ParseCounty("Atlantis"); err == nil {
		t.Error("ParseCounty accepted Atlantis")
	}
}
