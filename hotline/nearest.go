package hotline

import "math"

// NearestCounty returns the county whose seat is nearest to the point
// (latitude, longitude in degrees, WGS 84), by great-circle distance, and
// that distance in kilometres. It is a guess to confirm with the reporter:
// near a border the nearest seat may be in the neighbouring county.
func NearestCounty(latitude, longitude float64) (County, float64) {
	best, bestKm := Counties[0], math.Inf(1)
	for _, c := range Counties {
		if km := haversineKm(latitude, longitude, c.SeatLatitude, c.SeatLongitude); km < bestKm {
			best, bestKm = c, km
		}
	}
	return best, bestKm
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(a))
}
