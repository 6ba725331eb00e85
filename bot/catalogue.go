package bot

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

//go:embed locales/*.yaml
var localeFS embed.FS

// Languages are the reporter languages hotline speaks. Adding one is adding
// locales/<tag>.yaml with every key of en.yaml (see docs/i18n.md).
var Languages = []string{"sq", "en"}

// Catalogue holds the user-facing texts of every language (go-i18n, YAML
// files in locales/). Reporter texts come from <lang>.yaml, responder texts
// from responder.sq.yaml (responders read Albanian).
type Catalogue struct {
	bundle *i18n.Bundle
}

// NewCatalogue loads the embedded catalogues. A message id defined twice for
// one language (in two files, e.g. after a merge) is an error: go-i18n would
// silently keep one of them.
func NewCatalogue() (*Catalogue, error) { return loadCatalogue(localeFS, "locales") }

// loadCatalogue loads every *.yaml file of dir in fsys; the language is the
// last dot-separated part of the name before .yaml (responder.sq.yaml → sq).
func loadCatalogue(fsys fs.FS, dir string) (*Catalogue, error) {
	b := i18n.NewBundle(language.Albanian)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read catalogues: %w", err)
	}
	seen := map[string]string{} // language + "\x00" + id → file
	for _, e := range entries {
		name := e.Name()
		data, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read catalogue %s: %w", name, err)
		}
		var ids map[string]any
		if err := yaml.Unmarshal(data, &ids); err != nil {
			return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
		}
		parts := strings.Split(strings.TrimSuffix(name, ".yaml"), ".")
		lang := parts[len(parts)-1]
		for id := range ids {
			if other, ok := seen[lang+"\x00"+id]; ok {
				return nil, fmt.Errorf("catalogue %s: message %q of language %s is also in %s", name, id, lang, other)
			}
			seen[lang+"\x00"+id] = name
		}
		// go-i18n takes the language from the file name: responder.sq.yaml → sq.
		if _, err := b.ParseMessageFileBytes(data, name); err != nil {
			return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
		}
	}
	return &Catalogue{bundle: b}, nil
}

// Text returns message id in lang with data filled in. A missing id is a
// programming error caught by tests; it returns the id itself.
func (c *Catalogue) Text(lang, id string, data map[string]any) string {
	s, err := i18n.NewLocalizer(c.bundle, lang, "sq").Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// DetectLanguage guesses "sq" or "en" from a message, with the channel's
// hint (Telegram language_code) breaking ties. Albanian is the default.
func DetectLanguage(text, hint string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r == 'ë' || r == 'ç')
	})
	sq, en := 0, 0
	for _, w := range words {
		switch w {
		case "the", "and", "is", "are", "my", "help", "please", "she", "he", "they", "in", "at", "from",
			"i", "we", "you", "with", "hi", "hello", "hey", "question", "report", "work", "job", "girl", "boy", "not", "what", "where", "there", "of":
			en++
		case "në", "ne", "dhe", "një", "nje", "është", "eshte", "nuk", "më", "me", "për", "per", "ndihmë", "ndihme",
			"vajzë", "vajze", "djalë", "djale", "punë", "pune", "jam", "ka", "kanë", "kane", "tani", "ku", "si", "te", "që", "qe":
			sq++
		}
		if strings.ContainsAny(w, "ëç") {
			sq++
		}
	}
	hint = strings.ToLower(hint)
	switch {
	case en > sq:
		return "en"
	case sq > en:
		return "sq"
	case strings.HasPrefix(hint, "en"):
		return "en"
	}
	return "sq"
}
