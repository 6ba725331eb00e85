// Package faketwilio is an in-process fake of the parts of Twilio's REST API
// (api.twilio.com, 2010-04-01) and webhooks the hotline uses, speaking the
// documented wire formats, so that the real twilio-go client can be tested
// against it and `hotline demo` can run without Twilio.
//
// A Server is an http.Handler serving
//
//	POST   /2010-04-01/Accounts/{AccountSid}/Messages.json
//	GET    /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}.json
//	DELETE /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}.json
//	GET    /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}[.json]
//	POST   /2010-04-01/Accounts/{AccountSid}/Calls.json
//
// with HTTP basic authentication (AccountSid:AuthToken). Created messages
// get signed status callbacks; InboundSMS plays a member of the public
// texting the hotline. All methods are safe for concurrent use.
package faketwilio

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// APIVersion is the REST API version the fake serves.
const APIVersion = "2010-04-01"

// DefaultBaseURL is the base of media URLs until SetBaseURL is called.
const DefaultBaseURL = "https://api.twilio.com"

// Option configures a Server.
type Option func(*options)

type options struct {
	callbackClient      *http.Client
	now                 func() time.Time
	serviceNumber       string
	messagingServiceSid string
}

// WithCallbackClient sets the HTTP client used for status callbacks and
// inbound webhooks (default: a client with a 15s timeout, Twilio's limit).
func WithCallbackClient(c *http.Client) Option {
	return func(o *options) { o.callbackClient = c }
}

// WithClock sets the clock used for dates and recorded times.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithServiceNumber sets the number a Messaging Service sends from (the From
// of status callbacks for messages sent with MessagingServiceSid only;
// default +35542000000).
func WithServiceNumber(number string) Option {
	return func(o *options) { o.serviceNumber = number }
}

// WithMessagingServiceSid makes inbound messages carry MessagingServiceSid, as
// when the receiving number belongs to a Messaging Service.
func WithMessagingServiceSid(sid string) Option {
	return func(o *options) { o.messagingServiceSid = sid }
}

// Server is a fake Twilio REST API. Create it with New and call Close when
// done: Close waits for status callbacks in flight.
type Server struct {
	accountSID string
	authToken  string
	opts       options

	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu            sync.Mutex
	changed       chan struct{}
	baseURL       string
	messages      []*Message
	calls         []Call
	failTo        map[string]int
	failNext      []restError
	outcomes      map[string]outcome
	optedOut      map[string]bool
	media         map[string]*mediaEntry // by path
	attempts      map[string]int
	callbackLog   []CallbackAttempt
	outOfOrder    bool
	callbackDelay time.Duration
	onMessage     []func(Message)
}

// Message is a message created through the REST API.
type Message struct {
	// Sid is "SM" (or "MM" with media) followed by 32 hex digits.
	Sid string
	// To is the destination.
	To string
	// From is the From parameter (empty when only MessagingServiceSid was given).
	From string
	// MessagingServiceSid is the MessagingServiceSid parameter.
	MessagingServiceSid string
	// Body is the text.
	Body string
	// StatusCallback is the StatusCallback URL.
	StatusCallback string
	// MediaURLs are the MediaUrl parameters.
	MediaURLs []string
	// Segments is num_segments, computed from Body.
	Segments int
	// Encoding is EncodingGSM7 or EncodingUCS2.
	Encoding string
	// Status is the latest status: "queued" (or "accepted" for a Messaging
	// Service), then the most advanced status posted by its callbacks; a
	// message without StatusCallback has its outcome at once.
	Status string
	// ErrorCode is the delivery error of an undelivered or failed message.
	ErrorCode int
	// Time is when the fake created the message.
	Time time.Time
}

// Call is a call created through the REST API.
type Call struct {
	// Sid is "CA" followed by 32 hex digits.
	Sid string
	// To is the destination.
	To string
	// From is the caller id.
	From string
	// Twiml is the Twiml parameter.
	Twiml string
	// URL is the Url parameter.
	URL string
	// StatusCallback is the StatusCallback parameter.
	StatusCallback string
	// Time is when the fake created the call.
	Time time.Time
}

