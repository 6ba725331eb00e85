package triage

import (
	"fmt"
	"strings"
	"unicode"
)

// mention is one place name found in the text.
type mention struct {
	place      int
	at         span
	weight     int
	countyOnly bool
}

// findPlaces returns the place names of toks that count: exact spellings,
// and spellings that are ordinary words too (ambiguous) or that are one
// edit away from a name (fuzzy) only with context: a context word right
// before, or a capital letter that does not start a sentence.
func (c *Classifier) findPlaces(text string, toks []token) []mention {
	var out []mention
	var buf []int
	end := 0 // mentions do not overlap
	for i := range toks {
		if i < end {
			continue
		}
		best, bestEnd := -1, 0
		try := func(n int) {
			p := &c.placeIx.list[n]
			e, fuzzy, ok := c.placeMatch.matchAt(p, toks, i)
			if !ok || e <= bestEnd {
				return
			}
			weak := fuzzy || c.places[c.placeIx.owner[n]].ambiguous[n]
			if fuzzy && c.ordinary[toks[i].fold] {
				return // "makin" (a car) is never Mat by a typo
			}
			if fuzzy && c.notPlaces[toks[i].fold] {
				// A name or word one typo from a place ("Flora", "Vlora")
				// counts only after a place preposition ("në Flora").
				if w, _, ok := c.contextBefore(toks, i); !ok || w == 0 {
					return
				}
			} else if weak && !c.hasContext(text, toks, i, e, fuzzy) {
				return
			}
			best, bestEnd = n, e
		}
		for _, n := range c.placeIx.candidates(&toks[i], buf) {
			try(n)
		}
		if len(toks[i].fold) >= c.placeMatch.fuzzyMin-1 && toks[i].num < 0 {
			for _, n := range c.fuzzy {
				try(n)
			}
		}
		if best < 0 {
			continue
		}
		pl := c.places[c.placeIx.owner[best]]
		w, countyOnly, known := c.contextBefore(toks, i)
		switch {
		case known && w == 0:
			continue // e.g. a street named after a town
		case !known:
			w = c.plainWeight
		}
		if pl.crossing != "" {
			w = c.crossWeight
		}
		out = append(out, mention{place: c.placeIx.owner[best], at: span{i, bestEnd}, weight: w, countyOnly: countyOnly})
		end = bestEnd
	}
	return out
}

// contextBefore returns the weight the first context rule whose phrase ends
// right before toks[i] gives, and whether one did.
func (c *Classifier) contextBefore(toks []token, i int) (weight int, countyOnly, ok bool) {
	for _, cr := range c.context {
		for k := range cr.phrases {
			p := &cr.phrases[k]
			start := i - len(p.parts)
			if start < 0 {
				continue
			}
			if e, _, ok := c.m.matchAt(p, toks, start); ok && e == i {
				return cr.weight, cr.countyOnly, true
			}
		}
	}
	return 0, false, false
}

// hasContext: a context word with a positive weight right before, a
// capitalised word inside a sentence, or a name that heads a sentence and is
// followed by a colon ("Fier: …"), or by a comma when it matched only
// fuzzily ("Tirnana, …"; a greeting such as "Mirdita, …" is not a place).
func (c *Classifier) hasContext(text string, toks []token, i, end int, fuzzy bool) bool {
	if toks[i].capitalised && !toks[i].sentenceStart {
		return true
	}
	if !fuzzy && hasDiacritic(text[toks[i].start:toks[end-1].end]) {
		return true // "Pukë" written with its ë is not English "puke"
	}
	if toks[i].sentenceStart {
		after := strings.TrimLeft(text[toks[end-1].end:], " \t")
		if strings.HasPrefix(after, ":") || fuzzy && strings.HasPrefix(after, ",") {
			return true
		}
	}
	w, _, ok := c.contextBefore(toks, i)
	return ok && w > 0
}

// placeResult is what the places of a text decide.
type placeResult struct {
	county, municipality, crossing string
	reasons                        []string
}

// choosePlace picks the mention with the highest weight (the first among
// equals); a border crossing is reported whenever one is named. A chosen
// mention without a municipality takes one from another mention in the same
// county.
func (c *Classifier) choosePlace(ms []mention, toks []token, text string) placeResult {
	var r placeResult
	if len(ms) == 0 {
		return r
	}
	best := 0
	for i, m := range ms {
		if m.weight > ms[best].weight {
			best = i
		}
	}
	bp := c.places[ms[best].place]
	r.county, r.municipality = bp.county, bp.municipality
	if ms[best].countyOnly {
		r.municipality = ""
	}
	r.reasons = append(r.reasons, fmt.Sprintf("place: %s → %s", quote(text, toks, ms[best].at), placeLabel(bp)))
	for _, m := range ms {
		p := c.places[m.place]
		if r.municipality == "" && p.county == r.county && p.municipality != "" && !m.countyOnly {
			r.municipality = p.municipality
		}
		if r.crossing == "" && p.crossing != "" {
			r.crossing = p.crossing
			if m.place != ms[best].place {
				r.reasons = append(r.reasons, fmt.Sprintf("border_crossing: %s → %s", quote(text, toks, m.at), p.crossing))
			}
		}
	}
	return r
}

func placeLabel(p place) string {
	switch {
	case p.crossing != "":
		return fmt.Sprintf("%s (border crossing, %s)", p.crossing, p.county)
	case p.label != p.municipality:
		return fmt.Sprintf("%s, %s (%s)", p.label, p.municipality, p.county)
	}
	return fmt.Sprintf("%s (%s)", p.municipality, p.county)
}

// hasDiacritic reports whether s has a letter outside ASCII (ë, ç): an
// ambiguous place name written so is the place, not the ordinary word.
func hasDiacritic(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
