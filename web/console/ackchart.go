package console

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// ackChart draws, per county, the median and 90th-percentile time to
// acknowledge (report rows seconds_to_acknowledge) as an SVG bar chart:
// dark bar median, light bar p90, labels in minutes.
func ackChart(rows []postgres.ReportRow) template.HTML {
	type times struct{ median, p90 float64 }
	var counties []string
	by := map[string]*times{}
	max := 60.0
	for _, r := range rows {
		if r.Measure != "seconds_to_acknowledge" || r.Municipality != "" {
			continue
		}
		t := by[r.County]
		if t == nil {
			t = &times{}
			by[r.County] = t
			counties = append(counties, r.County)
		}
		switch r.Breakdown {
		case "median":
			t.median = r.Value
		case "p90":
			t.p90 = r.Value
		}
		max = maxFloat(max, r.Value)
	}
	if len(counties) == 0 {
		return ""
	}
	const label, plot, line = 80.0, 220.0, 26.0
	height := float64(len(counties))*line + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="time to acknowledge" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" xmlns="http://www.w3.org/2000/svg" font-size="9">`,
		label+plot+70, height, label+plot+70, height)
	for i, county := range counties {
		t, y := by[county], 5+float64(i)*line
		name := hotline.CountyName(county)
		if county == "" {
			name = "?"
		}
		fmt.Fprintf(&b, `<text x="0" y="%.1f">%s</text>`, y+14, template.HTMLEscapeString(name))
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="9" fill="#a8c5e6"><title>p90 %.0f s</title></rect>`, label, y+11, t.p90/max*plot, t.p90)
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.1f" width="%.1f" height="9" fill="#1d3557"><title>median %.0f s</title></rect>`, label, y+2, t.median/max*plot, t.median)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%.1f / %.1f min</text>`, label+maxFloat(t.median, t.p90)/max*plot+4, y+14, t.median/60, t.p90/60)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers and escaped county names only
}

func maxFloat(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}
