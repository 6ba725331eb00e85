package hotline

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGSMAlphabetHas128Characters(t *testing.T) {
	// 3GPP TS 23.038: 128 code points, one of them the escape to the extension table.
	if n := utf8.RuneCountInString(gsmBasic); n != 128 {
		t.Fatalf("basic table has %d characters, want 128", n)
	}
	if n := len(gsmSeptets); n != 127+10 {
		t.Fatalf("table knows %d characters, want 137", n)
	}
}

func TestSegments(t *testing.T) {
	for _, tc := range []struct {
		body     string
		segments int
		ucs2     bool
	}{
		{"", 0, false},
		{"Hello", 1, false},
		{strings.Repeat("a", 160), 1, false},
		{strings.Repeat("a", 161), 2, false},
		{strings.Repeat("a", 306), 2, false},
		{strings.Repeat("a", 307), 3, false},
		{strings.Repeat("€", 80), 1, false}, // 160 septets: each € takes two
		{strings.Repeat("€", 81), 2, false}, // 162 septets
		{"Çé ùèò ÄÖÑÜ äöñü à ß", 1, false},  // in the default alphabet
		{"Faleminderit", 1, false},
		{"Ndihmë", 1, true}, // ë forces UCS-2
		{"ç", 1, true},      // only capital Ç is in GSM 03.38
		{strings.Repeat("ë", 70), 1, true},
		{strings.Repeat("ë", 71), 2, true},
		{strings.Repeat("ë", 201), 3, true},
		{strings.Repeat("ë", 202), 4, true},
		{"😀" + strings.Repeat("a", 68), 1, true}, // an emoji is two UTF-16 units
		{"😀" + strings.Repeat("a", 69), 2, true},
	} {
		n, ucs2 := SMSSegments(tc.body)
		if n != tc.segments || ucs2 != tc.ucs2 {
			t.Errorf("SMSSegments(%.20q…) = %d, %t; want %d, %t", tc.body, n, ucs2, tc.segments, tc.ucs2)
		}
	}
}
