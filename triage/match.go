package triage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// part is one token pattern of a phrase.
type part struct {
	alts      []string // folded alternatives
	prefix    []bool   // prefix[i]: alts[i] ended in '*'
	age       bool     // '#': a number in the child age range
	negated   bool     // '!': one token matching none of alts, or the end of the text
	gapBefore bool     // preceded by "...": up to maxGap tokens may come first
}

// phrase is a compiled phrase: a sequence of parts.
type phrase struct {
	raw   string
	parts []part
}

// compilePhrase parses the phrase syntax described in the package comment.
// Words are folded and split like text: "s'kam" is two tokens, and an
// alternative of several tokens ("i'm|im") makes a phrase of its own, so
// one written phrase may compile to several.
func compilePhrase(raw string) ([]phrase, error) {
	seqs := [][]part{nil}
	gap := false
	for _, word := range strings.Fields(raw) {
		var options [][]part // the ways this word can match
		switch {
		case word == "...":
			if gap || len(seqs[0]) == 0 {
				return nil, fmt.Errorf("phrase %q: misplaced \"...\"", raw)
			}
			gap = true
			continue
		case word == "#":
			options = [][]part{{{age: true}}}
		default:
			negated := strings.HasPrefix(word, "!")
			single := part{negated: negated}
			for _, a := range strings.Split(strings.TrimPrefix(word, "!"), "|") {
				star := strings.HasSuffix(a, "*")
				toks := tokenize(prepare(strings.TrimSuffix(a, "*")))
				switch {
				case len(toks) == 0:
					return nil, fmt.Errorf("phrase %q: empty word in %q", raw, word)
				case len(toks) == 1:
					single.alts = append(single.alts, toks[0].fold)
					single.prefix = append(single.prefix, star)
				case negated:
					return nil, fmt.Errorf("phrase %q: negated alternative %q must be one word", raw, a)
				default:
					var opt []part
					for i, t := range toks {
						opt = append(opt, part{alts: []string{t.fold}, prefix: []bool{star && i == len(toks)-1}})
					}
					options = append(options, opt)
				}
			}
			if len(single.alts) > 0 {
				options = append([][]part{{single}}, options...)
			}
		}
		var next [][]part
		for _, s := range seqs {
			for _, opt := range options {
				opt = slices.Clone(opt)
				opt[0].gapBefore = gap
				next = append(next, append(slices.Clone(s), opt...))
			}
		}
		seqs = next
		gap = false
	}
	if gap {
		return nil, fmt.Errorf("phrase %q: ends in \"...\"", raw)
	}
	var out []phrase
	for _, s := range seqs {
		if len(s) == 0 || s[0].negated {
			return nil, fmt.Errorf("phrase %q: must start with a word", raw)
		}
		out = append(out, phrase{raw: raw, parts: s})
	}
	return out, nil
}

// matcher holds what matching needs besides the phrase.
type matcher struct {
	maxGap         int
	ageMin, ageMax int
	fuzzyMin       int // exact words at least this long also match with one edit (0: never)
}

// tokenMatch reports whether t matches part pt; fuzzy is set when it
// matched only within one edit.
func (m *matcher) tokenMatch(pt *part, t *token) (ok, fuzzy bool) {
	if pt.age {
		return t.num >= m.ageMin && t.num <= m.ageMax, false
	}
	for i, a := range pt.alts {
		if pt.prefix[i] {
			if strings.HasPrefix(t.fold, a) {
				return true, false
			}
		} else if t.fold == a {
			return true, false
		}
	}
	if m.fuzzyMin > 0 && !pt.negated {
		for i, a := range pt.alts {
			if !pt.prefix[i] && len(a) >= m.fuzzyMin && oneEdit(a, t.fold) {
				return true, true
			}
		}
	}
	return false, false
}

// oneEdit reports whether a and b are exactly one edit apart: one letter
// inserted, deleted or replaced (Levenshtein), or two adjacent letters
// swapped ("shkdoer" for "shkoder", optimal string alignment).
func oneEdit(a, b string) bool {
	if d := len(a) - len(b); d > 1 || d < -1 || a == b {
		return false
	}
	if swappedOnce(a, b) {
		return true
	}
	// Cheap filter before the full distance: a typo keeps most letters in place.
	if a[0] != b[0] && a[len(a)-1] != b[len(b)-1] {
		return false
	}
	return levenshtein.ComputeDistance(a, b) == 1
}

// swappedOnce reports whether b is a with exactly one pair of adjacent
// bytes swapped (folded names are ASCII).
func swappedOnce(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i] != a[i+1] && a[i+2:] == b[i+2:]
}

// matchAt tries to match p with its first part at toks[i]. It returns the
// end (exclusive) of the match and whether any token matched only fuzzily.
func (m *matcher) matchAt(p *phrase, toks []token, i int) (end int, fuzzy, ok bool) {
	return m.matchFrom(p, 0, toks, i)
}

func (m *matcher) matchFrom(p *phrase, k int, toks []token, i int) (int, bool, bool) {
	if k == len(p.parts) {
		return i, false, true
	}
	pt := &p.parts[k]
	gap := 0
	if pt.gapBefore {
		gap = m.maxGap
	}
	for j := i; j <= i+gap; j++ {
		if pt.negated {
			if j >= len(toks) {
				return j, false, k == len(p.parts)-1
			}
			if ok, _ := m.tokenMatch(pt, &toks[j]); ok {
				continue
			}
			if end, fz, ok := m.matchFrom(p, k+1, toks, j+1); ok {
				return end, fz, true
			}
			continue
		}
		if j >= len(toks) {
			break
		}
		if ok, fz := m.tokenMatch(pt, &toks[j]); ok {
			if end, fz2, ok := m.matchFrom(p, k+1, toks, j+1); ok {
				return end, fz || fz2, true
			}
		}
	}
	return 0, false, false
}

// span is a match: tokens [start, end).
type span struct{ start, end int }

// phraseIndex finds every match of a set of phrases quickly: phrases are
// bucketed by the words their first part can start with.
type phraseIndex struct {
	exact  map[string][]int // first-part exact word → phrase numbers
	prefix map[string][]int // first three letters of a first-part prefix → phrase numbers
	other  []int            // short prefixes and '#': tried at every token
	list   []phrase
	owner  []int // phrase number → owner (signal or place) number
}

func (ix *phraseIndex) add(p phrase, owner int) {
	if ix.exact == nil {
		ix.exact, ix.prefix = map[string][]int{}, map[string][]int{}
	}
	n := len(ix.list)
	ix.list = append(ix.list, p)
	ix.owner = append(ix.owner, owner)
	first := p.parts[0]
	if first.age {
		ix.other = append(ix.other, n)
		return
	}
	for i, a := range first.alts {
		switch {
		case !first.prefix[i]:
			ix.exact[a] = append(ix.exact[a], n)
		case len(a) >= 3:
			ix.prefix[a[:3]] = append(ix.prefix[a[:3]], n)
		default:
			ix.other = append(ix.other, n)
		}
	}
}

// candidates returns the phrases that may start at t (possibly with repeats).
func (ix *phraseIndex) candidates(t *token, buf []int) []int {
	buf = append(buf[:0], ix.exact[t.fold]...)
	if len(t.fold) >= 3 {
		buf = append(buf, ix.prefix[t.fold[:3]]...)
	}
	return append(buf, ix.other...)
}