// Media is an attachment of an inbound MMS.
type Media struct {
	// ContentType is the MIME type, e.g. "image/jpeg".
	ContentType string
	// Content is the file.
	Content []byte
}

// CallbackAttempt is a status callback the fake posted.
type CallbackAttempt struct {
	// URL is the StatusCallback URL.
	URL string
	// Params is the form posted.
	Params url.Values
	// Signature is the X-Twilio-Signature sent.
	Signature string
	// StatusCode is the webhook's answer (0 when the request failed).
	StatusCode int
	// Err describes a failed request.
	Err string
	// Time is when it was posted.
	Time time.Time
}

type outcome struct {
	status string
	code   int
}

type mediaEntry struct {
	sid, messageSid, contentType string
	content                      []byte
	created                      time.Time
}

// New returns a fake Twilio REST API for the account.
func New(accountSID, authToken string, opts ...Option) *Server {
	o := options{
		callbackClient: &http.Client{Timeout: 15 * time.Second},
		now:            time.Now,
		serviceNumber:  "+35542000000",
	}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		accountSID: accountSID,
		authToken:  authToken,
		opts:       o,
		ctx:        ctx,
		cancel:     cancel,
		changed:    make(chan struct{}),
		baseURL:    DefaultBaseURL,
	}
	s.resetLocked()
	return s
}

func (s *Server) resetLocked() {
	s.messages = nil
	s.calls = nil
	s.failTo = map[string]int{}
	s.failNext = nil
	s.outcomes = map[string]outcome{}
	s.optedOut = map[string]bool{}
	s.media = map[string]*mediaEntry{}
	s.attempts = map[string]int{}
	s.callbackLog = nil
	s.outOfOrder = false
	s.callbackDelay = 0
}

// Reset forgets messages, calls, media, injected failures, outcomes, opt-outs
// and callback settings. Callbacks in flight still complete.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.broadcastLocked()
}

// Close cancels status callbacks in flight and waits for them.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock() // no callback is scheduled after this
		s.cancel()
		s.mu.Unlock()
	})
	s.wg.Wait()
}

func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) now() time.Time { return s.opts.now() }

// AccountSID returns the account SID the server accepts.
func (s *Server) AccountSID() string { return s.accountSID }

// SetBaseURL sets the scheme and host this server is reachable at (e.g. an
// httptest server's URL); media URLs are built from it. Until then they are
// https://api.twilio.com/…, which a client rewriting that host to the fake
// reaches as well.
func (s *Server) SetBaseURL(baseURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = strings.TrimRight(baseURL, "/")
}

// FailTo makes every message (and call) to the number fail with the Twilio
// error code, e.g. 21610 (opted out), 21211 (invalid To), 21614 (not a
// mobile number), 21408 (region not enabled). Code 0 removes the failure.
func (s *Server) FailTo(to string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.failTo, to)
		return
	}
	s.failTo[to] = code
}

// FailNext makes the next REST request (any resource) fail once with the
// Twilio error code and HTTP status, e.g. FailNext(20429, 429). Several are
// used in order.
func (s *Server) FailNext(code, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, newRestError(code, status, ""))
}

// DeliveryOutcome sets what status callbacks report for messages to the
// number: status "delivered" (the default), "undelivered" or "failed", with
// errorCode (e.g. 30003, 30006) for the latter two.
func (s *Server) DeliveryOutcome(to, status string, errorCode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes[to] = outcome{status: status, code: errorCode}
}

// OutOfOrderCallbacks makes status callbacks arrive with the final status
// first and "sent" after it, as Twilio sometimes does.
func (s *Server) OutOfOrderCallbacks(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outOfOrder = on
}

// SetCallbackDelay sets the wait before each status callback (default 0).
func (s *Server) SetCallbackDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackDelay = d
}

