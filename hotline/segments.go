package hotline

import "unicode/utf16"

// gsmBasic is the GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1): each
// character is one septet. No maintained Go module for it installs here, so
// the table is our own, tested against the standard's 128 code points.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension are the characters of the basic extension table: two septets
// each (escape + code).
const gsmExtension = "\f^{}\\[~]|€"

var gsmSeptets = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	delete(m, '\x1b') // the escape itself is not a character
	return m
}()

// SMSSegments returns how many SMS segments body takes and whether it needs
// UCS-2: GSM-7 carries 160 septets in one segment, 153 per segment when
// concatenated; UCS-2 (any character outside GSM 03.38, such as Albanian
// "ë") 70 UTF-16 units in one, 67 per segment when concatenated.
func SMSSegments(body string) (segments int, ucs2 bool) {
	septets := 0
	for _, r := range body {
		n, ok := gsmSeptets[r]
		if !ok {
			ucs2 = true
			break
		}
		septets += n
	}
	units, single, multi := septets, 160, 153
	if ucs2 {
		units, single, multi = len(utf16.Encode([]rune(body))), 70, 67
	}
	switch {
	case units == 0:
		return 0, ucs2
	case units <= single:
		return 1, ucs2
	}
	return (units + multi - 1) / multi, ucs2
}
