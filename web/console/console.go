// Package console serves the console at /console/: sign-in by one-time
// code, the queue with live updates, the tip page and its actions. Pages
// are server-rendered (html/template) in Albanian and English; every query
// goes through hotline.Access, on the server. The console never reads
// reporter contact.
package console

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math/big"
	"net/http"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

//go:embed templates/*.html
var templateFS embed.FS

// Store is what the console needs of the system of record
// (*postgres.DB implements it).
type Store interface {
	ResponderForSignIn(ctx context.Context, identifier string) (hotline.Responder, error)
	StartSignIn(ctx context.Context, r hotline.Responder, challenge, code, body string, expires, now time.Time) error
	FinishSignIn(ctx context.Context, challenge, code, token string, now time.Time) (hotline.Viewer, error)
	Session(ctx context.Context, token string, now time.Time, idle time.Duration, touch bool) (hotline.Viewer, error)
	EndSession(ctx context.Context, token string, now time.Time) error
	Queue(ctx context.Context, v hotline.Viewer, f postgres.QueueFilter, limit int) ([]postgres.QueueTip, error)
	QueueVersion(ctx context.Context, v hotline.Viewer) (string, error)
	UnacknowledgedP1(ctx context.Context, v hotline.Viewer) (oldest postgres.QueueTip, count int, ok bool, err error)
	ConsoleTip(ctx context.Context, v hotline.Viewer, code string, now time.Time) (postgres.TipDetail, error)
	ConsoleAcknowledge(ctx context.Context, v hotline.Viewer, code string, now time.Time) error
	ConsoleClose(ctx context.Context, v hotline.Viewer, code string, outcome hotline.Outcome, now time.Time) (postgres.CloseResult, error)
	AssignOwner(ctx context.Context, v hotline.Viewer, code string, ownerID int64, now time.Time) error
	RecordReference(ctx context.Context, v hotline.Viewer, code, reference string, now time.Time) error
	AddNote(ctx context.Context, v hotline.Viewer, code, body string, now time.Time) error
	AddPerson(ctx context.Context, v hotline.Viewer, code string, p hotline.Person, now time.Time) error
	OwnerChoices(ctx context.Context, county string, complicity bool) ([]postgres.ResponderChoice, error)
	ConsoleChangeLevel(ctx context.Context, v hotline.Viewer, code string, level hotline.Level, now time.Time) error
	ConsoleMoveCounty(ctx context.Context, v hotline.Viewer, code, county, municipality string, now time.Time) error
	ConsoleMerge(ctx context.Context, v hotline.Viewer, survivorCode, duplicateCode string, now time.Time) error
	ConsoleMarkSpam(ctx context.Context, v hotline.Viewer, code string, now time.Time) error
	Report(ctx context.Context, v hotline.Viewer, from, to time.Time, action string, now time.Time) (postgres.Report, error)
	RecordCall(ctx context.Context, v hotline.Viewer, call hotline.Call, now time.Time) (hotline.Receipt, error)
	Roster(ctx context.Context, v hotline.Viewer, now time.Time) ([]postgres.RosterLine, error)
	DutyPlan(ctx context.Context, v hotline.Viewer, now time.Time) (postgres.DutyPlan, error)
	ConsoleAddRotation(ctx context.Context, v hotline.Viewer, rot hotline.Rotation, now time.Time) (int64, error)
	ConsoleRemoveRotation(ctx context.Context, v hotline.Viewer, id int64, now time.Time) error
	ConsoleAddOverride(ctx context.Context, v hotline.Viewer, o hotline.Override, now time.Time) (int64, error)
	ConsoleCancelOverride(ctx context.Context, v hotline.Viewer, id int64, now time.Time) error
	AuditView(ctx context.Context, v hotline.Viewer, action string, detail map[string]any, now time.Time) error
	AuditLog(ctx context.Context, v hotline.Viewer, q postgres.AuditQuery, limit int, now time.Time) ([]postgres.AuditEntry, error)
}

var _ Store = (*postgres.DB)(nil)

// Cookie names. Both are HttpOnly, limited to /console/, SameSite.
const (
	sessionCookie   = "hotline_session"
	challengeCookie = "hotline_sign_in"
	languageCookie  = "hotline_lang"
)

// Console is the console's HTTP handler. Fill the fields, then call Handler.
type Console struct {
	Store Store
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// IdleTimeout ends a session not used for this long (CONSOLE_IDLE_TIMEOUT).
	IdleTimeout time.Duration
	// CodeTTL is how long a sign-in code is valid (10 minutes when zero).
	CodeTTL time.Duration
	// Secure marks cookies Secure (PUBLIC_URL is https).
	Secure bool
	// PollInterval is how often the live-update stream looks for changes
	// (2 s when zero).
	PollInterval time.Duration
	Log          *slog.Logger
	// Classifier suggests the classification of a recorded call.
	Classifier hotline.Classifier
	// Routed hands a recorded call's tip to routing at once (the triage
	// queue); nil or failing, the dispatch sweeper finds it later.
	Routed func(ctx context.Context, rc hotline.Receipt) error
	// Relay sends a message to a tip's reporter through the bot's relay
	// path, once per key (bot.Service.RelayFromConsole). Nil hides the
	// relay box.
	Relay func(ctx context.Context, v hotline.Viewer, key, code, text string) (hotline.RelayResult, error)
	// Training marks every page as training (`hotline demo`, whose
	// databases hold no real tips) and links the simulator.
	Training bool
	// TrainingURL, when set, is the training instance every page of the
	// live console links to (TRAINING_URL).
	TrainingURL string

	pages     map[string]*template.Template
	catalogue *catalogue
}

