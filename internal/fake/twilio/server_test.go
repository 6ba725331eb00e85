package faketwilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	faketwilio "github.com/hotline-al/hotline/internal/fake/twilio"
)

const (
	sid      = "AC00000000000000000000000000000001"
	token    = "0123456789abcdef0123456789abcdef"
	service  = "MG00000000000000000000000000000001"
	hotline  = "+35542000000"
	reporter = "+355690001234"
	officer  = "+355690000301"
)

// rewrite sends requests for https://api.twilio.com to the fake, as the
// product's TWILIO_API_URL does.
type rewrite struct {
	target *url.URL
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = t.target.Scheme
	r2.URL.Host = t.target.Host
	r2.Host = ""
	return http.DefaultTransport.RoundTrip(r2)
}

type env struct {
	fake *faketwilio.Server
	http *httptest.Server
	rest *twilio.RestClient
}

func newEnv(t *testing.T, opts ...faketwilio.Option) *env {
	t.Helper()
	fake := faketwilio.New(sid, token, opts...)
	ts := httptest.NewServer(fake)
	fake.SetBaseURL(ts.URL)
	t.Cleanup(func() {
		fake.Close()
		ts.Close()
	})
	target, _ := url.Parse(ts.URL)
	c := &client.Client{
		Credentials: client.NewCredentials(sid, token),
		HTTPClient:  &http.Client{Transport: rewrite{target}, Timeout: 10 * time.Second},
	}
	c.SetAccountSid(sid)
	rest := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	return &env{fake: fake, http: ts, rest: rest}
}

func restError(t *testing.T, err error) *client.TwilioRestError {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		t.Fatalf("error %T %v is not a *client.TwilioRestError", err, err)
	}
	return te
}

func fixturesDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "fixtures", "twilio")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("fixtures folder %s is missing (%v): the Twilio fixture tests need testdata/fixtures/twilio (a copy of shared/fixtures)", dir, err)
	}
	return dir
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir(t), name))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

func formFixture(t *testing.T, name string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(strings.TrimSpace(string(readFixture(t, name))))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return v
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func first(v url.Values) map[string]string {
	out := map[string]string{}
	for k, vs := range v {
		out[k] = vs[0]
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestCreateMessage(t *testing.T) {
	tests := []struct {
		name         string
		params       openapi.CreateMessageParams
		setup        func(f *faketwilio.Server)
		wantPrefix   string
		wantStatus   string
		wantSegments string
		wantCode     int
		wantHTTP     int
	}{
		{name: "gsm from number", params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("Alarm P1 K7Q-4MP")},
			wantPrefix: "SM", wantStatus: "queued", wantSegments: "1"},
		{name: "messaging service", params: openapi.CreateMessageParams{To: ptr(officer), MessagingServiceSid: ptr(service), Body: ptr("Alarm")},
			wantPrefix: "SM", wantStatus: "accepted", wantSegments: "1"},
		{name: "albanian ë is UCS-2", params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr(strings.Repeat("ë", 71))},
			wantPrefix: "SM", wantStatus: "queued", wantSegments: "2"},
		{name: "gsm 161 is two parts", params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr(strings.Repeat("a", 161))},
			wantPrefix: "SM", wantStatus: "queued", wantSegments: "2"},
		{name: "media only", params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), MediaUrl: &[]string{"https://example.org/a.jpg"}},
			wantPrefix: "MM", wantStatus: "queued", wantSegments: "1"},
		{name: "no To", params: openapi.CreateMessageParams{From: ptr(hotline), Body: ptr("x")}, wantCode: 21604, wantHTTP: 400},
		{name: "no From", params: openapi.CreateMessageParams{To: ptr(officer), Body: ptr("x")}, wantCode: 21603, wantHTTP: 400},
		{name: "no Body", params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline)}, wantCode: 21602, wantHTTP: 400},
		{name: "body over 1600", params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr(strings.Repeat("ë", 1601))},
			wantCode: 21617, wantHTTP: 400},
		{name: "invalid To", params: openapi.CreateMessageParams{To: ptr("0690000301"), From: ptr(hotline), Body: ptr("x")}, wantCode: 21211, wantHTTP: 400},
		{name: "opted out", setup: func(f *faketwilio.Server) { f.FailTo(officer, 21610) },
			params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("x")}, wantCode: 21610, wantHTTP: 400},
		{name: "not mobile", setup: func(f *faketwilio.Server) { f.FailTo(officer, 21614) },
			params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("x")}, wantCode: 21614, wantHTTP: 400},
		{name: "region", setup: func(f *faketwilio.Server) { f.FailTo(officer, 21408) },
			params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("x")}, wantCode: 21408, wantHTTP: 400},
		{name: "rate limited once", setup: func(f *faketwilio.Server) { f.FailNext(20429, 429) },
			params: openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("x")}, wantCode: 20429, wantHTTP: 429},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.setup != nil {
				tc.setup(e.fake)
			}
			params := tc.params
			msg, err := e.rest.Api.CreateMessage(&params)
			if tc.wantCode != 0 {
				te := restError(t, err)
				if te.Code != tc.wantCode || te.Status != tc.wantHTTP || te.MoreInfo != fmt.Sprintf("https://www.twilio.com/docs/errors/%d", tc.wantCode) {
					t.Fatalf("error %+v", te)
				}
				if len(e.fake.Messages()) != 0 {
					t.Fatal("a failed message was recorded")
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateMessage: %v", err)
			}
			if msg.Sid == nil || !strings.HasPrefix(*msg.Sid, tc.wantPrefix) || len(*msg.Sid) != 34 {
				t.Fatalf("sid %v", msg.Sid)
			}
			if *msg.Status != tc.wantStatus || *msg.NumSegments != tc.wantSegments || *msg.To != officer || *msg.AccountSid != sid {
				t.Fatalf("message status %s segments %s to %s", *msg.Status, *msg.NumSegments, *msg.To)
			}
			got := e.fake.MessagesTo(officer)
			if len(got) != 1 || got[0].Sid != *msg.Sid || got[0].Segments != int(tc.wantSegments[0]-'0') {
				t.Fatalf("recorded %+v", got)
			}
		})
	}
}

