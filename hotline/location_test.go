package hotline

import "testing"

func TestCountyNear(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"Shkodër centre", 42.0683, 19.5126, "AL-10"},
		{"Tirana, Skanderbeg Square", 41.3275, 19.8187, "AL-11"},
		{"Durrës beach", 41.300, 19.480, "AL-02"},
		{"Sarandë: far from any seat", 39.875, 20.005, ""},
		{"Kavajë: between Durrës and Tirana", 41.185, 19.557, ""},
		{"Athens", 37.98, 23.73, ""},
		{"no location (0, 0)", 0, 0, ""},
	} {
		c, ok := CountyNear(tc.lat, tc.lon, LocationRadiusKm)
		if got := c.Code; got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q %v, want %q", tc.name, got, ok, tc.want)
		}
	}
}
