package triage

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run calls RunClassify and returns its exit code, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunClassify(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// fieldOrder is the order of keys the command prints.
var fieldOrder = []string{"level", "intake", "exploitation", "child", "danger_now", "county", "municipality",
	"border_crossing", "scope", "reasons"}

// keys returns the keys of a JSON object in the order they appear.
func keys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %q", line)
	}
	var ks []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return ks
}

func TestRunClassifySingle(t *testing.T) {
	code, out, errs := run(t, "Çdo ditë te semafori në Fier një fëmijë 9 vjeç lyp dhe një burrë i merr paratë.")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("want one line, got %q", out)
	}
	if got := keys(t, out); strings.Join(got, ",") != strings.Join(fieldOrder, ",") {
		t.Errorf("keys %v, want %v", got, fieldOrder)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"level": "P1", "intake": "third_party", "child": true, "county": "AL-04", "municipality": "Fier", "scope": "internal"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if ex, _ := got["exploitation"].([]any); len(ex) != 1 || ex[0] != "begging" {
		t.Errorf("exploitation = %v", got["exploitation"])
	}
}

func TestRunClassifyEmptyAndInvalidUTF8(t *testing.T) {
	for _, in := range []string{"", "\xff\xfe\xfd", "jam ne tirane \xc3\x28 ndihme"} {
		code, out, _ := run(t, in)
		if code != 0 {
			t.Fatalf("%q: exit %d", in, code)
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("%q: %v: %q", in, err, out)
		}
		if ex, ok := c["exploitation"].([]any); !ok || ex == nil {
			t.Errorf("%q: exploitation %v, want a list", in, c["exploitation"])
		}
		if c["county"] != "" && in == "" {
			t.Errorf("empty text has a county")
		}
	}
}

func TestRunClassifyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tips.jsonl")
	lines := strings.Join([]string{
		`{"id": 17, "text": "jam ne shkoder, me mbajne te mbyllur"}`,
		``,
		`   `,
		`{"id": "K7Q-4MP", "text": "test"}`,
		`not json`,
		`{"id": 3}`,
		`{"id": "x", "text": 12}`,
		`{"text": "ndihme"}`,
		`{"id": 1.5e3, "text": "Ne Kakavije po kalojne kufirin tani me nje vajze qe qan"}`,
		"{\"id\": 9, \"text\": \"ne tirane \xff\"}",
	}, "\n") // no final newline: the last line still counts
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", "--file", path)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	wantIDs := []string{`17`, `"K7Q-4MP"`, `null`, `3`, `"x"`, `null`, `1.5e3`, `9`}
	if len(got) != len(wantIDs) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(wantIDs), out)
	}
	for i, line := range got {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if string(m["id"]) != wantIDs[i] {
			t.Errorf("line %d: id %s, want %s", i, m["id"], wantIDs[i])
		}
		if ks := keys(t, line); ks[0] != "id" {
			t.Errorf("line %d: id is not first: %v", i, ks)
		}
		_, isErr := m["error"]
		wantErr := i == 2 || i == 3 || i == 4
		if isErr != wantErr {
			t.Errorf("line %d: error %v, want %v: %s", i, isErr, wantErr, line)
		}
		if !isErr {
			if ks := keys(t, line); strings.Join(ks[1:], ",") != strings.Join(fieldOrder, ",") {
				t.Errorf("line %d: keys %v", i, ks)
			}
		}
	}
	if !strings.Contains(got[0], `"level":"P1"`) || !strings.Contains(got[0], `"county":"AL-10"`) {
		t.Errorf("first tip: %s", got[0])
	}
	if !strings.Contains(got[6], `"border_crossing":"Kakavijë"`) {
		t.Errorf("crossing tip: %s", got[6])
	}
}

func TestRunClassifyFileFromStdin(t *testing.T) {
	code, out, _ := run(t, `{"id": 1, "text": "test"}`+"\n", "--file", "-")
	if code != 0 || !strings.HasPrefix(out, `{"id":1,"level":"P4"`) {
		t.Errorf("exit %d, out %q", code, out)
	}
}

func TestRunClassifyUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"},
		{"--file"},
		{"--file", filepath.Join(t.TempDir(), "missing.jsonl")},
		{"some", "text"},
	} {
		code, out, errs := run(t, "", args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if out != "" {
			t.Errorf("%v: stdout %q", args, out)
		}
		if errs == "" || strings.Count(strings.TrimSuffix(errs, "\n"), "\n") != 0 {
			t.Errorf("%v: want a one-line reason, got %q", args, errs)
		}
	}
	if code, _, errs := run(t, "", "-h"); code != 0 || errs == "" {
		t.Errorf("-h: exit %d, stderr %q", code, errs)
	}
}