func TestFailNextIsOneShotAndAttemptsCount(t *testing.T) {
	e := newEnv(t)
	e.fake.FailNext(20429, 429)
	p := &openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("x")}
	if te := restError(t, func() error { _, err := e.rest.Api.CreateMessage(p); return err }()); te.Code != 20429 {
		t.Fatalf("first: %+v", te)
	}
	if _, err := e.rest.Api.CreateMessage(p); err != nil {
		t.Fatalf("second: %v", err)
	}
	e.fake.FailTo(officer, 21610)
	for i := 0; i < 2; i++ {
		_, _ = e.rest.Api.CreateMessage(p)
	}
	if n := e.fake.Attempts(officer); n != 4 {
		t.Fatalf("Attempts = %d, want 4", n)
	}
	e.fake.FailTo(officer, 0)
	if _, err := e.rest.Api.CreateMessage(p); err != nil {
		t.Fatalf("after clearing FailTo: %v", err)
	}
}

func rawRequest(t *testing.T, method, u, user, pass string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestWireShapesMatchFixtures(t *testing.T) {
	e := newEnv(t)
	messagesURL := e.http.URL + "/2010-04-01/Accounts/" + sid + "/Messages.json"

	// 201 body has the fixture's fields.
	resp, body := rawRequest(t, http.MethodPost, messagesURL, sid, token,
		url.Values{"To": {officer}, "From": {hotline}, "MessagingServiceSid": {service}, "Body": {"Alarm P1 · Vlorë · K7Q-4MP"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	var got, want map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(readFixture(t, "message_created_201.json"), &want); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys(got), keys(want)) {
		t.Fatalf("201 fields\n got %v\nwant %v", keys(got), keys(want))
	}
	if got["status"] != "accepted" || got["from"] != hotline || got["num_segments"] != "1" {
		t.Fatalf("201 body %s", body)
	}
	if _, err := time.Parse(time.RFC1123Z, got["date_created"].(string)); err != nil {
		t.Fatalf("date_created %v: %v", got["date_created"], err)
	}

	// Error bodies are the fixtures', byte for byte after decoding.
	for _, tc := range []struct {
		fixture string
		setup   func()
		form    url.Values
	}{
		{"error_21610_opted_out.json", func() { e.fake.FailTo(officer, 21610) }, url.Values{"To": {officer}, "From": {hotline}, "Body": {"x"}}},
		{"error_21614_not_mobile.json", func() { e.fake.FailTo(officer, 21614) }, url.Values{"To": {officer}, "From": {hotline}, "Body": {"x"}}},
		{"error_21211_invalid_to.json", nil, url.Values{"To": {"+35569000XXXX"}, "From": {hotline}, "Body": {"x"}}},
		{"error_20429_too_many_requests.json", func() { e.fake.FailNext(20429, 429) }, url.Values{"To": {officer}, "From": {hotline}, "Body": {"x"}}},
	} {
		if tc.setup != nil {
			tc.setup()
		}
		resp, body := rawRequest(t, http.MethodPost, messagesURL, sid, token, tc.form)
		var got, want map[string]any
		_ = json.Unmarshal(body, &got)
		_ = json.Unmarshal(readFixture(t, tc.fixture), &want)
		if fmt.Sprint(got) != fmt.Sprint(want) || resp.StatusCode != int(want["status"].(float64)) {
			t.Errorf("%s: %d %v, want %v", tc.fixture, resp.StatusCode, got, want)
		}
	}

	// Authentication and unknown paths.
	for _, tc := range []struct {
		name, method, url, user, pass string
		status, code                  int
	}{
		{"no auth", http.MethodPost, messagesURL, "", "", 401, 20003},
		{"wrong token", http.MethodPost, messagesURL, sid, "wrong", 401, 20003},
		{"other account", http.MethodPost, strings.Replace(messagesURL, sid, "AC99999999999999999999999999999999", 1), sid, token, 401, 20003},
		{"unknown resource", http.MethodGet, e.http.URL + "/2010-04-01/Accounts/" + sid + "/Queues.json", sid, token, 404, 20404},
		{"unknown path", http.MethodGet, e.http.URL + "/v1/Services", sid, token, 404, 20404},
		{"unknown message", http.MethodGet, e.http.URL + "/2010-04-01/Accounts/" + sid + "/Messages/SM00000000000000000000000000000000.json", sid, token, 404, 20404},
	} {
		resp, body := rawRequest(t, tc.method, tc.url, tc.user, tc.pass, url.Values{"To": {officer}, "From": {hotline}, "Body": {"x"}})
		var e struct {
			Code     int    `json:"code"`
			Message  string `json:"message"`
			MoreInfo string `json:"more_info"`
			Status   int    `json:"status"`
		}
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tc.status || e.Code != tc.code || e.Status != tc.status {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	resp, body = rawRequest(t, http.MethodGet, messagesURL, sid, token, nil)
	if resp.StatusCode != 405 {
		t.Errorf("GET Messages.json: %d %s", resp.StatusCode, body)
	}
	// twilio-go turns the 401 into a *client.TwilioRestError as well.
	bad := &client.Client{Credentials: client.NewCredentials(sid, "wrongtoken"),
		HTTPClient: &http.Client{Transport: rewrite{mustParse(e.http.URL)}}}
	bad.SetAccountSid(sid)
	_, err := twilio.NewRestClientWithParams(twilio.ClientParams{Client: bad}).Api.CreateMessage(
		&openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("x")})
	if te := restError(t, err); te.Code != 20003 || te.Status != 401 || te.Message != "Authenticate" {
		t.Fatalf("401: %+v", te)
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

type received struct {
	url       string
	form      url.Values
	signature string
}

// webhook is a receiver that checks signatures against its public URL the way
// the product must: client.RequestValidator.Validate with the posted params.
type webhook struct {
	mu        sync.Mutex
	server    *httptest.Server
	validator client.RequestValidator
	got       []received
	rejected  int
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{validator: client.NewRequestValidator(token)}
	w.server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		public := w.server.URL + r.URL.RequestURI()
		sig := r.Header.Get(faketwilio.SignatureHeader)
		w.mu.Lock()
		defer w.mu.Unlock()
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || !w.validator.Validate(public, first(r.PostForm), sig) {
			w.rejected++
			rw.WriteHeader(http.StatusForbidden)
			return
		}
		w.got = append(w.got, received{public, r.PostForm, sig})
		rw.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(rw, `<?xml version="1.0" encoding="UTF-8"?><Response/>`)
	}))
	t.Cleanup(w.server.Close)
	return w
}

func (w *webhook) received() []received {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

func (w *webhook) rejections() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rejected
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStatusCallbacks(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(f *faketwilio.Server)
		want       []string
		wantCode   string
		wantFinal  string
		fixtureFor map[string]string // status -> fixture with the same fields
	}{
		{name: "delivered", want: []string{"sent", "delivered"}, wantFinal: "delivered",
			fixtureFor: map[string]string{"sent": "status_sent.form", "delivered": "status_delivered.form"}},
		{name: "undelivered", setup: func(f *faketwilio.Server) { f.DeliveryOutcome(officer, "undelivered", 30003) },
			want: []string{"sent", "undelivered"}, wantCode: "30003", wantFinal: "undelivered",
			fixtureFor: map[string]string{"undelivered": "status_undelivered_30003.form"}},
		{name: "failed", setup: func(f *faketwilio.Server) { f.DeliveryOutcome(officer, "failed", 30006) },
			want: []string{"failed"}, wantCode: "30006", wantFinal: "failed",
			fixtureFor: map[string]string{"failed": "status_failed_30006.form"}},
		{name: "out of order", setup: func(f *faketwilio.Server) { f.OutOfOrderCallbacks(true) },
			want: []string{"delivered", "sent"}, wantFinal: "delivered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			hook := newWebhook(t)
			if tc.setup != nil {
				tc.setup(e.fake)
			}
			callbackURL := hook.server.URL + "/webhooks/twilio/status?tip=K7Q-4MP"
			msg, err := e.rest.Api.CreateMessage(&openapi.CreateMessageParams{
				To: ptr(officer), MessagingServiceSid: ptr(service), Body: ptr("Alarm"), StatusCallback: ptr(callbackURL),
			})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "status callbacks", func() bool { return len(hook.received()) == len(tc.want) })
			got := hook.received()
			var statuses []string
			for _, r := range got {
				statuses = append(statuses, r.form.Get("MessageStatus"))
				if r.url != callbackURL || r.form.Get("MessageSid") != *msg.Sid || r.form.Get("SmsSid") != *msg.Sid ||
					r.form.Get("AccountSid") != sid || r.form.Get("To") != officer || r.form.Get("From") != hotline ||
					r.form.Get("SmsStatus") != r.form.Get("MessageStatus") {
					t.Errorf("callback %v", r.form)
				}
				if st := r.form.Get("MessageStatus"); st == "undelivered" || st == "failed" {
					if r.form.Get("ErrorCode") != tc.wantCode {
						t.Errorf("ErrorCode %q, want %q", r.form.Get("ErrorCode"), tc.wantCode)
					}
				}
				if fx := tc.fixtureFor[r.form.Get("MessageStatus")]; fx != "" {
					if k, w := keys(r.form), keys(formFixture(t, fx)); !slices.Equal(k, w) {
						t.Errorf("fields %v, fixture %s has %v", k, fx, w)
					}
				}
				// The tampered form is refused by the same validator.
				tampered := first(r.form)
				tampered["MessageStatus"] = "read"
				v := client.NewRequestValidator(token)
				if v.Validate(r.url, tampered, r.signature) {
					t.Error("validator accepted a tampered callback")
				}
			}
			if !slices.Equal(statuses, tc.want) {
				t.Fatalf("statuses %v, want %v", statuses, tc.want)
			}
			if hook.rejections() != 0 {
				t.Fatalf("%d callbacks failed signature validation", hook.rejections())
			}
			waitFor(t, "final status", func() bool { return e.fake.Messages()[0].Status == tc.wantFinal })
			waitFor(t, "callbacks recorded", func() bool { return len(e.fake.StatusCallbacks()) == len(tc.want) })
			if cb := e.fake.StatusCallbacks(); cb[0].StatusCode != 200 || cb[0].Signature != got[0].signature {
				t.Fatalf("StatusCallbacks %+v", cb)
			}
		})
	}
}

func TestInboundSMS(t *testing.T) {
	e := newEnv(t, faketwilio.WithMessagingServiceSid(service))
	hook := newWebhook(t)
	smsURL := hook.server.URL + "/webhooks/twilio/sms"
	body := "Në Vlorë, te porti, dy djem të vegjël punojnë natën në një varkë peshkimi dhe flenë aty. Pronari nuk i paguan."

	status, resp, err := e.fake.InboundSMS(context.Background(), smsURL, reporter, hotline, body)
	if err != nil || status != 200 || !strings.Contains(resp, "<Response/>") {
		t.Fatalf("InboundSMS: %d %q %v", status, resp, err)
	}
	got := hook.received()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	f := got[0].form
	if k, w := keys(f), keys(formFixture(t, "inbound_sms.form")); !slices.Equal(k, w) {
		t.Fatalf("inbound fields\n got %v\nwant %v", k, w)
	}
	if f.Get("Body") != body || f.Get("From") != reporter || f.Get("To") != hotline || f.Get("NumSegments") != "2" ||
		f.Get("SmsStatus") != "received" || f.Get("FromCountry") != "AL" || f.Get("ApiVersion") != "2010-04-01" ||
		!strings.HasPrefix(f.Get("MessageSid"), "SM") || f.Get("SmsSid") != f.Get("MessageSid") || f.Get("NumMedia") != "0" {
		t.Fatalf("inbound form %v", f)
	}

	// A forged or tampered request is refused by the validator.
	params := e.fake.InboundParams(reporter, hotline, "original")
	sig := e.fake.Sign(smsURL, params)
	tampered := url.Values{}
	for k, v := range params {
		tampered[k] = slices.Clone(v)
	}
	tampered.Set("Body", "tampered")
	for _, tc := range []struct {
		name   string
		params url.Values
		sig    string
		status int
	}{
		{"tampered body", tampered, sig, 403},
		{"no signature", params, "", 403},
		{"signed for another URL", params, e.fake.Sign("https://elsewhere.example/webhooks/twilio/sms", params), 403},
		{"other auth token", params, faketwilio.Signature("ffffffffffffffffffffffffffffffff", smsURL, params), 403},
		{"genuine", params, sig, 200},
		{"replay of the same MessageSid", params, sig, 200},
	} {
		status, _, err := e.fake.PostForm(context.Background(), smsURL, tc.params, tc.sig)
		if err != nil || status != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, status, err, tc.status)
		}
	}
	got = hook.received()
	if len(got) != 3 || got[1].form.Get("MessageSid") != got[2].form.Get("MessageSid") {
		t.Fatalf("replay not delivered twice: %d", len(got))
	}
}

