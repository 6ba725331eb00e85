package console

import (
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotline-al/hotline/hotline"
)

// TestCataloguesHaveTheSameKeys: every console text exists in every language.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	keys := map[string][]string{}
	for _, lang := range Languages {
		data, err := localeFS.ReadFile("locales/" + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for k := range m {
			keys[lang] = append(keys[lang], k)
		}
		slices.Sort(keys[lang])
	}
	if !slices.Equal(keys["sq"], keys["en"]) {
		t.Fatalf("catalogues differ:\nsq %v\nen %v", keys["sq"], keys["en"])
	}
	cat, err := newCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, r := range hotline.Roles {
		values = append(values, string(r))
	}
	values = append(values, hotline.IntakePrecedence...)
	values = append(values, hotline.Exploitations...)
	values = append(values, hotline.Sexes...)
	values = append(values, hotline.AgeGroups...)
	values = append(values, hotline.PersonStatuses...)
	for _, lang := range Languages {
		for _, v := range values {
			if cat.text(lang, "v_"+v, nil) == "v_"+v {
				t.Errorf("%s: no words for the value %q (key v_%s)", lang, v, v)
			}
		}
	}
	if _, err := parsePages(); err != nil {
		t.Fatal(err)
	}
}
