package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserSession starts Debian's chromium, headless, with a fresh profile and
// a phone-sized window. Without chromium the test fails when CI=true (CI must
// run it: scripts/test installs chromium) and is skipped otherwise.
func browserSession(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/test installs Debian's chromium package); the browser test must run in CI")
		}
		t.Skip("chromium is not installed; scripts/test installs it (CI=true makes this a failure)")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs browser steps with a time limit, failing the test with what.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// screenshot saves the viewport as docs/screenshots/name.png when
// HOTLINE_SCREENSHOTS=1 (so that CI never rewrites them).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("HOTLINE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) > 150_000 {
		t.Errorf("screenshot %s is %d bytes, want under 150 KB", name, len(png))
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signIn signs in through the sign-in pages; the code arrives on Telegram.
func (h *harness) browserSignIn(t *testing.T, ctx context.Context, chat int64) {
	t.Helper()
	do(t, ctx, "ask for a code", chromedp.Navigate(h.base+"/console/sign-in"),
		chromedp.SendKeys(`input[name="identifier"]`, fmt.Sprint(chat)), chromedp.Click(`form[action="/console/sign-in"] button`),
		chromedp.WaitVisible(`input[name="code"]`))
	code := sixDigits.FindString(h.waitTelegram(chat, "console sign-in code").Text)
	do(t, ctx, "enter the code", chromedp.SendKeys(`input[name="code"]`, code), chromedp.Click(`form[action="/console/sign-in/code"] button`),
		chromedp.WaitVisible(`form[action="/console/sign-out"]`))
}

func (h *harness) browserSignOut(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "sign out", chromedp.Click(`form[action="/console/sign-out"] button`), chromedp.WaitVisible(`input[name="identifier"]`))
}