func TestInboundMMS(t *testing.T) {
	e := newEnv(t)
	hook := newWebhook(t)
	jpeg := []byte("\xff\xd8\xff\xe0fake jpeg")
	amr := []byte("#!AMR\nfake")
	status, _, err := e.fake.InboundSMS(context.Background(), hook.server.URL+"/webhooks/twilio/sms", reporter, hotline, "",
		faketwilio.Media{ContentType: "image/jpeg", Content: jpeg}, faketwilio.Media{ContentType: "audio/amr", Content: amr})
	if err != nil || status != 200 {
		t.Fatalf("InboundSMS: %d %v", status, err)
	}
	f := hook.received()[0].form
	if f.Get("NumMedia") != "2" || f.Get("Body") != "" || !strings.HasPrefix(f.Get("MessageSid"), "MM") ||
		f.Get("MediaContentType0") != "image/jpeg" || f.Get("MediaContentType1") != "audio/amr" {
		t.Fatalf("MMS form %v", f)
	}
	for _, k := range keys(formFixture(t, "inbound_mms_no_body.form")) {
		if _, ok := f[k]; !ok && k != "MessagingServiceSid" {
			t.Errorf("MMS form lacks %s", k)
		}
	}
	for i, want := range [][]byte{jpeg, amr} {
		u := f.Get(fmt.Sprintf("MediaUrl%d", i))
		if !strings.Contains(u, "/Messages/"+f.Get("MessageSid")+"/Media/ME") {
			t.Fatalf("media URL %s", u)
		}
		resp, body := rawRequest(t, http.MethodGet, u, sid, token, nil)
		if resp.StatusCode != 200 || string(body) != string(want) || resp.Header.Get("Content-Type") != f.Get(fmt.Sprintf("MediaContentType%d", i)) {
			t.Fatalf("media %d: %d %q", i, resp.StatusCode, body)
		}
		if resp, _ := rawRequest(t, http.MethodGet, u, "", "", nil); resp.StatusCode != 401 {
			t.Fatalf("media without credentials: %d", resp.StatusCode)
		}
		resp, body = rawRequest(t, http.MethodGet, u+".json", sid, token, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"parent_sid":"`+f.Get("MessageSid")) {
			t.Fatalf("media metadata: %d %s", resp.StatusCode, body)
		}
	}
	u := e.fake.AddMedia([]byte("pdf"), "application/pdf")
	if resp, body := rawRequest(t, http.MethodGet, u, sid, token, nil); resp.StatusCode != 200 || string(body) != "pdf" {
		t.Fatalf("AddMedia: %d %s", resp.StatusCode, body)
	}
}

