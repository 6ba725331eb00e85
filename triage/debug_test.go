package triage

import (
	"os"
	"testing"
)

// TestDebugSignals prints the tokens and the signals that fire for the text
// in TRIAGE_DEBUG (a tool for writing rules; skipped otherwise).
func TestDebugSignals(t *testing.T) {
	text := os.Getenv("TRIAGE_DEBUG")
	if text == "" {
		t.Skip("set TRIAGE_DEBUG to a text")
	}
	c := MustNew()
	text = prepare(text)
	toks := tokenize(text)
	var fs []string
	for _, tk := range toks {
		fs = append(fs, tk.fold)
	}
	t.Logf("tokens %q", fs)
	st, _ := c.evaluate(text, toks)
	for k, s := range c.signals {
		if st.fired[k] {
			t.Logf("fired %-22s %s", s.name, st.quote(k, text, toks))
		}
	}
	t.Logf("%+v", c.Classify(text))
}
