package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

func (c *Console) rosterPage(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	c.renderRoster(w, r, v, http.StatusOK, "")
}

// renderRoster shows who is on duty now and next and, to a viewer who may
// edit their county's roster, its rotations and overrides with forms;
// message is a catalogue key shown above them ("" for none).
func (c *Console) renderRoster(w http.ResponseWriter, r *http.Request, v hotline.Viewer, status int, message string) {
	ctx, now := r.Context(), c.Now()
	lines, err := c.Store.Roster(ctx, v, now)
	var plan postgres.DutyPlan
	if err == nil {
		plan, err = c.Store.DutyPlan(ctx, v, now)
	}
	if err == nil {
		err = c.Store.AuditView(ctx, v, "roster_view", nil, now)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	grant := hotline.Access(v, hotline.ActionEditRoster)
	var counties []hotline.County
	for _, county := range hotline.Counties {
		if grant.Allowed && (grant.County == "" || grant.County == county.Code) {
			counties = append(counties, county)
		}
	}
	var roles []hotline.Role
	for _, role := range hotline.Roles {
		if !role.National() || grant.County == "" {
			roles = append(roles, role)
		}
	}
	c.render(w, r, status, "roster", map[string]any{"Viewer": v, "Lines": lines, "Plan": plan,
		"CanEdit": grant.Allowed, "EditNational": grant.Allowed && grant.County == "", "Counties": counties, "Roles": roles,
		"Weekdays": []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "MemberSlots": make([]struct{}, 6),
		"Today": now.In(hotline.Tirane).Format(time.DateOnly), "Message": message})
}

// rosterEdit adds a rotation (POST /console/roster/rotations) or an
// override (POST /console/roster/overrides), removes a rotation (POST
// /console/roster/rotations/ID/remove) or cancels an override (POST
// /console/roster/overrides/ID/cancel). The store checks the viewer's
// county and writes the one audit row; a bad form shows the roster again
// with a message (400) and changes nothing.
func (c *Console) rosterEdit(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	ctx, now := r.Context(), c.Now()
	kind, action := r.PathValue("kind"), r.PathValue("action")
	var id int64
	if s := r.PathValue("id"); s != "" {
		var err error
		if id, err = strconv.ParseInt(s, 10, 64); err != nil {
			c.fail(w, r, hotline.ErrNotFound)
			return
		}
	}
	var err error
	switch {
	case kind == "rotations" && id == 0:
		var rot hotline.Rotation
		if rot, err = rotationForm(r); err == nil {
			_, err = c.Store.ConsoleAddRotation(ctx, v, rot, now)
		}
	case kind == "rotations" && action == "remove":
		err = c.Store.ConsoleRemoveRotation(ctx, v, id, now)
	case kind == "overrides" && id == 0:
		var o hotline.Override
		if o, err = overrideForm(r); err == nil {
			_, err = c.Store.ConsoleAddOverride(ctx, v, o, now)
		}
	case kind == "overrides" && action == "cancel":
		err = c.Store.ConsoleCancelOverride(ctx, v, id, now)
	default:
		err = hotline.ErrNotFound
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/console/roster", http.StatusSeeOther)
	case errors.Is(err, hotline.ErrInvalid):
		c.renderRoster(w, r, v, http.StatusBadRequest, "roster_invalid")
	case errors.Is(err, hotline.ErrConflict):
		c.renderRoster(w, r, v, http.StatusConflict, "roster_name_taken")
	default:
		c.fail(w, r, err)
	}
}

// rotationForm reads a rotation: name, role, county ("" for national
// roles), weekday ("mon"…), time ("08:00", Europe/Tirane), from (a date of
// the first week: the first handover is the last on or before it) and
// member (responder ids, in turn order; empty ones skipped). Errors wrap
// hotline.ErrInvalid.
func rotationForm(r *http.Request) (hotline.Rotation, error) {
	rot := hotline.Rotation{Name: strings.TrimSpace(r.PostFormValue("name")), County: r.PostFormValue("county")}
	role, err := hotline.ParseRole(r.PostFormValue("role"))
	if err != nil || rot.Name == "" {
		return rot, hotline.ErrInvalid
	}
	rot.Role = role
	day, minute, err := hotline.ParseHandover(r.PostFormValue("weekday") + " " + r.PostFormValue("time"))
	if err != nil {
		return rot, err
	}
	from, err := time.ParseInLocation(time.DateOnly, r.PostFormValue("from"), hotline.Tirane)
	if err != nil {
		return rot, hotline.ErrInvalid
	}
	// In force from the week that contains from: the first handover is the
	// last one on or before that day, so a rotation added "from today" puts
	// its first member on duty at once, not at the next handover.
	rot.FirstHandover, rot.HandoverMinute = hotline.FirstHandoverOnOrAfter(from.AddDate(0, 0, -6), day), minute
	for _, s := range r.PostForm["member"] {
		if s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return rot, hotline.ErrInvalid
		}
		rot.Members = append(rot.Members, id)
	}
	return rot, nil
}

// overrideForm reads an override: covering and covered (responder ids),
// from and to (local "YYYY-MM-DDTHH:MM" in Europe/Tirane, as a
// datetime-local input sends them). Errors wrap hotline.ErrInvalid.
func overrideForm(r *http.Request) (hotline.Override, error) {
	var o hotline.Override
	var err1, err2, err3, err4 error
	o.CoveringID, err1 = strconv.ParseInt(r.PostFormValue("covering"), 10, 64)
	o.CoveredID, err2 = strconv.ParseInt(r.PostFormValue("covered"), 10, 64)
	o.Start, err3 = time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("from"), hotline.Tirane)
	o.End, err4 = time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("to"), hotline.Tirane)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return o, hotline.ErrInvalid
	}
	return o, nil
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