func TestOptOutWords(t *testing.T) {
	e := newEnv(t)
	hook := newWebhook(t)
	smsURL := hook.server.URL + "/webhooks/twilio/sms"
	send := func() error {
		_, err := e.rest.Api.CreateMessage(&openapi.CreateMessageParams{To: ptr(reporter), From: ptr(hotline), Body: ptr("Faleminderit")})
		return err
	}
	steps := []struct {
		body        string
		wantOptType string
		wantCode    int
	}{
		{"Faleminderit", "", 0},
		{" stop ", "STOP", 21610},
		{"HELP", "HELP", 21610},
		{"START", "START", 0},
		{"Unsubscribe", "STOP", 21610},
		{"unstop", "START", 0},
	}
	for i, st := range steps {
		if _, _, err := e.fake.InboundSMS(context.Background(), smsURL, reporter, hotline, st.body); err != nil {
			t.Fatal(err)
		}
		got := hook.received()
		if f := got[len(got)-1].form; f.Get("OptOutType") != st.wantOptType {
			t.Errorf("step %d %q: OptOutType %q", i, st.body, f.Get("OptOutType"))
		}
		err := send()
		if st.wantCode == 0 && err != nil {
			t.Errorf("step %d %q: send: %v", i, st.body, err)
		}
		if st.wantCode != 0 && restError(t, err).Code != st.wantCode {
			t.Errorf("step %d %q: %v", i, st.body, err)
		}
		if e.fake.OptedOut(reporter) != (st.wantCode == 21610) {
			t.Errorf("step %d: OptedOut = %v", i, e.fake.OptedOut(reporter))
		}
	}
	// The fixture's opt-out form says the same.
	if f := formFixture(t, "inbound_optout_stop.form"); f.Get("OptOutType") != "STOP" {
		t.Fatal("fixture changed")
	}
}

