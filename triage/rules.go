package triage

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/hotline-al/hotline/hotline"
)

//go:embed rules/*.yaml
var embedded embed.FS

// The rule files a rule set is made of, at the root of its fs.FS.
const (
	signalsFile   = "signals.yaml"
	placesFile    = "places.yaml"
	decisionsFile = "decisions.yaml"
)

// Pseudo-signals the engine computes itself; rules may use them by name.
const (
	sigPlace          = "place"           // an Albanian place was found
	sigBorderCrossing = "border_crossing" // a border crossing point was found
	sigQuestionMark   = "question_mark"   // the text contains '?'
	sigEmpty          = "empty"           // the text has no letters or digits
	sigShort          = "short"           // at most short_tip_tokens tokens
)

var pseudoSignals = []string{sigPlace, sigBorderCrossing, sigQuestionMark, sigEmpty, sigShort}

// Level pseudo-signals ("P1" … "P4") are set once the level is chosen, for
// the intake and scope rules.

// signalsSpec is signals.yaml.
type signalsSpec struct {
	Version        string                 `yaml:"version"`
	MaxGap         int                    `yaml:"max_gap"`
	ShortTipTokens int                    `yaml:"short_tip_tokens"`
	ChildAge       struct{ Min, Max int } `yaml:"child_age"`
	Signals        []signalSpec           `yaml:"signals"`
}

// signalSpec is one signal: exactly one of phrases, when, near or weights.
type signalSpec struct {
	Name      string         `yaml:"name"`
	Phrases   []string       `yaml:"phrases"`
	When      *condSpec      `yaml:"when"`
	Near      []string       `yaml:"near"`     // two signals
	Window    int            `yaml:"window"`   // for near: at most this many tokens between them
	Sentence  bool           `yaml:"sentence"` // for near: and in the same sentence
	Ordered   bool           `yaml:"ordered"`  // for near: the first before the second
	Weights   map[string]int `yaml:"weights"`
	Threshold int            `yaml:"threshold"` // for weights: fires when the sum reaches it
}

// condSpec is a condition over signals: some of any (when given), all of
// all, none of none. An empty condition always holds.
type condSpec struct {
	Any  []string `yaml:"any"`
	All  []string `yaml:"all"`
	None []string `yaml:"none"`
}

// decisionsSpec is decisions.yaml.
type decisionsSpec struct {
	Version      string              `yaml:"version"`
	Child        string              `yaml:"child"`
	DangerNow    string              `yaml:"danger_now"`
	Exploitation []outputSpec        `yaml:"exploitation"`
	Levels       []ruleSpec          `yaml:"levels"`
	Intake       map[string]condSpec `yaml:"intake"`
	Scope        []ruleSpec          `yaml:"scope"`
}

type outputSpec struct {
	Form   string `yaml:"form"`
	Signal string `yaml:"signal"`
}

// ruleSpec is one ordered rule: the first whose condition holds wins.
type ruleSpec struct {
	Rule  string   `yaml:"rule"`
	Level string   `yaml:"level"`
	Scope string   `yaml:"scope"`
	When  condSpec `yaml:"when"`
}

// placesSpec is places.yaml.
type placesSpec struct {
	Version         string         `yaml:"version"`
	FuzzyMinLength  int            `yaml:"fuzzy_min_length"`
	PlainWeight     int            `yaml:"plain_weight"`
	CrossingWeight  int            `yaml:"border_crossing_weight"`
	Context         []contextSpec  `yaml:"context"`
	NotPlaces       []string       `yaml:"not_places"`
	OrdinaryWords   []string       `yaml:"ordinary_words"`
	Municipalities  []placeSpec    `yaml:"municipalities"`
	Towns           []placeSpec    `yaml:"towns"`
	BorderCrossings []crossingSpec `yaml:"border_crossings"`
}

// contextSpec: words right before a place name, and what they mean.
type contextSpec struct {
	Before     []string `yaml:"before"`      // phrases that end right before the name
	Weight     int      `yaml:"weight"`      // the mention's weight; 0 drops it (a street named after a town)
	CountyOnly bool     `yaml:"county_only"` // "qarku i Korçës": the county, not the municipality
}

type placeSpec struct {
	Name         string   `yaml:"name"`         // municipality as GLOSSARY.md writes it, or the town
	Municipality string   `yaml:"municipality"` // towns: their municipality
	Names        []string `yaml:"names"`        // spellings (phrases)
	Ambiguous    []string `yaml:"ambiguous"`    // spellings that are also ordinary words: need context
}

type crossingSpec struct {
	Name         string   `yaml:"name"` // as GLOSSARY.md writes it
	County       string   `yaml:"county"`
	Municipality string   `yaml:"municipality"`
	Names        []string `yaml:"names"`
	Ambiguous    []string `yaml:"ambiguous"`
}

