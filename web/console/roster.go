package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

func (c *Console) rosterPage(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	lines, err := c.Store.Roster(r.Context(), v, c.Now())
	if err == nil {
		err = c.Store.AuditView(r.Context(), v, "roster_view", nil, c.Now())
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "roster", map[string]any{"Viewer": v, "Lines": lines})
}

// auditPage searches the audit log (national desk only).
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	f := r.URL.Query()
	q := postgres.AuditQuery{Actor: strings.TrimSpace(f.Get("actor")), Action: strings.TrimSpace(f.Get("action"))}
	if s := strings.TrimSpace(f.Get("code")); s != "" {
		code, err := hotline.NormalizeReferenceCode(s)
		if err != nil {
			c.fail(w, r, hotline.ErrInvalid)
			return
		}
		q.Code = code
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := f.Get(p.name); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				c.fail(w, r, hotline.ErrInvalid)
				return
			}
			*p.t = t
		}
	}
	entries, err := c.Store.AuditLog(r.Context(), v, q, 500, c.Now())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "audit", map[string]any{"Viewer": v, "Entries": entries, "Q": f})
}
