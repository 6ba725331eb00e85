package faketelegram

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseText(t *testing.T) {
	tests := []struct {
		name, mode, in string
		wantText       string
		wantEntities   string // JSON of the entities, "" = none
		wantErr        string // substring of the description
	}{
		{name: "plain", in: "  Në Vlorë  ", wantText: "Në Vlorë"},
		{name: "v2 reserved dot", mode: "MarkdownV2", in: "Hello.", wantErr: `can't parse entities: Character '.' is reserved and must be escaped with the preceding '\'`},
		{name: "v2 reserved minus", mode: "MarkdownV2", in: "K7Q-4MP", wantErr: "Character '-' is reserved"},
		{name: "v2 escaped", mode: "MarkdownV2", in: `K7Q\-4MP\.`, wantText: "K7Q-4MP."},
		{name: "v2 bold", mode: "MarkdownV2", in: "*Vlorë* ok", wantText: "Vlorë ok", wantEntities: `[{"type":"bold","offset":0,"length":5}]`},
		{name: "v2 nested", mode: "MarkdownV2", in: "*a _b_*", wantText: "a b", wantEntities: `[{"type":"italic","offset":2,"length":1},{"type":"bold","offset":0,"length":3}]`},
		{name: "v2 underline", mode: "MarkdownV2", in: "__u__", wantText: "u", wantEntities: `[{"type":"underline","offset":0,"length":1}]`},
		{name: "v2 unclosed italic", mode: "MarkdownV2", in: "_x", wantErr: "Can't find end of Italic entity at byte offset 0"},
		{name: "v2 link", mode: "MarkdownV2", in: `[site](http://x\.y/a\)b)`, wantText: "site", wantEntities: `[{"type":"text_link","offset":0,"length":4,"url":"http://x.y/a)b"}]`},
		{name: "v2 code keeps dots", mode: "MarkdownV2", in: "`a.b`", wantText: "a.b", wantEntities: `[{"type":"code","offset":0,"length":3}]`},
		{name: "v2 pre language", mode: "MarkdownV2", in: "```go\nx := 1\n```", wantText: "x := 1", wantEntities: `[{"type":"pre","offset":0,"length":6,"language":"go"}]`},
		{name: "v2 emoji offsets", mode: "MarkdownV2", in: "😀 *b*", wantText: "😀 b", wantEntities: `[{"type":"bold","offset":3,"length":1}]`},
		{name: "v2 quote at line start", mode: "MarkdownV2", in: ">quoted", wantText: "quoted"},
		{name: "v2 lone pipe", mode: "MarkdownV2", in: "a|b", wantErr: "Character '|' is reserved"},
		{name: "v1 bold", mode: "Markdown", in: "*K7Q-4MP*.", wantText: "K7Q-4MP.", wantEntities: `[{"type":"bold","offset":0,"length":7}]`},
		{name: "v1 unclosed", mode: "Markdown", in: "snake_case", wantErr: "Can't find end of the entity starting at byte offset 5"},
		{name: "html tags and entities", mode: "HTML", in: "<b>Fier</b> &amp; &lt;18 &#235; & x", wantText: "Fier & <18 ë & x", wantEntities: `[{"type":"bold","offset":0,"length":4}]`},
		{name: "html unknown tag", mode: "HTML", in: "mosha <18 vjeç", wantErr: `Unsupported start tag "18" at byte offset 6`},
		{name: "html unclosed start tag", mode: "HTML", in: "mosha <18", wantErr: "Unclosed start tag at byte offset 6"},
		{name: "html unmatched", mode: "HTML", in: "<i>x</b>", wantErr: `Unmatched end tag at byte offset 4, expected "</i>", found "</b>"`},
		{name: "html unclosed", mode: "HTML", in: "<b>x", wantErr: `Can't find end tag corresponding to start tag "b"`},
		{name: "html link", mode: "HTML", in: `<a href="http://e.al/?a=1&amp;b=2">lidhje</a>`, wantText: "lidhje", wantEntities: `[{"type":"text_link","offset":0,"length":6,"url":"http://e.al/?a=1\u0026b=2"}]`},
		{name: "html span needs class", mode: "HTML", in: `<span>x</span>`, wantErr: `Tag "span" must have class "tg-spoiler"`},
		{name: "unknown parse mode", mode: "rtf", in: "x", wantErr: "unsupported parse_mode"},
		{name: "invalid utf8", in: "\xc3", wantErr: "text must be encoded in UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, e := parseText(tc.in, tc.mode, "")
			if tc.wantErr != "" {
				if e == nil || !strings.Contains(e.Description, tc.wantErr) || e.Code != 400 {
					t.Fatalf("error %+v, want %q", e, tc.wantErr)
				}
				if !strings.HasPrefix(e.Description, "Bad Request: ") {
					t.Fatalf("description %q", e.Description)
				}
				return
			}
			if e != nil {
				t.Fatalf("unexpected error %v", e)
			}
			if f.text != tc.wantText {
				t.Fatalf("text %q, want %q", f.text, tc.wantText)
			}
			got := ""
			if len(f.entities) > 0 {
				b, _ := json.Marshal(f.entities)
				got = string(b)
			}
			if got != tc.wantEntities {
				t.Fatalf("entities %s, want %s", got, tc.wantEntities)
			}
		})
	}
}

func TestUTF16Len(t *testing.T) {
	for in, want := range map[string]int{"": 0, "abc": 3, "ë": 1, "😀": 2, "Vlorë 😀": 8} {
		if got := UTF16Len(in); got != want {
			t.Errorf("UTF16Len(%q) = %d, want %d", in, got, want)
		}
	}
}