// signal kinds.
const (
	kindPhrases = iota
	kindWhen
	kindNear
	kindWeights
)

// compiled signal; members refer to earlier signals by number.
type signal struct {
	name      string
	kind      int
	any       []int
	all       []int
	none      []int
	near      [2]int
	window    int
	sentence  bool
	ordered   bool
	weights   []weighted
	threshold int
}

type weighted struct{ sig, w int }

type cond struct{ any, all, none []int }

type rule struct {
	name  string
	value string // level or scope
	when  cond
}

type output struct {
	form string
	sig  int
}

// place is one place a mention can name.
type place struct {
	label        string // what reasons show
	county       string
	municipality string // "" for a border crossing outside a known municipality
	crossing     string // border crossing name, "" for municipalities and towns
	ambiguous    map[int]bool
}

type contextRule struct {
	phrases    []phrase
	weight     int
	countyOnly bool
}

// Classifier is the rule-based triage classifier. Build it with New (the
// embedded rules), MustNew, or Load (a custom rule set). It is immutable and
// safe for concurrent use.
type Classifier struct {
	version string
	m       matcher
	short   int

	signals  []signal
	sigIndex map[string]int
	phrases  phraseIndex // owner: signal number

	child, danger int
	forms         []output
	levels        []rule
	intake        map[string]cond
	scopes        []rule

	places      []place
	placeIx     phraseIndex // owner: place number
	fuzzy       []int       // place phrase numbers whose first word may match fuzzily
	context     []contextRule
	notPlaces   map[string]bool
	ordinary    map[string]bool // never a place by a typo
	plainWeight int
	crossWeight int
	placeMatch  matcher
}

var _ hotline.Classifier = (*Classifier)(nil)

