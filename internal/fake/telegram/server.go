// Package faketelegram is an in-process fake of the Telegram Bot API that
// speaks the documented wire format, so that the real go-telegram-bot-api
// client (and any other HTTP client) can be tested against it, and so that
// `hotline demo` can run without Telegram.
//
// A Server is an http.Handler serving /bot<token>/<method> and
// /file/bot<token>/<file_path>. Point the client at it with
//
//	api, file := fake.Endpoints(httpServer.URL)
//	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint(token, api)
//
// The fake plays the users (SendText, SendMessage, PressButton, InjectRaw, …),
// queues their updates for getUpdates or delivers them to a webhook, records
// what the bot sends (Sent, SentTo, WaitSent, Edits, CallbackAnswers, Calls)
// and injects errors (FailNext, Block). All methods are safe for concurrent use.
package faketelegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The bot the fake impersonates, as getMe answers it.
const (
	// BotID is the bot's user id.
	BotID int64 = 7000001
	// BotUsername is the bot's username.
	BotUsername = "hotline_bot"
	// BotFirstName is the bot's display name.
	BotFirstName = "Hotline"
	// DefaultFirstUpdateID is the update_id of the first update unless WithFirstUpdateID says otherwise.
	DefaultFirstUpdateID int64 = 900000001
)

// Option configures a Server.
type Option func(*options)

type options struct {
	firstUpdateID int64
	backoffMin    time.Duration
	backoffMax    time.Duration
	webhookClient *http.Client
	now           func() time.Time
}

// WithFirstUpdateID sets the update_id of the first queued update (default 900000001).
func WithFirstUpdateID(id int64) Option {
	return func(o *options) { o.firstUpdateID = id }
}

// WithWebhookBackoff sets the waits between webhook delivery attempts: the
// first retry waits min, each further one twice as long, at most max
// (default 50ms and 2s).
func WithWebhookBackoff(min, max time.Duration) Option {
	return func(o *options) {
		o.backoffMin = min
		o.backoffMax = max
	}
}

// WithWebhookClient sets the HTTP client that delivers updates to the webhook
// (default: a client with a 10s timeout).
func WithWebhookClient(c *http.Client) Option {
	return func(o *options) { o.webhookClient = c }
}

// WithClock sets the clock used for message dates and recorded times.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// Server is a fake Telegram Bot API server. It is an http.Handler. Create it
// with New; call Close when done (before closing the HTTP server that serves
// it, so that pending long polls return at once).
type Server struct {
	token string
	opts  options

	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every state change

	nextUpdateID int64
	queue        []queuedUpdate
	pollGen      uint64

	users     map[int64]User
	chats     map[int64]*chatState
	files     map[string]*fileEntry
	filePaths map[string]*fileEntry
	fileSeq   int
	callbacks map[string]bool // callback query id -> answered
	cbSeq     int64

	sent     []SentMessage
	edits    []SentMessage
	answers  []CallbackAnswer
	calls    map[string]int
	failures []failure
	blocked  map[int64]bool
	commands json.RawMessage
	onSend   []func(SentMessage)

	hook webhookState
}

type queuedUpdate struct {
	id   int64
	body json.RawMessage
}

type failure struct {
	method string // lower case; "" = any
	chatID int64  // 0 = any
	err    APIError
}

// SentMessage is a message the bot sent or edited, as the fake recorded it.
type SentMessage struct {
	// Method is the Bot API method, e.g. "sendMessage", "editMessageText", "sendPhoto".
	Method string
	// ChatID is the chat the message is in.
	ChatID int64
	// MessageID is the message's id in that chat.
	MessageID int
	// Text is the text (or caption) as the user sees it: after entity parsing and trimming.
	Text string
	// RawText is the text (or caption) parameter exactly as the bot sent it.
	RawText string
	// ParseMode is the parse_mode parameter.
	ParseMode string
	// ReplyMarkup is the reply_markup parameter (compact JSON), nil when there was none.
	ReplyMarkup json.RawMessage
	// DisableNotification is the disable_notification parameter.
	DisableNotification bool
	// ReplyToMessageID is reply_to_message_id, or reply_parameters.message_id.
	ReplyToMessageID int
	// FileID is the file_id of the media of a media message.
	FileID string
	// Time is when the fake received the request.
	Time time.Time
}