// OptedOut reports whether the number texted an opt-out word (STOP, …) and
// not an opt-in word since; messages to it fail with 21610.
func (s *Server) OptedOut(number string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.optedOut[number]
}

// OnMessage registers fn to be called (outside the server's lock) for every
// message created.
func (s *Server) OnMessage(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = append(s.onMessage, fn)
}

func cloneMessage(m *Message) Message {
	c := *m
	c.MediaURLs = slices.Clone(m.MediaURLs)
	return c
}

// Messages returns every message created, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages))
	for _, m := range s.messages {
		out = append(out, cloneMessage(m))
	}
	return out
}

// MessagesTo returns the messages created to the number, oldest first.
func (s *Server) MessagesTo(to string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if m.To == to {
			out = append(out, cloneMessage(m))
		}
	}
	return out
}

// WaitMessage returns the first message (already created or created later)
// for which match returns true (nil matches any), or an error when ctx ends.
func (s *Server) WaitMessage(ctx context.Context, match func(Message) bool) (Message, error) {
	for {
		s.mu.Lock()
		for _, m := range s.messages {
			if c := cloneMessage(m); match == nil || match(c) {
				s.mu.Unlock()
				return c, nil
			}
		}
		n := len(s.messages)
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("faketwilio: no matching message among %d created: %w", n, ctx.Err())
		}
	}
}

// Attempts returns how many message creations were requested to the number,
// failed ones included.
func (s *Server) Attempts(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[to]
}

