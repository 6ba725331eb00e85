package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hotline-al/hotline/hotline"
)

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.viewer(r, false); ok {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "sign_in", nil)
}

// requestCode sends a code to the responder the identifier names. The page
// answers the same whether or not the identifier is on the roster, so it
// tells a stranger nothing; the browser gets a fresh challenge cookie that
// binds the code to it.
func (c *Console) requestCode(w http.ResponseWriter, r *http.Request) {
	identifier := strings.TrimSpace(r.PostFormValue("identifier"))
	if identifier == "" || len(identifier) > 64 {
		c.render(w, r, http.StatusBadRequest, "sign_in", map[string]any{"Notice": "invalid"})
		return
	}
	challenge := randomToken(32)
	now := c.Now()
	responder, err := c.Store.ResponderForSignIn(r.Context(), identifier)
	switch {
	case errors.Is(err, hotline.ErrNotFound):
		// Same answer as for a real responder: no code exists for this challenge.
	case err != nil:
		c.fail(w, r, err)
		return
	default:
		code := newCode()
		body := "hotline: kodi i hyrjes në konsol / console sign-in code: " + code +
			" (" + c.CodeTTL.String() + "). Mos ia jepni askujt. / Never share it."
		err = c.Store.StartSignIn(r.Context(), responder, challenge, code, body, now.Add(c.CodeTTL), now)
		if errors.Is(err, hotline.ErrConflict) {
			c.render(w, r, http.StatusTooManyRequests, "sign_in", map[string]any{"Notice": "code_wait"})
			return
		}
		if err != nil && !errors.Is(err, hotline.ErrNotFound) {
			c.fail(w, r, err)
			return
		}
	}
	c.setCookie(w, challengeCookie, challenge, int(c.CodeTTL.Seconds()), http.SameSiteStrictMode)
	c.render(w, r, http.StatusOK, "sign_in", map[string]any{"CodeStep": true, "Minutes": int(c.CodeTTL.Minutes())})
}

// checkCode opens a session when the code matches this browser's sign-in
// attempt.
func (c *Console) checkCode(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(challengeCookie)
	if err != nil || ck.Value == "" {
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	token := randomToken(32)
	_, err = c.Store.FinishSignIn(r.Context(), ck.Value, code, token, c.Now())
	if errors.Is(err, hotline.ErrUnauthorized) {
		c.render(w, r, http.StatusUnauthorized, "sign_in", map[string]any{"CodeStep": true, "Wrong": true, "Minutes": int(c.CodeTTL.Minutes())})
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.setCookie(w, challengeCookie, "", -1, http.SameSiteStrictMode)
	c.setCookie(w, sessionCookie, token, 0, http.SameSiteLaxMode)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}
