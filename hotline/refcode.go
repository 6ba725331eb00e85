package hotline

import (
	"crypto/rand"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// crockford is Crockford's base32 alphabet (no I, L, O, U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewReferenceCode returns a random reference code: 3 + 3 characters of
// Crockford's base32 joined by a hyphen, e.g. "K7Q-4MP" (just under 30 bits).
// Every code holds at least one digit 2–9, so that it is told apart from
// ordinary words when written without the hyphen. r is the randomness source
// (nil = crypto/rand). Never derived from the reporter.
func NewReferenceCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	for {
		var b [6]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("reference code: %w", err)
		}
		out := make([]byte, 0, 7)
		for i, v := range b {
			if i == 3 {
				out = append(out, '-')
			}
			out = append(out, crockford[int(v)%32])
		}
		if strings.ContainsAny(string(out), "23456789") {
			return string(out), nil
		}
	}
}

// codePattern finds candidate codes: 6 alphanumerics, optionally hyphenated
// after the third, standing alone as a word.
var codePattern = regexp.MustCompile(`(?i)(?:^|[^0-9a-z])([0-9a-z]{3})[-‐–]?([0-9a-z]{3})(?:$|[^0-9a-z])`)

// NormalizeReferenceCode turns "k7q4mp", "K7Q-4MP" or "k7q-4mo" into the
// canonical "K7Q-4MP" (Crockford aliases O→0, I and L→1). It returns
// ErrInvalid when s is not a code.
func NormalizeReferenceCode(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.NewReplacer("-", "", "‐", "", "–", "").Replace(s)
	if len(s) != 6 {
		return "", fmt.Errorf("reference code %q: %w", s, ErrInvalid)
	}
	out := make([]byte, 0, 7)
	for i := 0; i < 6; i++ {
		c := s[i]
		switch c {
		case 'O':
			c = '0'
		case 'I', 'L':
			c = '1'
		}
		if strings.IndexByte(crockford, c) < 0 {
			return "", fmt.Errorf("reference code %q: %w", s, ErrInvalid)
		}
		if i == 3 {
			out = append(out, '-')
		}
		out = append(out, c)
	}
	return string(out), nil
}

// FindReferenceCodes returns the canonical form of every substring of text
// that could be a reference code, in order, without repeats. Callers check
// which exist. Only words of 6 characters (or 3-3 hyphenated) with at least
// one digit are taken, so ordinary six-letter words ("punoja") are not; every
// code NewReferenceCode makes has one.
func FindReferenceCodes(text string) []string {
	var codes []string
	seen := map[string]bool{}
	// Matches may overlap by a separator; scan with a moving start.
	for start := 0; start < len(text); {
		loc := codePattern.FindStringSubmatchIndex(text[start:])
		if loc == nil {
			break
		}
		raw := text[start+loc[2]:start+loc[3]] + text[start+loc[4]:start+loc[5]]
		next := start + loc[5]
		start = next
		if !strings.ContainsAny(raw, "0123456789") {
			continue
		}
		code, err := NormalizeReferenceCode(raw)
		if err != nil || seen[code] {
			continue
		}
		seen[code] = true
		codes = append(codes, code)
	}
	return codes
}