// CallbackAnswer is a recorded answerCallbackQuery call.
type CallbackAnswer struct {
	// QueryID is callback_query_id.
	QueryID string
	// Text is the notification text.
	Text string
	// ShowAlert is show_alert.
	ShowAlert bool
	// URL is the url parameter.
	URL string
	// CacheTime is cache_time in seconds.
	CacheTime int
	// Time is when the fake received the request.
	Time time.Time
}

// New returns a fake Bot API server for the bot with the given token.
func New(token string, opts ...Option) *Server {
	o := options{
		firstUpdateID: DefaultFirstUpdateID,
		backoffMin:    50 * time.Millisecond,
		backoffMax:    2 * time.Second,
		webhookClient: &http.Client{Timeout: 10 * time.Second},
		now:           time.Now,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.backoffMax < o.backoffMin {
		o.backoffMax = o.backoffMin
	}
	s := &Server{
		token:        token,
		opts:         o,
		closed:       make(chan struct{}),
		changed:      make(chan struct{}),
		nextUpdateID: o.firstUpdateID,
	}
	s.resetLocked()
	return s
}

func (s *Server) resetLocked() {
	s.queue = nil
	s.users = map[int64]User{}
	s.chats = map[int64]*chatState{}
	s.files = map[string]*fileEntry{}
	s.filePaths = map[string]*fileEntry{}
	s.callbacks = map[string]bool{}
	s.sent = nil
	s.edits = nil
	s.answers = nil
	s.calls = map[string]int{}
	s.failures = nil
	s.blocked = map[int64]bool{}
	s.commands = nil
	s.stopWebhookLocked()
	s.hook = webhookState{}
}

// Token returns the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Endpoints returns the method endpoint format (…/bot%s/%s, for
// tgbotapi.NewBotAPIWithAPIEndpoint and BotAPI.SetAPIEndpoint) and the file
// download format (…/file/bot%s/%s) for a server reachable at baseURL.
func (s *Server) Endpoints(baseURL string) (apiEndpoint, fileEndpoint string) {
	base := strings.TrimRight(baseURL, "/")
	return base + "/bot%s/%s", base + "/file/bot%s/%s"
}

// Reset forgets everything (queued updates, chats, files, records, injected
// failures, blocks, the webhook) but keeps update and message ids increasing,
// so that ids never repeat during the server's life.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.broadcastLocked()
}

// Close stops webhook delivery and makes waiting long polls return at once.
// The server still answers requests afterwards, without waiting.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		s.stopWebhookLocked()
		s.mu.Unlock()
	})
	s.wg.Wait()
}

// broadcastLocked wakes everyone waiting for a state change.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) now() time.Time { return s.opts.now() }

// OnSend registers fn to be called (outside the server's lock, in the
// request's goroutine) for every message the bot sends or edits.
func (s *Server) OnSend(fn func(SentMessage)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onSend = append(s.onSend, fn)
}

// FailNext makes the next call of method (case-insensitive; "" = any method)
// concerning chatID (0 = any chat) fail with e, once. Several injected
// failures are used in the order they were added.
func (s *Server) FailNext(method string, chatID int64, e APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{method: strings.ToLower(method), chatID: chatID, err: e})
}

// Block makes every call that sends to or edits in chatID fail with 403
// "Forbidden: bot was blocked by the user" until Unblock.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Unblock undoes Block.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// Sent returns every message the bot sent (not edits), oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// SentTo returns the messages the bot sent to chatID, oldest first.
func (s *Server) SentTo(chatID int64) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SentMessage
	for _, m := range s.sent {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// WaitSent returns the first sent message (already sent or sent later) for
// which match returns true (nil matches any), or an error when ctx ends first.
func (s *Server) WaitSent(ctx context.Context, match func(SentMessage) bool) (SentMessage, error) {
	for {
		s.mu.Lock()
		for _, m := range s.sent {
			if match == nil || match(m) {
				s.mu.Unlock()
				return m, nil
			}
		}
		n := len(s.sent)
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return SentMessage{}, &waitError{sent: n, err: ctx.Err()}
		}
	}
}

type waitError struct {
	sent int
	err  error
}

// Error implements error.
func (e *waitError) Error() string {
	return "faketelegram: no matching message among " + strconv.Itoa(e.sent) + " sent: " + e.err.Error()
}

// Unwrap returns the context's error.
func (e *waitError) Unwrap() error { return e.err }

// Edits returns every successful edit (editMessageText, editMessageReplyMarkup,
// editMessageCaption), oldest first; Text is the message's text after the edit.
func (s *Server) Edits() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.edits...)
}

// CallbackAnswers returns every successful answerCallbackQuery, oldest first.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}

