package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/web/console"
)

// TestSupervisorActionsAreAuditedOnce: change level, move county, merge and
// mark spam from the tip page, each refused to a responder of another
// county (404) and to a responder who may not supervise (403), each leaving
// exactly one audit row (written by the DB function, not the console).
func TestSupervisorActionsAreAuditedOnce(t *testing.T) {
	e := newEnv(t)
	main := receive(t, e, "SV1", "+355691120001", "Në Shkodër mbajnë një vajzë të mbyllur", p1Shkoder)
	p2 := hotline.Classification{Level: hotline.LevelP2, Intake: hotline.IntakeThirdParty, County: "AL-10"}
	duplicate := receive(t, e, "SV2", "+355691120002", "E njëjta vajzë në Shkodër", p2)
	junk := receive(t, e, "SV3", "+355691120003", "asdf", p2)
	other := e.browser(t)
	other.signIn("100000601", "Besa Police") // Tiranë
	arben := e.browser(t)
	arben.signIn("100000201", "Arben Hoxha") // Shkodër police: may not supervise
	gent := e.browser(t)
	gent.signIn("100000203", "Gent Coordinator") // Shkodër

	audits := func(code, action string) int {
		return e.count(t, `SELECT count(*) FROM audit_log a JOIN tips t ON t.id = a.tip_id WHERE t.reference_code = $1 AND a.action = $2`, code, action)
	}
	_, page := gent.do("GET", "/console/tips/"+main, nil)
	if !strings.Contains(page, `id="supervisor-actions"`) || !strings.Contains(page, `/console/tips/`+main+`/merge`) {
		t.Fatalf("coordinator's tip page lacks the supervisor forms:\n%s", page)
	}
	if _, page := arben.do("GET", "/console/tips/"+main, nil); strings.Contains(page, `id="supervisor-actions"`) {
		t.Error("a police officer sees the supervisor forms")
	}
	for _, step := range []struct {
		code, action, audit string
		form                url.Values
		check               string // SQL giving "ok" when the change is stored
	}{
		{main, "level", "change_level", url.Values{"level": {"P2"}}, `SELECT CASE WHEN level = 'P2' THEN 'ok' END FROM tips WHERE reference_code = $1`},
		{main, "county", "move_county", url.Values{"county": {"AL-10"}, "municipality": {"Pukë"}}, `SELECT CASE WHEN municipality = 'Pukë' THEN 'ok' END FROM tips WHERE reference_code = $1`},
		{main, "merge", "merge", url.Values{"duplicate": {strings.ToLower(duplicate)}}, ``},
		{junk, "spam", "mark_spam", url.Values{}, `SELECT CASE WHEN status = 'spam' THEN 'ok' END FROM tips WHERE reference_code = $1`},
	} {
		if status, _ := other.do("POST", "/console/tips/"+step.code+"/"+step.action, step.form); status != http.StatusNotFound {
			t.Errorf("%s by a responder of another county: %d, want 404", step.action, status)
		}
		if status, _ := arben.do("POST", "/console/tips/"+step.code+"/"+step.action, step.form); status != http.StatusForbidden {
			t.Errorf("%s by a police officer: %d, want 403", step.action, status)
		}
		for range 2 { // the second time changes nothing and audits nothing
			if status, page := gent.do("POST", "/console/tips/"+step.code+"/"+step.action, step.form); status != http.StatusSeeOther && !(step.action == "merge" && status == http.StatusConflict) {
				t.Fatalf("%s: %d\n%s", step.action, status, page)
			}
		}
		if got := audits(step.code, step.audit); got != 1 && step.action != "merge" {
			t.Errorf("%s: %d audit rows, want 1", step.action, got)
		}
		if step.check != "" {
			var ok *string
			if err := e.raw.QueryRow(context.Background(), step.check, step.code).Scan(&ok); err != nil || ok == nil {
				t.Errorf("%s not stored (%v)", step.action, err)
			}
		}
	}
	// A merge is audited on the duplicate, once.
	if got := audits(duplicate, "merge"); got != 1 {
		t.Errorf("merge: %d audit rows on the duplicate, want 1", got)
	}
	if n := e.count(t, `SELECT count(*) FROM tips WHERE reference_code = $1 AND status = 'merged'`, duplicate); n != 1 {
		t.Error("duplicate not merged")
	}
	if status, _ := gent.do("POST", "/console/tips/"+main+"/level", url.Values{"level": {"P9"}}); status != http.StatusBadRequest {
		t.Errorf("level P9: %d, want 400", status)
	}
	// Moved to Tiranë: out of the coordinator's reach, within Besa's.
	if status, _ := gent.do("POST", "/console/tips/"+main+"/county", url.Values{"county": {"AL-11"}}); status != http.StatusSeeOther || gent.last.Header.Get("Location") != "/console/" {
		t.Fatalf("move to Tiranë: %d %s", status, gent.last.Header.Get("Location"))
	}
	if status, _ := gent.do("GET", "/console/tips/"+main, nil); status != http.StatusNotFound {
		t.Errorf("moved tip still open to Shkodër's coordinator: %d", status)
	}
	if status, _ := other.do("GET", "/console/tips/"+main, nil); status != http.StatusOK {
		t.Errorf("moved tip not open to Tiranë's police: %d", status)
	}
	if got := audits(main, "move_county"); got != 2 {
		t.Errorf("move_county audit rows = %d, want 2", got)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('change_level', 'move_county', 'merge', 'mark_spam') AND actor NOT LIKE 'responder:%'`); n != 0 {
		t.Errorf("%d supervisor audit rows not by a responder", n)
	}
}

// TestRelayBox: a responder who may act on the tip messages the reporter
// from the tip page through the bot's relay path: sent within the reply
// window, held outside it, withheld by discreet SMS, never sent after STOP or
// to a caller who gave no number; each stored in the transcript and audited
// once; a responder of another county gets 404.
func TestRelayBox(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code := receive(t, e, "RB1", "+355691130001", "Në Shkodër mbajnë një vajzë të mbyllur", p1Shkoder)
	arben := e.browser(t)
	arben.signIn("100000201", "Arben Hoxha") // Shkodër police, never alerted about this tip
	other := e.browser(t)
	other.signIn("100000601", "Besa Police") // Tiranë

	relay := func(b *browser, text string) (int, string) {
		t.Helper()
		_, page := b.do("GET", "/console/tips/"+code, nil)
		key := ""
		if i := strings.Index(page, `name="key" value="`); i >= 0 {
			key = page[i+len(`name="key" value="`):]
			key = key[:strings.Index(key, `"`)]
		}
		status, _ := b.do("POST", "/console/tips/"+code+"/relay", url.Values{"key": {key}, "text": {text}})
		if status != http.StatusSeeOther {
			return status, ""
		}
		loc := b.last.Header.Get("Location")
		_, page = b.do("GET", loc, nil)
		return status, page
	}
	outbox := func(state string) int {
		return e.count(t, `SELECT count(*) FROM outbox o JOIN tips t ON t.id = o.tip_id WHERE t.reference_code = $1 AND o.kind = 'relay' AND o.state = $2`, code, state)
	}
	audits := func() int {
		return e.count(t, `SELECT count(*) FROM audit_log a JOIN tips t ON t.id = a.tip_id WHERE t.reference_code = $1 AND a.action = 'relay'`, code)
	}

	if status, _ := other.do("POST", "/console/tips/"+code+"/relay", url.Values{"key": {"k"}, "text": {"Ku jeni?"}}); status != http.StatusNotFound {
		t.Errorf("relay by another county: %d, want 404", status)
	}
	if status, _ := arben.do("POST", "/console/tips/"+code+"/relay", url.Values{"key": {"k"}, "text": {"  "}}); status != http.StatusBadRequest {
		t.Errorf("empty relay: %d, want 400", status)
	}
	steps := []struct {
		text, want string
		before     func()
		pending    int
		held       int
	}{
		{"Ku ndodheni tani?", "U dërgua te sinjalizuesi.", nil, 1, 0},
		{"A keni nevojë për ndihmë për trafikimin?", "SMS diskret", nil, 1, 0},
		{"Jeni mirë?", "Në pritje", func() { e.clock.Add(20 * time.Minute) }, 1, 1},
		{"Ju lutem na shkruani.", "Nuk u dërgua", func() {
			if _, err := e.db.ReceiveReporterMessage(ctx, hotline.InboundMessage{Channel: hotline.ChannelSMS, Source: "twilio", DeliveryKey: "RB-STOP",
				Contact: "+355691130001", Kind: hotline.KindText, Text: "STOP", Keyword: hotline.KeywordStop, ReceivedAt: e.clock.Now()},
				15*time.Minute, func(hotline.TipContext) hotline.IntakeDecision {
					return hotline.IntakeDecision{ReporterAction: hotline.ReporterOptOut} // as the bot decides for STOP
				}); err != nil {
				t.Fatal(err)
			}
		}, -1, -1},
	}
	for i, s := range steps {
		if s.before != nil {
			s.before()
		}
		status, page := relay(arben, s.text)
		if status != http.StatusSeeOther || !strings.Contains(page, s.want) {
			t.Fatalf("relay %q: %d, page lacks %q:\n%s", s.text, status, s.want, page)
		}
		if !strings.Contains(page, s.text) {
			t.Errorf("relay %q not in the transcript", s.text)
		}
		if got := audits(); got != i+1 {
			t.Errorf("after relay %q: %d relay audit rows, want %d", s.text, got, i+1)
		}
		if s.pending >= 0 && (outbox("pending") != s.pending || outbox("held") != s.held) {
			t.Errorf("after relay %q: outbox pending %d held %d, want %d %d", s.text, outbox("pending"), outbox("held"), s.pending, s.held)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM outbox o JOIN tips t ON t.id = o.tip_id WHERE t.reference_code = $1 AND o.kind = 'relay' AND o.body = 'Ju lutem na shkruani.'`, code); n != 0 {
		t.Error("a message was queued after STOP")
	}
	// The same form sent twice relays once.
	if n := audits(); n != len(steps) {
		t.Fatalf("audit rows = %d", n)
	}
	for i := range 2 {
		arben.do("POST", "/console/tips/"+code+"/relay", url.Values{"key": {"same-key"}, "text": {"Dy herë"}})
		if loc := arben.last.Header.Get("Location"); i == 1 && !strings.Contains(loc, "relayed=repeated") {
			t.Errorf("a form sent twice: %s, want relayed=repeated", loc)
		}
	}
	if got := audits(); got != len(steps)+1 {
		t.Errorf("a form sent twice: %d relay audit rows, want %d", got, len(steps)+1)
	}

	// A phone call recorded without a number: the relay cannot reach the caller.
	rc, err := e.db.RecordCall(ctx, hotline.Viewer{ResponderID: 1, Role: hotline.RoleOperator}, hotline.Call{Text: "Telefonatë për një punëtor në Shkodër",
		Language: "sq", Classification: p1Shkoder}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	code = rc.ReferenceCode
	if status, page := relay(arben, "Pershendetje"); status != http.StatusSeeOther || !strings.Contains(page, "Nuk u dërgua") {
		t.Errorf("relay to a caller without number: %d\n%s", status, page)
	}
	if outbox("pending")+outbox("held") != 0 {
		t.Error("a message was queued for a caller who gave no number")
	}
	// A caller who gave their number (and agreed to SMS) gets the relay by SMS.
	rc, err = e.db.RecordCall(ctx, hotline.Viewer{ResponderID: 1, Role: hotline.RoleOperator}, hotline.Call{Text: "Telefonatë për një punëtor në Shkodër",
		Number: "0691130009", Language: "sq", Classification: p1Shkoder}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	code = rc.ReferenceCode
	if status, page := relay(arben, "Ju telefonojmë nesër"); status != http.StatusSeeOther || !strings.Contains(page, "U dërgua") {
		t.Errorf("relay to a caller with a number: %d\n%s", status, page)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox o JOIN tips t ON t.id = o.tip_id WHERE t.reference_code = $1 AND o.kind = 'relay' AND o.channel = 'sms' AND o.state = 'pending'`, code); n != 1 {
		t.Errorf("relay to a caller with a number: %d SMS queued, want 1", n)
	}
	if strings.Contains(page(t, arben, code), "1130009") {
		t.Error("the tip page shows the caller's number")
	}
}