// Calls returns every call created, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// StatusCallbacks returns the status callbacks posted so far, in posting order.
func (s *Server) StatusCallbacks() []CallbackAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallbackAttempt, len(s.callbackLog))
	for i, a := range s.callbackLog {
		a.Params = cloneValues(a.Params)
		out[i] = a
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// newSid returns prefix + 32 random hex digits.
func newSid(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// restError is Twilio's JSON error body.
type restError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

var errorTexts = map[int]struct {
	status int
	text   string
}{
	20003: {401, "Authenticate"},
	20004: {405, "Method not allowed"},
	20400: {400, "Bad Request"},
	20404: {404, "The requested resource %s was not found"},
	20429: {429, "Too Many Requests"},
	20500: {500, "Internal Server Error"},
	20503: {503, "Service Unavailable"},
	21201: {400, "No 'To' number is specified"},
	21205: {400, "Url parameter is required."},
	21211: {400, "Invalid 'To' Phone Number: %s"},
	21213: {400, "No 'From' number is specified"},
	21408: {400, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: %s."},
	21602: {400, "Message body is required."},
	21603: {400, "A 'From' phone number is required."},
	21604: {400, "A 'To' phone number is required."},
	21606: {400, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination."},
	21609: {400, "Invalid StatusCallback url"},
	21610: {400, "Attempt to send to unsubscribed recipient"},
	21612: {400, "The 'To' phone number is not currently reachable using the 'From' phone number via SMS."},
	21614: {400, "'To' number is not a valid mobile number"},
	21617: {400, "The concatenated message body exceeds the 1600 character limit."},
	21701: {400, "The Messaging Service Sid %s is invalid."},
}

// newRestError builds the error for code; status 0 = the code's usual status;
// arg fills a %s in the message.
func newRestError(code, status int, arg string) restError {
	t, ok := errorTexts[code]
	msg := fmt.Sprintf("Error %d", code)
	if ok {
		msg = t.text
		if strings.Contains(msg, "%s") {
			msg = fmt.Sprintf(msg, arg)
		}
		if status == 0 {
			status = t.status
		}
	}
	if status == 0 {
		status = http.StatusBadRequest
	}
	return restError{Code: code, Message: msg, MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), Status: status}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeRestError(w http.ResponseWriter, e restError) {
	writeJSON(w, e.Status, e)
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) < 4 || parts[0] != APIVersion || parts[1] != "Accounts" {
		writeRestError(w, newRestError(20404, 0, r.URL.Path))
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(s.accountSID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.authToken)) != 1 || parts[2] != s.accountSID {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeRestError(w, newRestError(20003, 0, ""))
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 10<<20)
		if err := r.ParseForm(); err != nil {
			writeRestError(w, newRestError(20400, http.StatusBadRequest, ""))
			return
		}
	}
	s.mu.Lock()
	if len(s.failNext) > 0 {
		e := s.failNext[0]
		s.failNext = s.failNext[1:]
		if r.Method == http.MethodPost && len(parts) == 4 && parts[3] == "Messages.json" {
			s.attempts[r.PostForm.Get("To")]++
		}
		s.mu.Unlock()
		writeRestError(w, e)
		return
	}
	s.mu.Unlock()

	rest := parts[3:]
	allow := func(methods ...string) bool {
		if slices.Contains(methods, r.Method) {
			return true
		}
		writeRestError(w, newRestError(20004, 0, ""))
		return false
	}
	switch {
	case len(rest) == 1 && rest[0] == "Messages.json":
		if allow(http.MethodPost) {
			s.createMessage(w, r)
		}
	case len(rest) == 1 && rest[0] == "Calls.json":
		if allow(http.MethodPost) {
			s.createCall(w, r)
		}
	case len(rest) == 2 && rest[0] == "Messages" && strings.HasSuffix(rest[1], ".json"):
		if allow(http.MethodGet, http.MethodDelete) {
			s.messageResource(w, r, strings.TrimSuffix(rest[1], ".json"))
		}
	case len(rest) == 4 && rest[0] == "Messages" && rest[2] == "Media":
		if allow(http.MethodGet, http.MethodHead, http.MethodDelete) {
			s.mediaResource(w, r, rest[1], rest[3])
		}
	default:
		writeRestError(w, newRestError(20404, 0, r.URL.Path))
	}
}

func (s *Server) formatDate(t time.Time) string {
	return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) messageJSONLocked(m *Message) map[string]any {
	uri := fmt.Sprintf("/%s/Accounts/%s/Messages/%s", APIVersion, s.accountSID, m.Sid)
	var errorCode any
	if m.ErrorCode != 0 {
		errorCode = m.ErrorCode
	}
	var dateSent any
	if m.Status != "queued" && m.Status != "accepted" {
		dateSent = s.formatDate(m.Time)
	}
	return map[string]any{
		"account_sid":           s.accountSID,
		"api_version":           APIVersion,
		"body":                  m.Body,
		"date_created":          s.formatDate(m.Time),
		"date_sent":             dateSent,
		"date_updated":          s.formatDate(s.now()),
		"direction":             "outbound-api",
		"error_code":            errorCode,
		"error_message":         nil,
		"from":                  nullable(m.From),
		"messaging_service_sid": nullable(m.MessagingServiceSid),
		"num_media":             fmt.Sprint(len(m.MediaURLs)),
		"num_segments":          fmt.Sprint(m.Segments),
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.Sid,
		"status":                m.Status,
		"subresource_uris":      map[string]any{"media": uri + "/Media.json"},
		"to":                    m.To,
		"uri":                   uri + ".json",
	}
}

var serviceSid = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeRestError(w, newRestError(20404, http.StatusBadRequest, r.URL.Path))
		return
	}
	f := r.PostForm
	to := strings.TrimPrefix(f.Get("To"), "whatsapp:")
	from, service, body := f.Get("From"), f.Get("MessagingServiceSid"), f.Get("Body")
	mediaURLs, callback := f["MediaUrl"], f.Get("StatusCallback")

	s.mu.Lock()
	s.attempts[f.Get("To")]++
	fail := func(code int, arg string) {
		s.mu.Unlock()
		writeRestError(w, newRestError(code, 0, arg))
	}
	switch {
	case to == "":
		fail(21604, "")
		return
	case from == "" && service == "":
		fail(21603, "")
		return
	case service != "" && !serviceSid.MatchString(service):
		fail(21701, service)
		return
	case body == "" && len(mediaURLs) == 0:
		fail(21602, "")
		return
	case len([]rune(body)) > 1600:
		fail(21617, "")
		return
	case !e164.MatchString(to):
		fail(21211, to)
		return
	}
	if callback != "" {
		if u, err := url.Parse(callback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fail(21609, "")
			return
		}
	}
	if code := s.failTo[to]; code != 0 {
		fail(code, to)
		return
	}
	if s.optedOut[to] {
		fail(21610, "")
		return
	}
	segments, encoding := Segments(body)
	prefix, status := "SM", "queued"
	if len(mediaURLs) > 0 {
		prefix = "MM"
	}
	if service != "" {
		status = "accepted"
	}
	m := &Message{
		Sid: newSid(prefix), To: to, From: from, MessagingServiceSid: service, Body: body,
		StatusCallback: callback, MediaURLs: slices.Clone(mediaURLs), Segments: segments, Encoding: encoding,
		Status: status, Time: s.now(),
	}
	s.messages = append(s.messages, m)
	resp := s.messageJSONLocked(m)
	s.scheduleCallbacksLocked(m)
	s.broadcastLocked()
	fns := slices.Clone(s.onMessage)
	snapshot := cloneMessage(m)
	s.mu.Unlock()

	writeJSON(w, http.StatusCreated, resp)
	for _, fn := range fns {
		fn(snapshot)
	}
}

