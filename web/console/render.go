package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"

	"github.com/hotline-al/hotline/hotline"
)

//go:embed locales/*.yaml
var localeFS embed.FS

// Languages of the console; the first is the default.
var Languages = []string{"sq", "en"}

// catalogue holds the console's texts (go-i18n, locales/<lang>.yaml).
type catalogue struct{ bundle *i18n.Bundle }

func newCatalogue() (*catalogue, error) {
	b := i18n.NewBundle(language.Albanian)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, lang := range Languages {
		data, err := localeFS.ReadFile("locales/" + lang + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("console catalogue %s: %w", lang, err)
		}
		if _, err := b.ParseMessageFileBytes(data, lang+".yaml"); err != nil {
			return nil, fmt.Errorf("console catalogue %s: %w", lang, err)
		}
	}
	return &catalogue{bundle: b}, nil
}

// text returns message id in lang; a missing id (caught by tests) returns
// the id itself.
func (c *catalogue) text(lang, id string, data map[string]any) string {
	s, err := i18n.NewLocalizer(c.bundle, lang).Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// language is the request's console language: its cookie, else Albanian.
func requestLanguage(r *http.Request) string {
	if ck, err := r.Cookie(languageCookie); err == nil && ck.Value == "en" {
		return "en"
	}
	return "sq"
}

// Age renders a duration as people read it: 45s, 12m, 3h 5m, 2d 4h.
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

// pageNames are the templates in templates/, each a full page built on
// layout.html (fragment templates are defined inside them).
var pageNames = []string{"sign_in", "queue", "tip", "reports", "call", "roster", "audit", "error"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		// t and the other language-bound functions are replaced per request.
		"t":          func(string, ...any) string { return "" },
		"v":          func(any) string { return "" }, // a stored value (role, intake…) in words, else as is
		"countyName": hotline.CountyName,
		"fmtTime":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// render executes page name (template "layout", or block when data has a
// "Block" key) in the request's language and writes it with status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	lang := requestLanguage(r)
	t, err := c.pages[name].Clone()
	if err == nil {
		t = t.Funcs(template.FuncMap{"t": func(id string, kv ...any) string {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return c.catalogue.text(lang, id, m)
		}, "v": func(value any) string {
			raw := fmt.Sprint(value)
			if s := c.catalogue.text(lang, "v_"+raw, nil); s != "v_"+raw {
				return s
			}
			return raw
		}})
	}
	if data == nil {
		data = map[string]any{}
	}
	data["Lang"] = lang
	data["Training"], data["TrainingURL"] = c.Training, c.TrainingURL
	if v, ok := data["Viewer"].(hotline.Viewer); ok {
		data["CanReports"] = hotline.Access(v, hotline.ActionCount).Allowed
		data["CanRecordCall"] = hotline.Access(v, hotline.ActionRecordCall).Allowed
		data["CanRoster"] = hotline.Access(v, hotline.ActionRoster).Allowed
		data["CanAudit"] = hotline.Access(v, hotline.ActionAudit).Allowed
	}
	data["Path"] = r.URL.RequestURI()
	block := "layout"
	if b, ok := data["Block"].(string); ok {
		block = b
	}
	var buf bytes.Buffer
	if err == nil {
		err = t.ExecuteTemplate(&buf, block, data)
	}
	if err != nil {
		c.Log.Error("console render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
