package hotline

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// County is one of Albania's 12 counties (qarqe), identified by its
// ISO 3166-2:AL code. Source: GLOSSARY.md.
type County struct {
	// Code is the ISO 3166-2:AL code, "AL-01" … "AL-12".
	Code string
	// Name is the indefinite Albanian name with diacritics, e.g. "Shkodër".
	Name string
	// Definite is the definite form, e.g. "Shkodra".
	Definite string
	// SeatLatitude and SeatLongitude locate the county seat, in degrees (WGS 84, approximate).
	SeatLatitude, SeatLongitude float64
	// Municipalities are the county's municipalities (bashki, since 2015), as GLOSSARY.md writes them.
	Municipalities []string
}

// Counties lists the 12 counties in code order.
var Counties = []County{
	{"AL-01", "Berat", "Berati", 40.705, 19.952, []string{"Berat", "Dimal", "Kuçovë", "Poliçan", "Skrapar"}},
	{"AL-02", "Durrës", "Durrësi", 41.323, 19.441, []string{"Durrës", "Krujë", "Shijak"}},
	{"AL-03", "Elbasan", "Elbasani", 41.112, 20.082, []string{"Belsh", "Cërrik", "Elbasan", "Gramsh", "Librazhd", "Peqin", "Prrenjas"}},
	{"AL-04", "Fier", "Fieri", 40.724, 19.556, []string{"Divjakë", "Fier", "Lushnjë", "Mallakastër", "Patos", "Roskovec"}},
	{"AL-05", "Gjirokastër", "Gjirokastra", 40.076, 20.139, []string{"Dropull", "Gjirokastër", "Këlcyrë", "Libohovë", "Memaliaj", "Përmet", "Tepelenë"}},
	{"AL-06", "Korçë", "Korça", 40.618, 20.781, []string{"Devoll", "Kolonjë", "Korçë", "Maliq", "Pogradec", "Pustec"}},
	{"AL-07", "Kukës", "Kukësi", 42.077, 20.422, []string{"Has", "Kukës", "Tropojë"}},
	{"AL-08", "Lezhë", "Lezha", 41.782, 19.644, []string{"Kurbin", "Lezhë", "Mirditë"}},
	{"AL-09", "Dibër", "Dibra", 41.685, 20.429, []string{"Bulqizë", "Dibër", "Klos", "Mat"}},
	{"AL-10", "Shkodër", "Shkodra", 42.068, 19.512, []string{"Fushë-Arrëz", "Malësi e Madhe", "Pukë", "Shkodër", "Vau i Dejës"}},
	{"AL-11", "Tiranë", "Tirana", 41.328, 19.818, []string{"Kamëz", "Kavajë", "Rrogozhinë", "Tiranë", "Vorë"}},
	{"AL-12", "Vlorë", "Vlora", 40.466, 19.489, []string{"Delvinë", "Finiq", "Himarë", "Konispol", "Sarandë", "Selenicë", "Vlorë"}},
}

// CountyByCode returns the county with the given ISO 3166-2:AL code
// ("AL-10", case-insensitive), or ErrNotFound.
func CountyByCode(code string) (County, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, c := range Counties {
		if c.Code == code {
			return c, nil
		}
	}
	return County{}, fmt.Errorf("county %q: %w", code, ErrNotFound)
}

// ParseCounty accepts an ISO 3166-2:AL code or a county name in any spelling
// GLOSSARY.md lists (with or without ë/ç, indefinite or definite: "Shkodër",
// "Shkodra", "shkoder") and returns the county. Unknown names give ErrInvalid.
func ParseCounty(s string) (County, error) {
	if c, err := CountyByCode(s); err == nil {
		return c, nil
	}
	key := Fold(s)
	for _, c := range Counties {
		if key == Fold(c.Name) || key == Fold(c.Definite) {
			return c, nil
		}
	}
	return County{}, fmt.Errorf("county %q: %w", s, ErrInvalid)
}

// Name returns the county's name for a code, or "" for an unknown code.
func CountyName(code string) string {
	c, err := CountyByCode(code)
	if err != nil {
		return ""
	}
	return c.Name
}

// Fold returns s lower-cased, trimmed, with diacritics removed ("Korçë" →
// "korce"), for matching only: never store or show a folded string.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(strings.TrimSpace(out))
}