func (s *Server) messageResource(w http.ResponseWriter, r *http.Request, sid string) {
	s.mu.Lock()
	idx := slices.IndexFunc(s.messages, func(m *Message) bool { return m.Sid == sid })
	if idx < 0 {
		s.mu.Unlock()
		writeRestError(w, newRestError(20404, 0, r.URL.Path))
		return
	}
	if r.Method == http.MethodDelete {
		s.messages = slices.Delete(s.messages, idx, idx+1)
		for p, me := range s.media {
			if me.messageSid == sid {
				delete(s.media, p)
			}
		}
		s.broadcastLocked()
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	resp := s.messageJSONLocked(s.messages[idx])
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeRestError(w, newRestError(20404, http.StatusBadRequest, r.URL.Path))
		return
	}
	f := r.PostForm
	to, from := f.Get("To"), f.Get("From")
	s.mu.Lock()
	fail := func(code int, arg string) {
		s.mu.Unlock()
		writeRestError(w, newRestError(code, 0, arg))
	}
	switch {
	case to == "":
		fail(21201, "")
		return
	case from == "":
		fail(21213, "")
		return
	case f.Get("Twiml") == "" && f.Get("Url") == "" && f.Get("ApplicationSid") == "":
		fail(21205, "")
		return
	case !e164.MatchString(to):
		fail(21211, to)
		return
	}
	if code := s.failTo[to]; code != 0 {
		fail(code, to)
		return
	}
	c := Call{
		Sid: newSid("CA"), To: to, From: from, Twiml: f.Get("Twiml"), URL: f.Get("Url"),
		StatusCallback: f.Get("StatusCallback"), Time: s.now(),
	}
	s.calls = append(s.calls, c)
	s.broadcastLocked()
	uri := fmt.Sprintf("/%s/Accounts/%s/Calls/%s", APIVersion, s.accountSID, c.Sid)
	date := s.formatDate(c.Time)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"account_sid": s.accountSID, "annotation": nil, "answered_by": nil, "api_version": APIVersion,
		"caller_name": nil, "date_created": date, "date_updated": date, "direction": "outbound-api",
		"duration": nil, "end_time": nil, "forwarded_from": nil, "from": c.From, "from_formatted": c.From,
		"group_sid": nil, "parent_call_sid": nil, "phone_number_sid": nil, "price": nil, "price_unit": "USD",
		"queue_time": "0", "sid": c.Sid, "start_time": nil, "status": "queued",
		"subresource_uris": map[string]any{
			"notifications": uri + "/Notifications.json", "recordings": uri + "/Recordings.json",
			"events": uri + "/Events.json",
		},
		"to": c.To, "to_formatted": c.To, "trunk_sid": nil, "uri": uri + ".json",
	})
}