// TestConsoleInChromium is issue 6's acceptance in a real browser: Shkodër's
// police signs in with a code, sees a new P1 appear live in the queue, opens
// it, acknowledges it, replies to the reporter (who receives the SMS) and
// closes it; Tiranë's police is refused the tip; the national desk's reports
// page draws its charts and its CSV downloads.
func TestConsoleInChromium(t *testing.T) {
	h := newHarness(t)
	h.start()
	ctx := browserSession(t)

	h.browserSignIn(t, ctx, 100000201) // Arben Hoxha, police, Shkodër
	do(t, ctx, "queue", chromedp.Navigate(h.base+"/console/"), chromedp.WaitVisible(`#queue`))
	text := "Në Shkodër mbajnë një vajzë 15 vjeçe të mbyllur në një bar, ndihmë tani"
	if status, _ := h.sms(reporterPhone, text); status != 200 {
		t.Fatalf("webhook: %d", status)
	}
	code := codeIn(t, h.waitSMS(reporterPhone, "0800 12 12").Body)
	link := fmt.Sprintf(`#queue a[href="/console/tips/%s"]`, code)
	do(t, ctx, "the new P1 appears live", chromedp.WaitVisible(link))
	row, err := chromedp.Run(ctx, chromedp.Text(`#queue tr.P1`))
	if err != nil || !strings.Contains(row, code) {
		t.Fatalf("the P1 row: %q, %v", row, err)
	}
	screenshot(t, ctx, "queue")

	do(t, ctx, "open the tip", chromedp.Click(link), chromedp.WaitVisible(`form[action$="/acknowledge"]`))
	do(t, ctx, "acknowledge", chromedp.Click(`form[action$="/acknowledge"] button`), chromedp.WaitNotPresent(`form[action$="/acknowledge"]`))
	if n := h.count(`SELECT count(*) FROM tips WHERE reference_code = $1 AND status = 'acknowledged'`, code); n != 1 {
		t.Fatal("not acknowledged")
	}
	reply := "Jemi rrugës. Ku ndodheni saktësisht?"
	do(t, ctx, "reply to the reporter", chromedp.SendKeys(`#relay textarea`, reply), chromedp.Click(`#relay button`),
		chromedp.WaitVisible(`#relay-result`))
	if got, _ := chromedp.Run(ctx, chromedp.Text(`#relay-result`)); !strings.Contains(got, "U dërgua") {
		t.Errorf("relay result: %q", got)
	}
	if sms := h.waitSMS(reporterPhone, "Ku ndodheni saktësisht"); strings.Contains(sms.Body, "Arben") {
		t.Errorf("the reporter learns the responder's name: %q", sms.Body)
	}
	screenshot(t, ctx, "tip")
	do(t, ctx, "close", chromedp.SetValue(`select[name="outcome"]`, "referred"), chromedp.Click(`form[action$="/close"] button`),
		chromedp.WaitNotPresent(`form[action$="/close"]`))
	if n := h.count(`SELECT count(*) FROM tips WHERE reference_code = $1 AND status = 'closed' AND outcome = 'referred'`, code); n != 1 {
		t.Fatal("not closed")
	}
	h.browserSignOut(t, ctx)

	h.browserSignIn(t, ctx, 100000211) // Besnik Kola, police, Tiranë
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(h.base+"/console/tips/"+code))
	if err != nil || resp == nil || resp.Status != 404 {
		t.Errorf("Tiranë's police opens a Shkodër tip: %+v, %v; want 404", resp, err)
	}
	if page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); !strings.Contains(page, "Nuk u gjet") || strings.Contains(page, "vjeçe") {
		t.Errorf("Tiranë's police on a Shkodër tip sees: %q", page)
	}
	do(t, ctx, "back to the queue", chromedp.Navigate(h.base+"/console/"), chromedp.WaitVisible(`#queue`))
	h.browserSignOut(t, ctx)

	// Shkodër's coordinator adds a weekly rotation from the roster page.
	h.browserSignIn(t, ctx, 100000203) // Gent Marku, coordinator, Shkodër
	arben := fmt.Sprint(h.count(`SELECT id FROM responders WHERE name = 'Arben Hoxha'`))
	do(t, ctx, "roster", chromedp.Navigate(h.base+"/console/roster"), chromedp.WaitReady(`form[action="/console/roster/rotations"]`))
	// The forms sit in closed <details> (the page stays short on a phone): open them.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll('details').forEach(d => d.open = true); true`)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "add a rotation", chromedp.SendKeys(`form[action="/console/roster/rotations"] input[name="name"]`, "Policia Shkodër"),
		chromedp.SetValue(`form[action="/console/roster/rotations"] select[name="role"]`, "police"),
		chromedp.SetValue(`form[action="/console/roster/rotations"] select[name="member"]`, arben),
		chromedp.Click(`form[action="/console/roster/rotations"] button`),
		chromedp.WaitVisible(`form[action$="/remove"]`))
	if page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); !strings.Contains(page, "Policia Shkodër") {
		t.Errorf("the roster page does not list the new rotation: %.300q", page)
	}
	screenshot(t, ctx, "roster")
	h.browserSignOut(t, ctx)

	h.browserSignIn(t, ctx, 100000401) // Vera Koci, national desk
	now := h.clock.Now().UTC()
	reports := fmt.Sprintf("%s/console/reports?from=%s&to=%s", h.base, now.AddDate(0, 0, -14).Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly))
	do(t, ctx, "reports", chromedp.Navigate(reports), chromedp.WaitVisible(`svg[aria-label="tips per week"] rect`),
		chromedp.WaitVisible(`svg[aria-label="time to acknowledge"] rect`))
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('svg[role="img"]').getBoundingClientRect().width`))
	if err != nil || width < 20 { // one bar per week
		t.Errorf("chart width %v, %v", width, err)
	}
	screenshot(t, ctx, "reports")
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href^="/console/reports.csv"]').href).then(r => r.ok ? r.text() : "HTTP " + r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(csv, "period_start,period_end,county,municipality,measure,breakdown,value") || !strings.Contains(csv, "AL-10") {
		t.Errorf("CSV: %v\n%.500s", err, csv)
	}
	if strings.Contains(csv, "1234") {
		t.Error("the CSV carries the reporter's number")
	}
}