// New returns a classifier with the embedded rule set (rules/*.yaml).
func New() (*Classifier, error) {
	sub, err := fs.Sub(embedded, "rules")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// MustNew is New for package initialisation and tests: it panics when the
// embedded rules do not load, which the tests rule out.
func MustNew() *Classifier {
	c, err := New()
	if err != nil {
		panic(err)
	}
	return c
}

// Version returns the rule set's version (the version: field its files share).
func (c *Classifier) Version() string { return c.version }

// Load builds a classifier from a rule set: signals.yaml, places.yaml and
// decisions.yaml at the root of fsys, all with the same version.
func Load(fsys fs.FS) (*Classifier, error) {
	var ss signalsSpec
	var ps placesSpec
	var ds decisionsSpec
	for _, f := range []struct {
		name string
		v    any
	}{{signalsFile, &ss}, {placesFile, &ps}, {decisionsFile, &ds}} {
		if err := readYAML(fsys, f.name, f.v); err != nil {
			return nil, err
		}
	}
	if ss.Version == "" || ss.Version != ps.Version || ss.Version != ds.Version {
		return nil, fmt.Errorf("triage rules: versions differ or are missing (%s %q, %s %q, %s %q): %w",
			signalsFile, ss.Version, placesFile, ps.Version, decisionsFile, ds.Version, hotline.ErrInvalid)
	}
	c := &Classifier{version: ss.Version, sigIndex: map[string]int{}}
	if err := c.compileSignals(&ss); err != nil {
		return nil, fmt.Errorf("triage rules: %s: %w", signalsFile, err)
	}
	if err := c.compilePlaces(&ps); err != nil {
		return nil, fmt.Errorf("triage rules: %s: %w", placesFile, err)
	}
	if err := c.compileDecisions(&ds); err != nil {
		return nil, fmt.Errorf("triage rules: %s: %w", decisionsFile, err)
	}
	return c, nil
}

func readYAML(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("triage rules: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("triage rules: %s: %v: %w", name, err, hotline.ErrInvalid)
	}
	return nil
}

func (c *Classifier) compileSignals(ss *signalsSpec) error {
	c.m = matcher{maxGap: ss.MaxGap, ageMin: ss.ChildAge.Min, ageMax: ss.ChildAge.Max}
	c.short = ss.ShortTipTokens
	for _, name := range pseudoSignals {
		c.addSignal(signal{name: name, kind: -1})
	}
	for _, l := range hotline.Levels {
		c.addSignal(signal{name: string(l), kind: -1})
	}
	for _, s := range ss.Signals {
		if s.Name == "" {
			return fmt.Errorf("a signal has no name: %w", hotline.ErrInvalid)
		}
		if _, dup := c.sigIndex[s.Name]; dup {
			return fmt.Errorf("signal %q defined twice: %w", s.Name, hotline.ErrInvalid)
		}
		sig := signal{name: s.Name}
		kinds := 0
		if len(s.Phrases) > 0 {
			kinds++
			sig.kind = kindPhrases
			n := len(c.signals)
			for _, raw := range s.Phrases {
				ps, err := compilePhrase(raw)
				if err != nil {
					return fmt.Errorf("signal %q: %v: %w", s.Name, err, hotline.ErrInvalid)
				}
				for _, p := range ps {
					c.phrases.add(p, n)
				}
			}
		}
		if s.When != nil {
			kinds++
			sig.kind = kindWhen
			cd, err := c.cond(*s.When)
			if err != nil {
				return fmt.Errorf("signal %q: %w", s.Name, err)
			}
			sig.any, sig.all, sig.none = cd.any, cd.all, cd.none
		}
		if len(s.Near) > 0 {
			kinds++
			sig.kind = kindNear
			if len(s.Near) != 2 || s.Window <= 0 {
				return fmt.Errorf("signal %q: near needs two signals and a window: %w", s.Name, hotline.ErrInvalid)
			}
			for i, n := range s.Near {
				k, err := c.lookup(n)
				if err != nil {
					return fmt.Errorf("signal %q: %w", s.Name, err)
				}
				sig.near[i] = k
			}
			sig.window, sig.sentence, sig.ordered = s.Window, s.Sentence, s.Ordered
		}
		if len(s.Weights) > 0 {
			kinds++
			sig.kind = kindWeights
			names := make([]string, 0, len(s.Weights))
			for n := range s.Weights {
				names = append(names, n)
			}
			slices.Sort(names) // deterministic
			for _, n := range names {
				k, err := c.lookup(n)
				if err != nil {
					return fmt.Errorf("signal %q: %w", s.Name, err)
				}
				sig.weights = append(sig.weights, weighted{k, s.Weights[n]})
			}
			sig.threshold = s.Threshold
		}
		if kinds != 1 {
			return fmt.Errorf("signal %q: give exactly one of phrases, when, near, weights: %w", s.Name, hotline.ErrInvalid)
		}
		c.addSignal(sig)
	}
	return nil
}

func (c *Classifier) addSignal(s signal) {
	c.sigIndex[s.name] = len(c.signals)
	c.signals = append(c.signals, s)
}

// lookup returns the number of an already defined signal.
func (c *Classifier) lookup(name string) (int, error) {
	k, ok := c.sigIndex[name]
	if !ok {
		return 0, fmt.Errorf("unknown signal %q (signals may only use signals defined before them): %w", name, hotline.ErrInvalid)
	}
	return k, nil
}

func (c *Classifier) cond(cs condSpec) (cond, error) {
	var cd cond
	for _, l := range []struct {
		names []string
		dst   *[]int
	}{{cs.Any, &cd.any}, {cs.All, &cd.all}, {cs.None, &cd.none}} {
		for _, n := range l.names {
			k, err := c.lookup(n)
			if err != nil {
				return cd, err
			}
			*l.dst = append(*l.dst, k)
		}
	}
	return cd, nil
}

func (c *Classifier) compileDecisions(ds *decisionsSpec) error {
	var err error
	if c.child, err = c.lookup(ds.Child); err != nil {
		return fmt.Errorf("child: %w", err)
	}
	if c.danger, err = c.lookup(ds.DangerNow); err != nil {
		return fmt.Errorf("danger_now: %w", err)
	}
	validForms := []string{hotline.ExploitationSexual, hotline.ExploitationLabour, hotline.ExploitationBegging,
		hotline.ExploitationServitude, hotline.ExploitationOrganRemoval, hotline.ExploitationOther}
	for _, o := range ds.Exploitation {
		if !slices.Contains(validForms, o.Form) {
			return fmt.Errorf("unknown form of exploitation %q: %w", o.Form, hotline.ErrInvalid)
		}
		k, err := c.lookup(o.Signal)
		if err != nil {
			return fmt.Errorf("exploitation %s: %w", o.Form, err)
		}
		c.forms = append(c.forms, output{o.Form, k})
	}
	for _, r := range ds.Levels {
		if !hotline.Level(r.Level).Valid() {
			return fmt.Errorf("rule %q: level %q: %w", r.Rule, r.Level, hotline.ErrInvalid)
		}
		cd, err := c.cond(r.When)
		if err != nil {
			return fmt.Errorf("rule %q: %w", r.Rule, err)
		}
		c.levels = append(c.levels, rule{r.Rule, r.Level, cd})
	}
	c.intake = map[string]cond{}
	for name, cs := range ds.Intake {
		if !slices.Contains(hotline.IntakePrecedence, name) {
			return fmt.Errorf("unknown intake %q: %w", name, hotline.ErrInvalid)
		}
		cd, err := c.cond(cs)
		if err != nil {
			return fmt.Errorf("intake %q: %w", name, err)
		}
		c.intake[name] = cd
	}
	for _, r := range ds.Scope {
		if r.Scope != hotline.ScopeInternal && r.Scope != hotline.ScopeInternational && r.Scope != hotline.ScopeUnknown {
			return fmt.Errorf("rule %q: scope %q: %w", r.Rule, r.Scope, hotline.ErrInvalid)
		}
		cd, err := c.cond(r.When)
		if err != nil {
			return fmt.Errorf("rule %q: %w", r.Rule, err)
		}
		c.scopes = append(c.scopes, rule{r.Rule, r.Scope, cd})
	}
	return nil
}

func (c *Classifier) compilePlaces(ps *placesSpec) error {
	c.placeMatch = matcher{maxGap: c.m.maxGap, fuzzyMin: ps.FuzzyMinLength}
	c.plainWeight, c.crossWeight = ps.PlainWeight, ps.CrossingWeight
	c.notPlaces = map[string]bool{}
	for _, w := range ps.NotPlaces {
		c.notPlaces[hotline.Fold(w)] = true
	}
	c.ordinary = map[string]bool{}
	for _, w := range ps.OrdinaryWords {
		c.ordinary[hotline.Fold(w)] = true
	}
	for _, cx := range ps.Context {
		cr := contextRule{weight: cx.Weight, countyOnly: cx.CountyOnly}
		for _, raw := range cx.Before {
			ps, err := compilePhrase(raw)
			if err != nil {
				return fmt.Errorf("context: %v: %w", err, hotline.ErrInvalid)
			}
			for _, p := range ps {
				for _, pt := range p.parts {
					if pt.gapBefore || pt.age || pt.negated {
						return fmt.Errorf("context %q: only plain words here: %w", raw, hotline.ErrInvalid)
					}
				}
			}
			cr.phrases = append(cr.phrases, ps...)
		}
		c.context = append(c.context, cr)
	}
	countyOf := map[string]string{}
	for _, ct := range hotline.Counties {
		for _, m := range ct.Municipalities {
			countyOf[m] = ct.Code
		}
	}
	seen := map[string]bool{}
	add := func(pl place, names, ambiguous []string) error {
		n := len(c.places)
		pl.ambiguous = map[int]bool{}
		c.places = append(c.places, pl)
		for _, raw := range append(slices.Clone(names), ambiguous...) {
			phrases, err := compilePhrase(raw)
			if err != nil {
				return fmt.Errorf("%s: %v: %w", pl.label, err, hotline.ErrInvalid)
			}
			for _, p := range phrases {
				if slices.Contains(ambiguous, raw) {
					pl.ambiguous[len(c.placeIx.list)] = true
				}
				first := p.parts[0]
				if ps.FuzzyMinLength > 0 && len(first.alts) == 1 && !first.prefix[0] && len(first.alts[0]) >= ps.FuzzyMinLength {
					c.fuzzy = append(c.fuzzy, len(c.placeIx.list))
				}
				c.placeIx.add(p, n)
			}
		}
		return nil
	}
	for _, m := range ps.Municipalities {
		code, ok := countyOf[m.Name]
		if !ok {
			return fmt.Errorf("%q is not a municipality of hotline.Counties: %w", m.Name, hotline.ErrInvalid)
		}
		seen[m.Name] = true
		if err := add(place{label: m.Name, county: code, municipality: m.Name}, m.Names, m.Ambiguous); err != nil {
			return err
		}
	}
	for name := range countyOf {
		if !seen[name] {
			return fmt.Errorf("municipality %q is missing: %w", name, hotline.ErrInvalid)
		}
	}
	for _, t := range ps.Towns {
		code, ok := countyOf[t.Municipality]
		if !ok {
			return fmt.Errorf("town %q: unknown municipality %q: %w", t.Name, t.Municipality, hotline.ErrInvalid)
		}
		if err := add(place{label: t.Name, county: code, municipality: t.Municipality}, t.Names, t.Ambiguous); err != nil {
			return err
		}
	}
	for _, b := range ps.BorderCrossings {
		if _, err := hotline.CountyByCode(b.County); err != nil {
			return fmt.Errorf("border crossing %q: %w", b.Name, err)
		}
		if b.Municipality != "" && countyOf[b.Municipality] != b.County {
			return fmt.Errorf("border crossing %q: municipality %q is not in %s: %w", b.Name, b.Municipality, b.County, hotline.ErrInvalid)
		}
		pl := place{label: b.Name, county: b.County, municipality: b.Municipality, crossing: b.Name}
		if err := add(pl, b.Names, b.Ambiguous); err != nil {
			return err
		}
	}
	return nil
}