func page(t *testing.T, b *browser, code string) string {
	t.Helper()
	_, p := b.do("GET", "/console/tips/"+code, nil)
	return p
}

// TestTrainingIsMarked: a training console says so on every page (sign-in
// included) and links the simulator; a live one links the training
// instance when TRAINING_URL is set, and is never marked.
func TestTrainingIsMarked(t *testing.T) {
	for _, tc := range []struct {
		console     console.Console
		marked      bool
		trainingURL string
	}{
		{console.Console{Training: true}, true, ""},
		{console.Console{TrainingURL: "https://training.example.al/console/"}, false, "https://training.example.al/console/"},
		{console.Console{}, false, ""},
	} {
		c := tc.console
		c.Store, c.IdleTimeout = nil, idle
		h, err := c.Handler()
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		resp, err := http.Get(srv.URL + "/console/sign-in")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		page := string(body)
		if got := strings.Contains(page, `id="training"`) && strings.Contains(page, "TRAJNIM") && strings.Contains(page, `href="/simulator/"`); got != tc.marked {
			t.Errorf("%+v: marked as training = %v, want %v", tc.console, got, tc.marked)
		}
		if got := strings.Contains(page, `id="training-link"`) && strings.Contains(page, tc.trainingURL); got != (tc.trainingURL != "") {
			t.Errorf("%+v: training link = %v", tc.console, got)
		}
	}
}
