package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/hotline-al/hotline/hotline"
)

func (c *Console) tipPage(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	code, err := hotline.NormalizeReferenceCode(r.PathValue("code"))
	if err != nil {
		c.fail(w, r, fmt.Errorf("tip page: %w", hotline.ErrNotFound))
		return
	}
	d, err := c.Store.ConsoleTip(r.Context(), v, code, c.Now())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	can := map[string]bool{}
	for _, a := range hotline.Actions {
		can[string(a)] = hotline.Access(v, a).Covers(d.County, d.Complicity)
	}
	active := d.Status.Active()
	can["acknowledge"] = can["acknowledge"] && d.Status == hotline.StatusOpen
	can["close"] = can["close"] && hotline.CanMove(d.Status, hotline.StatusClosed)
	can["supervise"] = can["supervise"] && d.Status != hotline.StatusMerged
	can["relay"] = can["relay"] && c.Relay != nil
	data := map[string]any{"Viewer": v, "Tip": d, "Can": can, "Active": active, "Outcomes": hotline.Outcomes,
		"Sexes": hotline.Sexes, "AgeGroups": hotline.AgeGroups, "PersonStatuses": hotline.PersonStatuses,
		"Exploitations": hotline.Exploitations, "Levels": hotline.Levels, "Counties": hotline.Counties,
		"RelayKey": randomToken(16), "Relayed": relayedMessage(r.URL.Query().Get("relayed"))}
	if can["assign"] {
		if data["Owners"], err = c.Store.OwnerChoices(r.Context(), d.County, d.Complicity); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "tip", data)
}

// tipAction runs one of the tip page's forms, then shows the tip again.
func (c *Console) tipAction(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	code, err := hotline.NormalizeReferenceCode(r.PathValue("code"))
	if err != nil {
		c.fail(w, r, fmt.Errorf("tip action: %w", hotline.ErrNotFound))
		return
	}
	ctx, now := r.Context(), c.Now()
	switch r.PathValue("action") {
	case "acknowledge":
		err = c.Store.ConsoleAcknowledge(ctx, v, code, now)
	case "close":
		var outcome hotline.Outcome
		if outcome, err = hotline.ParseOutcome(r.PostFormValue("outcome")); err == nil {
			_, err = c.Store.ConsoleClose(ctx, v, code, outcome, now)
		}
	case "assign":
		var owner int64
		if owner, err = strconv.ParseInt(r.PostFormValue("owner"), 10, 64); err != nil {
			err = fmt.Errorf("owner: %w", hotline.ErrInvalid)
		} else {
			err = c.Store.AssignOwner(ctx, v, code, owner, now)
		}
	case "reference":
		err = c.Store.RecordReference(ctx, v, code, r.PostFormValue("reference"), now)
	case "note":
		err = c.Store.AddNote(ctx, v, code, r.PostFormValue("body"), now)
	case "person":
		err = c.Store.AddPerson(ctx, v, code, hotline.Person{Sex: r.PostFormValue("sex"), AgeGroup: r.PostFormValue("age_group"),
			Nationality: r.PostFormValue("nationality"), Status: r.PostFormValue("status"), Exploitation: r.PostFormValue("exploitation")}, now)
	case "level", "county", "merge", "spam":
		err = c.supervise(r, v, code, r.PathValue("action"))
		if err == nil && r.PathValue("action") == "county" {
			// The tip may have left the viewer's county: back to the queue.
			http.Redirect(w, r, "/console/", http.StatusSeeOther)
			return
		}
	case "relay":
		if c.Relay == nil {
			err = fmt.Errorf("relay: %w", hotline.ErrNotFound)
			break
		}
		var res hotline.RelayResult
		if res, err = c.Relay(ctx, v, r.PostFormValue("key"), code, r.PostFormValue("text")); err == nil {
			http.Redirect(w, r, "/console/tips/"+code+"?relayed="+relayOutcome(res)+"#relay", http.StatusSeeOther)
			return
		}
	default:
		err = fmt.Errorf("tip action %q: %w", r.PathValue("action"), hotline.ErrNotFound)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/tips/"+code, http.StatusSeeOther)
}
