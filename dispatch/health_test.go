package dispatch

import (
	"errors"
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
