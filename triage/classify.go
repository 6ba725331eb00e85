package triage

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hotline-al/hotline/hotline"
)

// state is the evaluation of all signals for one text.
type state struct {
	fired []bool
	hits  [][]span // where each signal fired (phrases), or its members fired
}

// Classify classifies the whole text of a tip. The result is Normalized and
// its Reasons name the rules that fired.
func (c *Classifier) Classify(text string) hotline.Classification {
	text = prepare(text)
	toks := tokenize(text)
	st, pr := c.evaluate(text, toks)
	return c.decide(&st, pr, text, toks)
}

// evaluate finds the places and fires the signals of a prepared text.
func (c *Classifier) evaluate(text string, toks []token) (state, placeResult) {
	st := state{fired: make([]bool, len(c.signals)), hits: make([][]span, len(c.signals))}

	// Engine facts.
	ms := c.findPlaces(text, toks)
	pr := c.choosePlace(ms, toks, text)
	c.set(&st, sigPlace, pr.county != "")
	c.set(&st, sigBorderCrossing, pr.crossing != "")
	c.set(&st, sigQuestionMark, strings.Contains(text, "?"))
	c.set(&st, sigEmpty, len(toks) == 0)
	c.set(&st, sigShort, len(toks) > 0 && len(toks) <= c.short)

	// Phrase signals.
	var buf []int
	for i := range toks {
		buf = c.phrases.candidates(&toks[i], buf)
		for _, n := range buf {
			sig := c.phrases.owner[n]
			if end, _, ok := c.m.matchAt(&c.phrases.list[n], toks, i); ok {
				if h := st.hits[sig]; len(h) == 0 || h[len(h)-1] != (span{i, end}) {
					st.hits[sig] = append(st.hits[sig], span{i, end})
				}
				st.fired[sig] = true
			}
		}
	}
	// Derived signals, in file order.
	sentence := make([]int, len(toks)) // sentence number of each token
	for i := range toks {
		if i > 0 {
			sentence[i] = sentence[i-1]
			if toks[i].sentenceStart {
				sentence[i]++
			}
		}
	}
	for k := range c.signals {
		s := &c.signals[k]
		switch s.kind {
		case kindWhen:
			st.fired[k] = st.holds(cond{s.any, s.all, s.none})
			if st.fired[k] {
				st.hits[k] = st.union(append(slices.Clone(s.any), s.all...))
			}
		case kindNear:
			a, b := s.near[0], s.near[1]
			for _, x := range st.hits[a] {
				for _, y := range st.hits[b] {
					if gapBetween(x, y) <= s.window && (!s.sentence || sentence[x.start] == sentence[y.start]) &&
						(!s.ordered || x.end <= y.start) {
						st.fired[k] = true
						st.hits[k] = append(st.hits[k], span{min(x.start, y.start), max(x.end, y.end)})
					}
				}
			}
		case kindWeights:
			sum := 0
			var pos []int
			for _, w := range s.weights {
				if st.fired[w.sig] {
					sum += w.w
					if w.w > 0 {
						pos = append(pos, w.sig)
					}
				}
			}
			if sum >= s.threshold && len(pos) > 0 {
				st.fired[k] = true
				st.hits[k] = st.union(pos)
			}
		}
	}
	return st, pr
}

