package triage

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/hotline-al/hotline/hotline"
)

// token is one run of letters or of digits of a text.
type token struct {
	fold          string // folded (lower case, no diacritics): what rules match
	start, end    int    // byte offsets in the normalised text
	num           int    // value of a run of digits, -1 otherwise
	capitalised   bool   // upper-case first letter followed by a lower-case one ("Has", not "HAS")
	sentenceStart bool   // first token of the text or of a sentence
}

// prepare makes text safe to tokenise: valid UTF-8 (bad bytes replaced) and
// NFC, so that "e" followed by a combining diaeresis is one letter "ë".
func prepare(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return norm.NFC.String(text)
}

// tokenize splits text into runs of letters and runs of digits; everything
// else separates tokens. A token after '.', '!', '?', ':', ';' or a line
// break starts a sentence.
func tokenize(text string) []token {
	var toks []token
	kind := 0 // 0 none, 1 letters, 2 digits
	start := 0
	boundary := true
	flush := func(end int) {
		if kind == 0 {
			return
		}
		toks = append(toks, newToken(text[start:end], start, end, kind == 2, boundary))
		boundary = false
		kind = 0
	}
	for i, r := range text {
		k := 0
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind {
			flush(i)
			if k != 0 {
				kind, start = k, i
			}
		}
		if k == 0 {
			switch r {
			case '.', '!', '?', ':', ';', '\n', '\r':
				boundary = true
			}
		}
	}
	flush(len(text))
	return toks
}

func newToken(s string, start, end int, digits, sentenceStart bool) token {
	t := token{start: start, end: end, num: -1, sentenceStart: sentenceStart}
	if digits {
		t.fold = s
		if len(s) <= 4 {
			if n, err := strconv.Atoi(s); err == nil {
				t.num = n
			}
		}
		return t
	}
	t.fold = foldWord(s)
	first, size := utf8.DecodeRuneInString(s)
	if unicode.IsUpper(first) {
		for _, r := range s[size:] {
			if unicode.IsLower(r) {
				t.capitalised = true
				break
			}
		}
	}
	return t
}

// foldWord folds one word; ASCII words take a fast path.
func foldWord(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return hotline.Fold(s)
		}
	}
	return strings.ToLower(s)
}
