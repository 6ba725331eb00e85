package triage

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hotline-al/hotline/hotline"
)

// labelled is one line of testdata/eval.jsonl: a tip and the classification
// a careful NRM officer gave it.
type labelled struct {
	ID             string   `json:"id"`
	Text           string   `json:"text"`
	Level          string   `json:"level"`
	Intake         string   `json:"intake"`
	Exploitation   []string `json:"exploitation"`
	Child          bool     `json:"child"`
	DangerNow      bool     `json:"danger_now"`
	County         string   `json:"county"`
	Municipality   string   `json:"municipality"`
	BorderCrossing string   `json:"border_crossing"`
	Scope          string   `json:"scope"`
}

func loadEval(tb testing.TB, path string) []labelled {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			tb.Fatalf("%s line %d: %v", path, n, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// confusion counts, per label value, true positives, false positives and
// false negatives.
type confusion map[string]*[3]int

func (c confusion) add(want, got string) {
	for _, k := range []string{want, got} {
		if c[k] == nil {
			c[k] = &[3]int{}
		}
	}
	if want == got {
		c[want][0]++
		return
	}
	c[got][1]++
	c[want][2]++
}

func (c confusion) addSet(want, got []string) {
	for _, w := range want {
		if slices.Contains(got, w) {
			c.add(w, w)
		} else {
			c.add(w, "")
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			c.add("", g)
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// precision and recall of value k; 1 when the set holds none (nothing to miss).
func (c confusion) precision(k string) float64 {
	if n := c[k]; n != nil {
		return ratio(n[0], n[0]+n[1])
	}
	return 1
}

func (c confusion) recall(k string) float64 {
	if n := c[k]; n != nil {
		return ratio(n[0], n[0]+n[2])
	}
	return 1
}

func (c confusion) report(t *testing.T, name string) {
	keys := make([]string, 0, len(c))
	for k := range c {
		if k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := c[k]
		t.Logf("  %-14s %-20s precision %.3f  recall %.3f  (tp %d, fp %d, fn %d)", name, k, c.precision(k), c.recall(k), n[0], n[1], n[2])
	}
}

func boolLabel(b bool) string { return fmt.Sprint(b) }

// scores are the figures the thresholds apply to.
type scores struct {
	p1Recall, childRecall, complicityRecall, countyAcc, levelAcc float64
}

// TestEvaluation classifies the labelled development set and checks the
// thresholds the project asks for. Set TRIAGE_EVAL_VERBOSE=1 to log every
// disagreement.
func TestEvaluation(t *testing.T) {
	tips := loadEval(t, "testdata/eval.jsonl")
	if len(tips) < 300 {
		t.Fatalf("only %d labelled tips, want at least 300", len(tips))
	}
	s := measure(t, MustNew(), tips)
	for _, th := range []struct {
		name string
		got  float64
		min  float64
	}{
		{"P1 recall", s.p1Recall, 0.98},
		{"child recall", s.childRecall, 0.95},
		{"official_complicity recall", s.complicityRecall, 0.95},
		{"county accuracy (tips naming a place)", s.countyAcc, 0.95},
		{"level accuracy", s.levelAcc, 0.85},
	} {
		if th.got < th.min {
			t.Errorf("%s = %.3f, below %.2f", th.name, th.got, th.min)
		}
	}
}

// TestHeldOut reports the figures on tips written after the rules were
// tuned (see EVALUATION.md): heldout.jsonl was then used for one round of
// fixes, heldout2.jsonl for three small ones, heldout3.jsonl (fix task D)
// measured before the review findings were fixed. It checks only that P1
// recall stays high.
func TestHeldOut(t *testing.T) {
	for _, f := range []string{"testdata/heldout.jsonl", "testdata/heldout2.jsonl", "testdata/heldout3.jsonl", "testdata/heldout4.jsonl"} {
		t.Run(f, func(t *testing.T) {
			s := measure(t, MustNew(), loadEval(t, f))
			if s.p1Recall < 0.85 {
				t.Errorf("held-out P1 recall = %.3f, below 0.85", s.p1Recall)
			}
		})
	}
}

// measure classifies tips, logs per-label precision and recall, and returns
// the scores.
func measure(t *testing.T, c *Classifier, tips []labelled) scores {
	verbose := os.Getenv("TRIAGE_EVAL_VERBOSE") != ""
	conf := map[string]confusion{}
	for _, f := range []string{"level", "intake", "exploitation", "child", "danger_now", "county", "municipality", "border_crossing", "scope"} {
		conf[f] = confusion{}
	}
	levelOK, placeTips, countyOK, muniOK := 0, 0, 0, 0
	for _, tip := range tips {
		got := c.Classify(tip.Text)
		conf["level"].add(tip.Level, string(got.Level))
		conf["intake"].add(tip.Intake, got.Intake)
		conf["exploitation"].addSet(tip.Exploitation, got.Exploitation)
		conf["child"].add(boolLabel(tip.Child), boolLabel(got.Child))
		conf["danger_now"].add(boolLabel(tip.DangerNow), boolLabel(got.DangerNow))
		conf["border_crossing"].add(tip.BorderCrossing, got.BorderCrossing)
		conf["scope"].add(tip.Scope, got.Scope)
		if string(got.Level) == tip.Level {
			levelOK++
		}
		if tip.County != "" {
			placeTips++
			if got.County == tip.County {
				countyOK++
			}
			if got.Municipality == tip.Municipality {
				muniOK++
			}
		}
		if verbose {
			var diffs []string
			check := func(name string, want, got any) {
				if fmt.Sprint(want) != fmt.Sprint(got) {
					diffs = append(diffs, fmt.Sprintf("%s want %v got %v", name, want, got))
				}
			}
			sortedWant := slices.Sorted(slices.Values(tip.Exploitation))
			sortedGot := slices.Sorted(slices.Values(got.Exploitation))
			check("level", tip.Level, got.Level)
			check("intake", tip.Intake, got.Intake)
			check("exploitation", sortedWant, sortedGot)
			check("child", tip.Child, got.Child)
			check("danger", tip.DangerNow, got.DangerNow)
			check("county", tip.County, got.County)
			check("municipality", tip.Municipality, got.Municipality)
			check("crossing", tip.BorderCrossing, got.BorderCrossing)
			check("scope", tip.Scope, got.Scope)
			if len(diffs) > 0 {
				t.Logf("%s %q\n    %s\n    reasons: %s", tip.ID, tip.Text, strings.Join(diffs, "; "), strings.Join(got.Reasons, " | "))
			}
		}
	}
	for _, f := range []string{"level", "intake", "exploitation", "child", "danger_now", "border_crossing", "scope"} {
		conf[f].report(t, f)
	}
	levelAcc := ratio(levelOK, len(tips))
	countyAcc := ratio(countyOK, placeTips)
	t.Logf("tips %d; level accuracy %.3f; county accuracy %.3f and municipality accuracy %.3f on the %d tips that name a place",
		len(tips), levelAcc, countyAcc, ratio(muniOK, placeTips), placeTips)
	return scores{
		p1Recall:         conf["level"].recall(string(hotline.LevelP1)),
		childRecall:      conf["child"].recall("true"),
		complicityRecall: conf["intake"].recall(hotline.IntakeOfficialComplicity),
		countyAcc:        countyAcc,
		levelAcc:         levelAcc,
	}
}
