package triage

import (
	"reflect"
	"slices"
	"testing"

	"github.com/hotline-al/hotline/hotline"
)

// FuzzClassify checks that no text makes Classify panic and that every
// result is normalized and valid. Run it with `go test -fuzz FuzzClassify
// ./triage`; plain `go test` runs only the seed corpus.
func FuzzClassify(f *testing.F) {
	for _, tip := range loadEval(f, "testdata/eval.jsonl") {
		f.Add(tip.Text)
	}
	for _, s := range []string{"", " ", "\xff", "e\u0308", "# ... !", "Fushë-Arrëz", "12345678901234567890 vjeç", "?"} {
		f.Add(s)
	}
	c := MustNew()
	forms := []string{hotline.ExploitationSexual, hotline.ExploitationLabour, hotline.ExploitationBegging,
		hotline.ExploitationServitude, hotline.ExploitationOrganRemoval, hotline.ExploitationOther}
	f.Fuzz(func(t *testing.T, text string) {
		got := c.Classify(text)
		if !reflect.DeepEqual(got, got.Normalized()) {
			t.Fatalf("not normalized: %+v", got)
		}
		if !got.Level.Valid() {
			t.Fatalf("level %q", got.Level)
		}
		if !slices.Contains(hotline.IntakePrecedence, got.Intake) {
			t.Fatalf("intake %q", got.Intake)
		}
		switch got.Scope {
		case hotline.ScopeInternal, hotline.ScopeInternational, hotline.ScopeUnknown:
		default:
			t.Fatalf("scope %q", got.Scope)
		}
		for i, e := range got.Exploitation {
			if !slices.Contains(forms, e) || slices.Contains(got.Exploitation[:i], e) {
				t.Fatalf("exploitation %v", got.Exploitation)
			}
		}
		if got.County != "" {
			ct, err := hotline.CountyByCode(got.County)
			if err != nil {
				t.Fatalf("county %q", got.County)
			}
			if got.Municipality != "" && !slices.Contains(ct.Municipalities, got.Municipality) {
				t.Fatalf("municipality %q not in %s", got.Municipality, got.County)
			}
		} else if got.Municipality != "" || got.BorderCrossing != "" {
			t.Fatalf("municipality or crossing without county: %+v", got)
		}
	})
}

// BenchmarkClassify classifies the whole evaluation set; ns/tip is the
// time per tip.
func BenchmarkClassify(b *testing.B) {
	tips := loadEval(b, "testdata/eval.jsonl")
	c := MustNew()
	b.ResetTimer()
	for b.Loop() {
		for _, tip := range tips {
			c.Classify(tip.Text)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tips)), "ns/tip")
}
