package faketwilio

import "strings"

// GSM 03.38 default alphabet (one septet each) and its extension table (two
// septets each: escape + character).
const (
	gsmBasic     = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "^{}\\[~]|€\f"
)

// Encodings reported by Segments.
const (
	// EncodingGSM7 is the GSM 03.38 7-bit alphabet: 160 characters, 153 per part.
	EncodingGSM7 = "GSM-7"
	// EncodingUCS2 is UCS-2 (UTF-16): 70 code units, 67 per part.
	EncodingUCS2 = "UCS-2"
)

// Segments returns how many SMS parts body needs and in which encoding: a
// single character outside the GSM 03.38 alphabet and its extension (such as
// Albanian 'ë' or lowercase 'ç') turns the whole message into UCS-2.
func Segments(body string) (parts int, encoding string) {
	septets, gsm := 0, true
	units := 0
	for _, r := range body {
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtension, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		return split(septets, 160, 153), EncodingGSM7
	}
	return split(units, 70, 67), EncodingUCS2
}

func split(n, single, part int) int {
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}