func TestFixtureFormsValidate(t *testing.T) {
	// Signing the fixtures' forms with Signature is accepted by twilio-go's validator.
	v := client.NewRequestValidator(token)
	for _, name := range []string{"inbound_sms.form", "inbound_mms_no_body.form", "inbound_optout_stop.form",
		"status_sent.form", "status_delivered.form", "status_undelivered_30003.form", "status_failed_30006.form"} {
		form := formFixture(t, name)
		for _, u := range []string{"https://hotline.example.al/webhooks/twilio/sms", "http://localhost:8080/webhooks/twilio/status"} {
			sig := faketwilio.Signature(token, u, form)
			if !v.Validate(u, first(form), sig) {
				t.Errorf("%s at %s: signature refused", name, u)
			}
		}
	}
	// twilio-go's own test vector.
	params := url.Values{"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"}}
	if got := faketwilio.Signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Fatalf("Signature = %s", got)
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		body     string
		parts    int
		encoding string
	}{
		{"", 1, faketwilio.EncodingGSM7},
		{"OK K7Q-4MP", 1, faketwilio.EncodingGSM7},
		{strings.Repeat("a", 160), 1, faketwilio.EncodingGSM7},
		{strings.Repeat("a", 161), 2, faketwilio.EncodingGSM7},
		{strings.Repeat("a", 306), 2, faketwilio.EncodingGSM7},
		{strings.Repeat("a", 307), 3, faketwilio.EncodingGSM7},
		{strings.Repeat("€", 80), 1, faketwilio.EncodingGSM7},
		{strings.Repeat("€", 81), 2, faketwilio.EncodingGSM7},
		{"Çka", 1, faketwilio.EncodingGSM7},
		{"çka", 1, faketwilio.EncodingUCS2},
		{"Vlorë", 1, faketwilio.EncodingUCS2},
		{strings.Repeat("ë", 70), 1, faketwilio.EncodingUCS2},
		{strings.Repeat("ë", 71), 2, faketwilio.EncodingUCS2},
		{"Alarm " + strings.Repeat("a", 150) + " ë", 3, faketwilio.EncodingUCS2},
		{strings.Repeat("😀", 35), 1, faketwilio.EncodingUCS2},
		{strings.Repeat("😀", 36), 2, faketwilio.EncodingUCS2},
	}
	for _, tc := range tests {
		name := tc.body
		if len(name) > 20 {
			name = name[:20]
		}
		t.Run(name, func(t *testing.T) {
			parts, enc := faketwilio.Segments(tc.body)
			if parts != tc.parts || enc != tc.encoding {
				t.Fatalf("Segments = %d %s, want %d %s", parts, enc, tc.parts, tc.encoding)
			}
		})
	}
}