// Handler returns the console, wrapped in Go's cross-origin protection
// (state-changing requests from other origins are refused).
func (c *Console) Handler() (http.Handler, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CodeTTL == 0 {
		c.CodeTTL = 10 * time.Minute
	}
	if c.PollInterval == 0 {
		c.PollInterval = 2 * time.Second
	}
	if c.IdleTimeout <= 0 {
		return nil, errors.New("console: IdleTimeout must be positive")
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	var err error
	if c.catalogue, err = newCatalogue(); err != nil {
		return nil, err
	}
	if c.pages, err = parsePages(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console/sign-in", c.signInPage)
	mux.HandleFunc("POST /console/sign-in", c.requestCode)
	mux.HandleFunc("POST /console/sign-in/code", c.checkCode)
	mux.HandleFunc("POST /console/sign-out", c.signOut)
	mux.HandleFunc("GET /console/language/{lang}", c.setLanguage)
	mux.HandleFunc("GET /console/{$}", c.page(c.queuePage))
	mux.HandleFunc("GET /console/queue", c.pageWithoutTouch(c.queueFragment))
	mux.HandleFunc("GET /console/events", c.events)
	mux.HandleFunc("GET /console/tips/{code}", c.page(c.tipPage))
	mux.HandleFunc("POST /console/tips/{code}/{action}", c.page(c.tipAction))
	mux.HandleFunc("GET /console/reports", c.page(c.reportsPage))
	mux.HandleFunc("GET /console/calls/new", c.page(c.callPage))
	mux.HandleFunc("GET /console/roster", c.page(c.rosterPage))
	mux.HandleFunc("POST /console/roster/{kind}", c.page(c.rosterEdit))
	mux.HandleFunc("POST /console/roster/{kind}/{id}/{action}", c.page(c.rosterEdit))
	mux.HandleFunc("GET /console/audit", c.page(c.auditPage))
	mux.HandleFunc("POST /console/calls/suggest", c.page(c.suggestCall))
	mux.HandleFunc("POST /console/calls", c.page(c.recordCall))
	mux.HandleFunc("GET /console/reports.csv", c.page(c.reportsCSV))
	return http.NewCrossOriginProtection().Handler(noStore(mux)), nil
}

func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// randomToken returns n random bytes, base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newCode returns a random 6-digit code.
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

func (c *Console) setCookie(w http.ResponseWriter, name, value string, maxAge int, sameSite http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/console/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.Secure, SameSite: sameSite})
}

// viewerKey carries the signed-in viewer in a request's context.
type viewerKey struct{}

// page wraps a handler that needs a session: none (or an expired one)
// redirects to sign-in; a valid one moves the idle deadline.
func (c *Console) page(h func(http.ResponseWriter, *http.Request, hotline.Viewer)) http.HandlerFunc {
	return c.session(h, true)
}

// pageWithoutTouch is page for what the browser fetches by itself (the
// queue refreshed on a live update): it does not keep an idle session alive.
func (c *Console) pageWithoutTouch(h func(http.ResponseWriter, *http.Request, hotline.Viewer)) http.HandlerFunc {
	return c.session(h, false)
}

func (c *Console) session(h func(http.ResponseWriter, *http.Request, hotline.Viewer), touch bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := c.viewer(r, touch)
		if !ok {
			if r.Method == http.MethodGet && r.URL.Path != "/console/queue" {
				http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in again", http.StatusUnauthorized)
			return
		}
		h(w, r, v)
	}
}

func (c *Console) viewer(r *http.Request, touch bool) (hotline.Viewer, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return hotline.Viewer{}, false
	}
	v, err := c.Store.Session(r.Context(), ck.Value, c.Now(), c.IdleTimeout, touch)
	if err != nil {
		if !errors.Is(err, hotline.ErrUnauthorized) {
			c.Log.Error("console session", "err", err)
		}
		return hotline.Viewer{}, false
	}
	return v, true
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := c.Store.EndSession(r.Context(), ck.Value, c.Now()); err != nil {
			c.Log.Error("console sign-out", "err", err)
			c.fail(w, r, err)
			return
		}
	}
	c.setCookie(w, sessionCookie, "", -1, http.SameSiteLaxMode)
	http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
}

func (c *Console) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "sq" && lang != "en" {
		http.NotFound(w, r)
		return
	}
	c.setCookie(w, languageCookie, lang, 365*24*3600, http.SameSiteLaxMode)
	back := "/console/"
	if ref := r.URL.Query().Get("back"); len(ref) > 9 && ref[:9] == "/console/" {
		back = ref
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// fail answers an error by its kind (web.StatusOf's mapping) with a page
// that says what went wrong, without detail.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, key := http.StatusInternalServerError, "error"
	switch {
	case errors.Is(err, hotline.ErrNotFound):
		status, key = http.StatusNotFound, "not_found"
	case errors.Is(err, hotline.ErrUnauthorized):
		status, key = http.StatusForbidden, "forbidden"
	case errors.Is(err, hotline.ErrInvalid):
		status, key = http.StatusBadRequest, "invalid"
	case errors.Is(err, hotline.ErrConflict):
		status, key = http.StatusConflict, "conflict"
	default:
		c.Log.Error("console", "path", r.URL.Path, "err", err)
	}
	c.render(w, r, status, "error", map[string]any{"Message": key})
}
