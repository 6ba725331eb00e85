package dispatch

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	broken := errors.New("502")
	for _, tc := range []struct {
		name    string
		reports []error // one a minute from t0
		at      time.Duration
		want    map[string]bool
	}{
		{"nothing reported", nil, 10 * time.Minute, map[string]bool{}},
		{"working", []error{nil, nil}, 10 * time.Minute, map[string]bool{"c": false}},
		{"failing, not long enough", []error{broken, broken}, 4 * time.Minute, map[string]bool{"c": false}},
		{"failing since the first failure", []error{nil, broken, broken}, 6 * time.Minute, map[string]bool{"c": true}},
		{"a success ends it", []error{broken, broken, nil}, 10 * time.Minute, map[string]bool{"c": false}},
		{"failing again counts anew", []error{broken, nil, broken}, 6 * time.Minute, map[string]bool{"c": false}},
	} {
		var h Health
		for i, err := range tc.reports {
			h.Report("c", err, t0.Add(time.Duration(i)*time.Minute))
		}
		got := h.Failing(t0.Add(tc.at), 5*time.Minute)
		if len(got) != len(tc.want) || got["c"] != tc.want["c"] {
			t.Errorf("%s: Failing = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBundleLine(t *testing.T) {
	long := "Në Shkodër " + strings.Repeat("ë", 200)
	for _, tc := range []struct{ body, want string }{
		{"P2 · Shkodër · K7Q-4MP\nthird_party · labour · sms\n\nNë Shkodër\nnjë bar", "P2 · Shkodër · K7Q-4MP: Në Shkodër një bar"},
		{"P1 · Tiranë · AAA-111", "P1 · Tiranë · AAA-111"},
		{"P1 · Tiranë · AAA-111\nx\n\n" + long, "P1 · Tiranë · AAA-111: " + string([]rune(long)[:bundleExcerpt]) + "…"},
	} {
		if got := bundleLine(tc.body); got != tc.want {
			t.Errorf("bundleLine(%.30q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}