func TestCallsAndWaitMessage(t *testing.T) {
	e := newEnv(t)
	call, err := e.rest.Api.CreateCall(&openapi.CreateCallParams{To: ptr(officer), From: ptr(hotline),
		Twiml: ptr("<Response><Say>Alarm P1</Say></Response>")})
	if err != nil || call.Sid == nil || !strings.HasPrefix(*call.Sid, "CA") || *call.Status != "queued" {
		t.Fatalf("CreateCall: %+v %v", call, err)
	}
	if c := e.fake.Calls(); len(c) != 1 || c[0].To != officer || !strings.Contains(c[0].Twiml, "Alarm") {
		t.Fatalf("calls %+v", c)
	}
	_, err = e.rest.Api.CreateCall(&openapi.CreateCallParams{To: ptr(officer), From: ptr(hotline)})
	if restError(t, err).Code != 21205 {
		t.Fatalf("call without Twiml/Url: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = e.rest.Api.CreateMessage(&openapi.CreateMessageParams{To: ptr(officer), From: ptr(hotline), Body: ptr("OK K7Q-4MP")})
	}()
	m, err := e.fake.WaitMessage(ctx, func(m faketwilio.Message) bool { return strings.Contains(m.Body, "K7Q-4MP") })
	if err != nil || m.To != officer || m.Status != "delivered" {
		t.Fatalf("WaitMessage: %+v %v", m, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if _, err := e.fake.WaitMessage(short, func(m faketwilio.Message) bool { return m.To == "+1" }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitMessage without match: %v", err)
	}

	// Fetch and delete through the REST API.
	fetched, err := e.rest.Api.FetchMessage(m.Sid, nil)
	if err != nil || *fetched.Sid != m.Sid || *fetched.Status != "delivered" {
		t.Fatalf("FetchMessage: %+v %v", fetched, err)
	}
	if err := e.rest.Api.DeleteMessage(m.Sid, nil); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if _, err := e.rest.Api.FetchMessage(m.Sid, nil); restError(t, err).Code != 20404 {
		t.Fatalf("fetch after delete: %v", err)
	}
	e.fake.Reset()
	if len(e.fake.Messages()) != 0 || len(e.fake.Calls()) != 0 {
		t.Fatal("Reset kept state")
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	hook := newWebhook(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				_, err := e.rest.Api.CreateMessage(&openapi.CreateMessageParams{
					To: ptr(fmt.Sprintf("+35569000%04d", i)), From: ptr(hotline), Body: ptr("x"),
					StatusCallback: ptr(hook.server.URL + "/webhooks/twilio/status"),
				})
				if err != nil {
					t.Error(err)
				}
				_ = e.fake.Messages()
				_, _, _ = e.fake.InboundSMS(context.Background(), hook.server.URL+"/webhooks/twilio/sms", reporter, hotline, "hi")
			}
		}(i)
	}
	wg.Wait()
	waitFor(t, "all callbacks", func() bool { return len(e.fake.StatusCallbacks()) == 80 })
	seen := map[string]bool{}
	for _, m := range e.fake.Messages() {
		if seen[m.Sid] {
			t.Fatalf("duplicate sid %s", m.Sid)
		}
		seen[m.Sid] = true
	}
	if len(seen) != 40 || hook.rejections() != 0 {
		t.Fatalf("%d messages, %d rejected", len(seen), hook.rejections())
	}
}
