package console

import (
	"net/http"
	"strings"

	"github.com/hotline-al/hotline/hotline"
)

// callData fills the call page's form: the operator's account of the call and
// the classification, first as the classifier suggests it.
func (c *Console) callData(v hotline.Viewer, text, number, lang string, cl hotline.Classification, suggested bool) map[string]any {
	forms := map[string]bool{}
	for _, f := range cl.Exploitation {
		forms[f] = true
	}
	return map[string]any{"Viewer": v, "Text": text, "Number": number, "CallLang": lang, "C": cl.Normalized(), "Forms": forms,
		"Suggested": suggested, "Levels": hotline.Levels, "Counties": hotline.Counties, "Intakes": hotline.IntakePrecedence,
		"Exploitations": hotline.Exploitations}
}

func (c *Console) callPage(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	if !hotline.Access(v, hotline.ActionRecordCall).Allowed {
		c.fail(w, r, hotline.ErrUnauthorized)
		return
	}
	c.render(w, r, http.StatusOK, "call", c.callData(v, "", "", "sq", hotline.Classification{}, false))
}

// suggestCall shows the classifier's suggestion for the operator's account,
// for the operator to confirm or correct.
func (c *Console) suggestCall(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	if !hotline.Access(v, hotline.ActionRecordCall).Allowed || c.Classifier == nil {
		c.fail(w, r, hotline.ErrUnauthorized)
		return
	}
	text := r.PostFormValue("text")
	c.render(w, r, http.StatusOK, "call", c.callData(v, text, r.PostFormValue("number"), r.PostFormValue("language"), c.Classifier.Classify(text), true))
}

// recordCall stores the call as a tip with the confirmed classification and
// hands it to routing at once.
func (c *Console) recordCall(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, hotline.ErrInvalid)
		return
	}
	f := r.PostForm
	cl := hotline.Classification{Level: hotline.Level(f.Get("level")), County: f.Get("county"), Municipality: strings.TrimSpace(f.Get("municipality")),
		Intake: f.Get("intake"), Child: f.Get("child") == "on", DangerNow: f.Get("danger_now") == "on", Exploitation: f["exploitation"],
		Reasons: []string{"confirmed by the operator"}}
	// Complicity the classifier finds sticks, whatever intake the operator confirms.
	cl.OfficialComplicity = c.Classifier != nil && c.Classifier.Classify(f.Get("text")).Complicity()
	if cty, err := hotline.CountyByCode(cl.County); err == nil && cl.Municipality != "" {
		known := false
		for _, m := range cty.Municipalities {
			known = known || m == cl.Municipality
		}
		if !known {
			cl.Municipality = ""
		}
	}
	rc, err := c.Store.RecordCall(r.Context(), v, hotline.Call{Text: f.Get("text"), Number: f.Get("number"), Language: f.Get("language"), Classification: cl}, c.Now())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if c.Routed != nil {
		if err := c.Routed(r.Context(), rc); err != nil {
			c.Log.Warn("console call: routing deferred to the sweeper", "tip", rc.ReferenceCode, "err", err)
		}
	}
	if hotline.Access(v, hotline.ActionView).Covers(rc.County, cl.Complicity()) {
		http.Redirect(w, r, "/console/tips/"+rc.ReferenceCode, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}