// Calls returns how many times method (case-insensitive) was called with the
// right token, failed calls included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[strings.ToLower(method)]
}

// Webhook returns the webhook URL and secret token set by setWebhook (empty
// when no webhook is set).
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hook.url, s.hook.secret
}

// Pending returns how many updates are queued and not yet confirmed (by a
// getUpdates offset or a 2xx webhook answer).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/file/bot"):
		s.serveFile(w, r, strings.TrimPrefix(p, "/file/bot"))
	case strings.HasPrefix(p, "/bot"):
		s.serveMethod(w, r, strings.TrimPrefix(p, "/bot"))
	default:
		writeError(w, NotFound)
	}
}

func (s *Server) tokenOK(tok string) bool {
	return subtle.ConstantTimeCompare([]byte(tok), []byte(s.token)) == 1
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	tok, path, ok := strings.Cut(rest, "/")
	if !ok || path == "" {
		writeError(w, NotFound)
		return
	}
	if !s.tokenOK(tok) {
		writeError(w, Unauthorized)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, NotFound)
		return
	}
	s.mu.Lock()
	f := s.filePaths[path]
	var content []byte
	if f != nil {
		content = f.content
	}
	s.mu.Unlock()
	if f == nil {
		writeError(w, NotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(content)
	}
}

type handlerFunc func(s *Server, r *http.Request, p params) (any, *APIError)

type method struct {
	name string
	fn   handlerFunc
}

var methods = map[string]method{}

func register(name string, fn handlerFunc) {
	methods[strings.ToLower(name)] = method{name: name, fn: fn}
}

func (s *Server) serveMethod(w http.ResponseWriter, r *http.Request, rest string) {
	tok, name, ok := strings.Cut(rest, "/")
	if !ok {
		writeError(w, NotFound)
		return
	}
	if !s.tokenOK(tok) {
		writeError(w, Unauthorized)
		return
	}
	key := strings.ToLower(name)
	m, known := methods[key]
	s.mu.Lock()
	s.calls[key]++
	s.mu.Unlock()
	if !known || name == "" {
		writeError(w, NotFound)
		return
	}
	p, perr := readParams(r)
	if perr != nil {
		writeError(w, *perr)
		return
	}
	if e := s.takeFailure(key, p); e != nil {
		writeError(w, *e)
		return
	}
	result, e := m.fn(s, r, p)
	if e != nil {
		writeError(w, *e)
		return
	}
	if result == nil {
		return // the client went away during a long poll
	}
	writeResult(w, result)
}

func (s *Server) takeFailure(method string, p params) *APIError {
	chatID, _ := strconv.ParseInt(p.get("chat_id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.failures {
		if (f.method == "" || f.method == method) && (f.chatID == 0 || f.chatID == chatID) {
			s.failures = append(s.failures[:i:i], s.failures[i+1:]...)
			e := f.err
			return &e
		}
	}
	return nil
}

// params are a request's parameters, from the query string and the body
// (form, multipart or JSON). JSON values that are not strings are kept as
// their JSON text.
type params struct {
	values url.Values
	files  map[string][]*multipart.FileHeader
}

func (p params) get(k string) string { return p.values.Get(k) }

func (p params) has(k string) bool { _, ok := p.values[k]; return ok }

func (p params) boolean(k string) bool {
	b, _ := strconv.ParseBool(strings.ToLower(p.get(k)))
	return b
}

func (p params) integer(k string) (int64, bool) {
	v := strings.TrimSpace(p.get(k))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil {
			return 0, false
		}
		n = int64(f)
	}
	return n, true
}

const maxBody = 64 << 20

func readParams(r *http.Request) (params, *APIError) {
	p := params{values: url.Values{}}
	for k, v := range r.URL.Query() {
		p.values[k] = v
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return p, badRequest("can't read request body")
		}
		if len(strings.TrimSpace(string(body))) == 0 {
			return p, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, badRequest("can't parse JSON object")
		}
		for k, raw := range obj {
			var str string
			switch {
			case string(raw) == "null":
				continue
			case json.Unmarshal(raw, &str) == nil:
				p.values.Set(k, str)
			default:
				p.values.Set(k, string(raw))
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return p, badRequest("can't parse multipart/form-data request")
		}
		for k, v := range r.MultipartForm.Value {
			p.values[k] = v
		}
		p.files = r.MultipartForm.File
	default:
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return p, badRequest("can't parse request parameters")
		}
		for k, v := range r.PostForm {
			p.values[k] = v
		}
	}
	return p, nil
}
