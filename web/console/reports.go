package console

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotline-al/hotline/hotline"
	"github.com/hotline-al/hotline/hotline/postgres"
)

// period reads from and to (YYYY-MM-DD, to exclusive) from the query; the
// default is the last complete quarter.
func (c *Console) period(r *http.Request) (time.Time, time.Time, error) {
	from, to := hotline.LastQuarter(c.Now())
	if s := r.URL.Query().Get("from"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return from, to, fmt.Errorf("from %q: %w", s, hotline.ErrInvalid)
		}
		from = t
	}
	if s := r.URL.Query().Get("to"); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return from, to, fmt.Errorf("to %q: %w", s, hotline.ErrInvalid)
		}
		to = t
	}
	if !from.Before(to) {
		return from, to, fmt.Errorf("period: from must be before to: %w", hotline.ErrInvalid)
	}
	return from, to, nil
}

// report computes the report for the request's period, audited as action;
// on an error it answers and returns false.
func (c *Console) report(w http.ResponseWriter, r *http.Request, v hotline.Viewer, action string) (postgres.Report, bool) {
	from, to, err := c.period(r)
	if err == nil {
		var rep postgres.Report
		if rep, err = c.Store.Report(r.Context(), v, from, to, action, c.Now()); err == nil {
			return rep, true
		}
	}
	c.fail(w, r, err)
	return postgres.Report{}, false
}

// channelRow is one county's contacts by channel, side by side.
type channelRow struct {
	County               string
	SMS, Telegram, Phone string
}

func (c *Console) reportsPage(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	rep, ok := c.report(w, r, v, "report")
	if !ok {
		return
	}
	from, to := rep.From, rep.To
	byCounty := map[string]*channelRow{}
	var channels []*channelRow
	var others []map[string]string
	for _, row := range rep.Rows {
		if row.Municipality != "" {
			continue // the page shows counties; the CSV has municipalities too
		}
		if row.Measure != "contacts" {
			others = append(others, map[string]string{"County": row.County, "Measure": row.Measure, "Breakdown": row.Breakdown, "Value": value(row)})
			continue
		}
		cr := byCounty[row.County]
		if cr == nil {
			cr = &channelRow{County: row.County, SMS: "0", Telegram: "0", Phone: "0"}
			byCounty[row.County] = cr
			channels = append(channels, cr)
		}
		switch hotline.Channel(row.Breakdown) {
		case hotline.ChannelSMS:
			cr.SMS = value(row)
		case hotline.ChannelTelegram:
			cr.Telegram = value(row)
		case hotline.ChannelPhone:
			cr.Phone = value(row)
		}
	}
	c.render(w, r, http.StatusOK, "reports", map[string]any{"Viewer": v, "From": from.Format(time.DateOnly), "To": to.Format(time.DateOnly),
		"Channels": channels, "Rows": others, "Chart": weeklyChart(rep.Weekly), "AckChart": ackChart(rep.Rows), "Query": r.URL.RawQuery})
}

// value renders a report figure: counts suppressed, times in whole seconds.
func value(row postgres.ReportRow) string {
	if row.Count {
		return hotline.Suppressed(int64(row.Value))
	}
	return strconv.FormatInt(int64(row.Value+0.5), 10)
}

// reportsCSV downloads the report in long format, UTF-8, with a header row.
func (c *Console) reportsCSV(w http.ResponseWriter, r *http.Request, v hotline.Viewer) {
	rep, ok := c.report(w, r, v, "export")
	if !ok {
		return
	}
	from, to := rep.From, rep.To
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="hotline-%s-%s.csv"`, from.Format(time.DateOnly), to.Format(time.DateOnly)))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"period_start", "period_end", "county", "municipality", "measure", "breakdown", "value"})
	for _, row := range rep.Rows {
		_ = cw.Write([]string{from.Format(time.DateOnly), to.Format(time.DateOnly), row.County, row.Municipality, row.Measure, row.Breakdown, value(row)})
	}
	cw.Flush()
}

// weeklyChart draws tips per week as an SVG bar chart; weeks with 1 to 4
// tips are drawn as small and labelled "<5".
func weeklyChart(weeks []postgres.WeekCount) template.HTML {
	if len(weeks) == 0 {
		return ""
	}
	const height, bar = 120.0, 24.0
	max := int64(hotline.SmallCount + 1)
	for _, wk := range weeks {
		if wk.Count > max {
			max = wk.Count
		}
	}
	var b strings.Builder
	width := float64(len(weeks))*(bar+6) + 10
	fmt.Fprintf(&b, `<svg role="img" aria-label="tips per week" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" xmlns="http://www.w3.org/2000/svg" font-size="9">`,
		width, height+30, width, height+30)
	for i, wk := range weeks {
		n := wk.Count
		if n <= hotline.SmallCount {
			n = 1
		}
		h := float64(n) / float64(max) * height
		x := 10 + float64(i)*(bar+6)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.1f" fill="#1d3557"><title>%s: %s</title></rect>`,
			x, height-h+10, bar, h, wk.Week.Format(time.DateOnly), hotline.Suppressed(wk.Count))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, x, height-h+8, hotline.Suppressed(wk.Count))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`, x, height+22, wk.Week.Format("01-02"))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and dates only
}
