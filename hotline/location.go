package hotline

import "math"

// LocationRadiusKm is how close to a county seat a shared location must be
// for triage to take that county from it: county seats lie well inside
// their counties, so within this radius the county is almost surely right;
// farther out (near county borders) the county stays unknown and the
// national desk decides.
const LocationRadiusKm = 10

// CountyNear returns the county whose seat is nearest to the point (lat,
// lon in degrees, WGS 84) if that seat is within radiusKm, by great-circle
// distance.
func CountyNear(lat, lon, radiusKm float64) (County, bool) {
	best, bestKm := -1, math.Inf(1)
	for i, c := range Counties {
		if km := distanceKm(lat, lon, c.SeatLatitude, c.SeatLongitude); km < bestKm {
			best, bestKm = i, km
		}
	}
	if best < 0 || bestKm > radiusKm {
		return County{}, false
	}
	return Counties[best], true
}

// distanceKm is the haversine distance between two points in degrees.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthKm = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Sqrt(a))
}
