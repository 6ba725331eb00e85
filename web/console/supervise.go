package console

import (
	"net/http"

	"github.com/hotline-al/hotline/hotline"
)

// supervise runs a supervisor action of the tip page: level (form field
// level), county (county, municipality), merge (duplicate: the other tip's
// reference code, folded into this one), spam. The store checks the grant;
// the DB function it calls writes the one audit row.
func (c *Console) supervise(r *http.Request, v hotline.Viewer, code, action string) error {
	ctx, now := r.Context(), c.Now()
	switch action {
	case "level":
		return c.Store.ConsoleChangeLevel(ctx, v, code, hotline.Level(r.PostFormValue("level")), now)
	case "county":
		return c.Store.ConsoleMoveCounty(ctx, v, code, r.PostFormValue("county"), r.PostFormValue("municipality"), now)
	case "merge":
		duplicate, err := hotline.NormalizeReferenceCode(r.PostFormValue("duplicate"))
		if err != nil {
			return err
		}
		return c.Store.ConsoleMerge(ctx, v, code, duplicate, now)
	}
	return c.Store.ConsoleMarkSpam(ctx, v, code, now)
}

// relayOutcome names what became of a relayed message, for the page.
func relayOutcome(res hotline.RelayResult) string {
	switch {
	case res.Repeated:
		return "repeated"
	case res.Unreachable:
		return "unreachable"
	case res.Withheld:
		return "withheld"
	case res.Held:
		return "held"
	}
	return "sent"
}

// relayedMessage is the catalogue key of the notice for a relay outcome
// ("" for none or an unknown value).
func relayedMessage(outcome string) string {
	switch outcome {
	case "sent", "held", "withheld", "unreachable", "repeated":
		return "relayed_" + outcome
	}
	return ""
}
