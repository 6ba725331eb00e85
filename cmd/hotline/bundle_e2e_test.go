package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAlertSMSBundledWhenManyInAMinute: six P2 tips in Shkodër within a
// minute reach Arben (police, SMS only here): at most three as single SMS in
// that minute, the others inside bundles (one SMS naming several tips), sent
// at once when they come together or when the minute has passed; each
// bundled tip can still be acknowledged with OK <code>; a P1 is never held
// back.
func TestAlertSMSBundledWhenManyInAMinute(t *testing.T) {
	h := newHarness(t)
	if n := h.count(`WITH u AS (UPDATE responders SET telegram_chat_id = NULL WHERE name = 'Arben Hoxha' RETURNING 1) SELECT count(*) FROM u`); n != 1 {
		t.Fatal("Arben not found")
	}
	h.start()
	const arben = "+355690000301"
	var codes []string
	for i := range 6 {
		from := fmt.Sprintf("+3556900%05d", 50000+i)
		h.sms(from, fmt.Sprintf("Në Shkodër një pronar i mban pasaportat e punëtorëve dhe nuk i paguan, lokali %d", i+1))
		codes = append(codes, codeIn(t, h.waitSMS(from, "0800 12 12").Body))
	}
	// What reached Arben: single alerts and bundles, and which codes.
	reached := func() (singles, bundles int, got map[string]bool) {
		got = map[string]bool{}
		for _, m := range h.twilio.MessagesTo(arben) {
			n := 0
			for _, code := range codes {
				if strings.Contains(m.Body, code) {
					got[code] = true
					n++
				}
			}
			switch {
			case strings.Contains(m.Body, "sinjalizime të reja"):
				bundles++
			case n == 1:
				singles++
			}
		}
		return singles, bundles, got
	}
	deadline := time.Now().Add(20 * time.Second)
	for s, b, _ := reached(); s+b < 3 && time.Now().Before(deadline); s, b, _ = reached() {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // the sender has seen all six
	if singles, _, got := reached(); singles > 3 || len(got) == 6 && singles == 6 {
		t.Fatalf("%d single alert SMS within the minute, want at most 3 (codes reached: %d)", singles, len(got))
	}
	// A P1 in the same minute is not held back.
	h.sms("+355690059999", "Në Shkodër mbajnë një vajzë të mbyllur në një bar, ndihmë tani")
	p1 := codeIn(t, h.waitSMS("+355690059999", "0800 12 12").Body)
	h.waitSMS(arben, p1)

	h.clock.Advance(61 * time.Second)
	deadline = time.Now().Add(20 * time.Second)
	for _, _, got := reached(); len(got) < 6 && time.Now().Before(deadline); _, _, got = reached() {
		time.Sleep(100 * time.Millisecond)
	}
	singles, bundles, got := reached()
	if len(got) != 6 || bundles == 0 || singles+bundles >= 6 {
		t.Fatalf("reached %d of 6 tips in %d single SMS and %d bundles; want all, some bundled", len(got), singles, bundles)
	}
	sent := func() int {
		return h.count(`SELECT count(*) FROM outbox o JOIN responders r ON r.id = o.responder_id
			WHERE r.name = 'Arben Hoxha' AND o.kind = 'alert' AND o.state IN ('sent', 'delivered')`)
	}
	for end := time.Now().Add(10 * time.Second); sent() != 7 && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond) // a bundle's items are recorded after Twilio answered
	}
	if c := sent(); c != 7 {
		t.Errorf("%d of Arben's 7 alerts recorded sent", c)
	}
	var bundled string
	for _, m := range h.twilio.MessagesTo(arben) {
		if strings.Contains(m.Body, "sinjalizime të reja") {
			for _, code := range codes {
				if strings.Contains(m.Body, code) {
					bundled = code
				}
			}
		}
	}
	h.sms(arben, "OK "+bundled)
	h.waitSMS(arben, "U pranua "+bundled)
}