// decide applies the decision rules to evaluated signals.
func (c *Classifier) decide(st *state, pr placeResult, text string, toks []token) hotline.Classification {
	out := hotline.Classification{
		County:         pr.county,
		Municipality:   pr.municipality,
		BorderCrossing: pr.crossing,
		Child:          st.fired[c.child],
		DangerNow:      st.fired[c.danger],
	}
	var reasons []string
	why := func(label string, sig int) {
		if len(st.hits[sig]) == 0 { // a pseudo-signal such as P1 or place
			reasons = append(reasons, fmt.Sprintf("%s (%s)", label, c.signals[sig].name))
			return
		}
		reasons = append(reasons, fmt.Sprintf("%s: %s", label, st.quote(sig, text, toks)))
	}

	for _, r := range c.levels {
		if st.holds(r.when) {
			out.Level = hotline.Level(r.value)
			reasons = append(reasons, fmt.Sprintf("level %s: %s", r.value, r.name))
			break
		}
	}
	if !out.Level.Valid() {
		out.Level = hotline.LevelP4
	}
	c.set(st, string(out.Level), true)
	if out.DangerNow {
		why("danger_now", c.danger)
	}
	if out.Child {
		why("child", c.child)
	}
	for _, f := range c.forms {
		if st.fired[f.sig] && !slices.Contains(out.Exploitation, f.form) {
			out.Exploitation = append(out.Exploitation, f.form)
			why(f.form, f.sig)
		}
	}
	for _, name := range hotline.IntakePrecedence {
		if cd, ok := c.intake[name]; ok && st.holds(cd) {
			out.Intake = name
			if sig := st.firstFired(cd); sig >= 0 {
				why("intake "+name, sig)
			}
			break
		}
	}
	// Complicity sticks even when a stronger intake (witness_threat) wins.
	if cd, ok := c.intake[hotline.IntakeOfficialComplicity]; ok && st.holds(cd) {
		out.OfficialComplicity = true
	}
	for _, r := range c.scopes {
		if st.holds(r.when) {
			out.Scope = r.value
			if sig := st.firstFired(r.when); sig >= 0 && r.value != hotline.ScopeUnknown {
				why("scope "+r.value, sig)
			}
			break
		}
	}
	out.Reasons = append(reasons, pr.reasons...)
	return out.Normalized()
}

func (c *Classifier) set(st *state, name string, v bool) {
	st.fired[c.sigIndex[name]] = v
}

// holds evaluates a condition: some of any (if any are given), all of all,
// none of none.
func (st *state) holds(cd cond) bool {
	if len(cd.any) > 0 && !slices.ContainsFunc(cd.any, func(k int) bool { return st.fired[k] }) {
		return false
	}
	for _, k := range cd.all {
		if !st.fired[k] {
			return false
		}
	}
	for _, k := range cd.none {
		if st.fired[k] {
			return false
		}
	}
	return true
}

// firstFired returns the first signal of a condition's any or all that
// fired, -1 if none did.
func (st *state) firstFired(cd cond) int {
	for _, l := range [][]int{cd.any, cd.all} {
		for _, k := range l {
			if st.fired[k] {
				return k
			}
		}
	}
	return -1
}

func (st *state) union(sigs []int) []span {
	var out []span
	for _, k := range sigs {
		if st.fired[k] {
			out = append(out, st.hits[k]...)
		}
	}
	return out
}

// quote shows where a signal fired (” for a signal without a place in the
// text, such as "short").
func (st *state) quote(sig int, text string, toks []token) string {
	h := st.hits[sig]
	if len(h) == 0 {
		return "''"
	}
	first := h[0]
	for _, s := range h[1:] {
		if s.start < first.start {
			first = s
		}
	}
	return quote(text, toks, first)
}

// gapBetween is the number of tokens between two spans (0 when they touch
// or overlap).
func gapBetween(a, b span) int {
	if a.end <= b.start {
		return b.start - a.end
	}
	if b.end <= a.start {
		return a.start - b.end
	}
	return 0
}

const maxQuote = 40 // runes

// quote returns the text of tokens [s.start, s.end) in single quotes, with
// white space collapsed and at most maxQuote runes.
func quote(text string, toks []token, s span) string {
	if s.start >= s.end || s.end > len(toks) {
		return "''"
	}
	q := strings.Join(strings.Fields(text[toks[s.start].start:toks[s.end-1].end]), " ")
	if utf8.RuneCountInString(q) > maxQuote {
		r := []rune(q)
		q = string(r[:maxQuote]) + "…"
	}
	return "'" + q + "'"
}
