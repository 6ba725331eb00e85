package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// queueLimit is the most tips one queue page lists.
const queueLimit = 500

func (c *Console) queueData(r *http.Request, v hotline.Viewer) (map[string]any, error) {
	q := r.URL.Query()
	f := postgres.QueueFilter{County: q.Get("county"), Municipality: q.Get("municipality"), Intake: q.Get("intake"),
		Exploitation: q.Get("exploitation"), Child: q.Get("child"), Level: q.Get("level")}
	tips, err := c.Store.Queue(r.Context(), v, f, queueLimit)
	if err != nil {
		return nil, err
	}
	now := c.Now()
	ages := map[string]string{}
	for _, t := range tips {
		ages[t.ReferenceCode] = Age(now.Sub(t.CreatedAt))
	}
	// The oldest unacknowledged P1 shows whatever the filters hide.
	oldest, unacknowledged, found, err := c.Store.UnacknowledgedP1(r.Context(), v)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Viewer": v, "Tips": tips, "Ages": ages, "Filter": f,
		"National": v.County == "", "Counties": hotline.Counties, "Levels": hotline.Levels,
		"Intakes": hotline.IntakePrecedence, "Exploitations": hotline.Exploitations}
	if found {
		data["OldestP1"], data["OldestP1Age"], data["Alarm"] = oldest, Age(now.Sub(oldest.CreatedAt)), true
		data["UnacknowledgedP1"] = unacknowledged
	}
	county := v.County
	if county == "" {
		county = f.County
	}
	if cty, err := hotline.CountyByCode(county); err == nil {
		data["Municipalities"] = cty.Municipalities
	} else {
		var all []string
		for _, cty := range hotline.Counties {
			all = append(all, cty.Municipalities...)
		}
		data["Municipalities"] = all
	}
	return data, nil
}

// queuePage is the queue; each load is audited with its filters (the
// refreshes of live updates are not: they show what the page already shows).
func (c *Console) queuePage(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	data, err := c.queueData(r, v)
	if err == nil {
		err = c.Store.AuditView(r.Context(), v, "queue_view", map[string]any{"filter": r.URL.RawQuery}, c.Now())
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "queue", data)
}

// queueFragment is the queue table alone, which the page fetches when the
// live-update stream says the queue changed.
func (c *Console) queueFragment(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	data, err := c.queueData(r, v)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	data["Block"] = "queue_table"
	c.render(w, r, http.StatusOK, "queue", data)
}

// events is the live-update stream (server-sent events): "queue" when the
// viewer's queue changed, "signed_out" when the session ended. It checks the
// session at every poll without moving its idle deadline, so an open stream
// does not keep an idle session alive.
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.viewer(r, false); !ok {
		http.Error(w, "sign in again", http.StatusUnauthorized)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event, data string) bool {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	last := ""
	tick := time.NewTicker(c.PollInterval)
	defer tick.Stop()
	for {
		v, ok := c.viewer(r, false) // again each time: a changed role or county applies at once
		if !ok {
			send("signed_out", "")
			return
		}
		version, err := c.Store.QueueVersion(r.Context(), v)
		if err != nil {
			if r.Context().Err() == nil {
				c.Log.Error("console events", "err", err)
			}
			return
		}
		if version != last {
			if last != "" && !send("queue", version) {
				return
			}
			last = version
		}
		if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
