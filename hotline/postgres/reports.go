package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// ReportRow is one figure of a report, in the long format of the CSV
// download: county ("" = unknown), municipality ("" = the whole county;
// tips of unknown municipality count only there),
// measure, breakdown ("" = none) and value. Counts are exact here; pages and
// downloads show them through hotline.Suppressed. Times are in seconds.
type ReportRow struct {
	County       string
	Municipality string
	Measure      string
	Breakdown    string
	Value        float64
	Count        bool // Value is a count (suppress small values); false: a time in seconds
}

// Report is the figures for tips created in [From, To) that a viewer may count.
type Report struct {
	From, To time.Time
	Rows     []ReportRow
	// Weekly is tips per week (Monday, UTC) over the period, all counties in scope.
	Weekly []WeekCount
}

// WeekCount is the number of tips created in the week starting Week.
type WeekCount struct {
	Week  time.Time
	Count int64
}

// reportCounts counts, per county and per known municipality, what the national strategy's quarterly
// reporting asks for. $1, $2: the period; the scope condition follows.
const reportCounts = `
WITH t AS (SELECT t.*, ` + municipality + ` AS m FROM tips t
	WHERE t.created_at >= $1 AND t.created_at < $2 AND t.status <> 'merged' AND %s)
SELECT county, COALESCE(m, ''), measure, breakdown, count(*) FROM (
	SELECT county, m, 'contacts' AS measure, channel AS breakdown FROM t
	UNION ALL SELECT county, m, 'tips_by_level', level FROM t
	UNION ALL SELECT county, m, 'self_identifications', '' FROM t WHERE intake = 'self_identification'
	UNION ALL SELECT county, m, 'official_complicity', '' FROM t WHERE official_complicity
	UNION ALL SELECT county, m, 'information_requests', '' FROM t WHERE intake = 'information_request'
	UNION ALL SELECT county, m, 'children', '' FROM t WHERE COALESCE((classification->>'child')::bool, false)
	UNION ALL SELECT county, m, 'exploitation', e FROM t, jsonb_array_elements_text(COALESCE(t.classification->'exploitation', '[]')) e
	UNION ALL SELECT county, m, 'scope', COALESCE(classification->>'scope', 'unknown') FROM t
	UNION ALL SELECT county, m, 'spam', '' FROM t WHERE status = 'spam'
	UNION ALL SELECT t.county, t.m, 'persons_sex', p.sex FROM t JOIN tip_persons p ON p.tip_id = t.id
	UNION ALL SELECT t.county, t.m, 'persons_age_group', p.age_group FROM t JOIN tip_persons p ON p.tip_id = t.id
	UNION ALL SELECT t.county, t.m, 'persons_nationality', COALESCE(NULLIF(p.nationality, ''), 'unknown') FROM t JOIN tip_persons p ON p.tip_id = t.id
	UNION ALL SELECT t.county, t.m, 'persons_status', p.status FROM t JOIN tip_persons p ON p.tip_id = t.id
) x GROUP BY GROUPING SETS ((county, measure, breakdown), (county, m, measure, breakdown))
HAVING GROUPING(m) = 1 OR m <> ''
ORDER BY 1, 2, 3, 4`

// reportTimes gives, per county, the median and 90th percentile of the time
// to the first acknowledgement and to the first reply to the reporter.
const reportTimes = `
WITH t AS (SELECT t.* FROM tips t WHERE t.created_at >= $1 AND t.created_at < $2 AND t.status <> 'merged' AND %s),
d AS (
	SELECT county, 'seconds_to_acknowledge' AS measure, extract(epoch FROM acknowledged_at - created_at) AS s FROM t WHERE acknowledged_at IS NOT NULL
	UNION ALL SELECT t.county, 'seconds_to_first_reply', extract(epoch FROM min(m.received_at) - t.created_at)
		FROM t JOIN messages m ON m.tip_id = t.id AND m.direction = 'out' GROUP BY t.id, t.county, t.created_at)
SELECT county, measure, percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.9) WITHIN GROUP (ORDER BY s)
FROM d GROUP BY 1, 2 ORDER BY 1, 2`

// Report computes the figures for tips created in [from, to) that the viewer
// may count (hotline.ActionCount), and audits it as action ("report" for a
// page, "export" for a download; an export needs hotline.ActionExport too).
func (db *DB) Report(ctx context.Context, v hotline.Viewer, from, to time.Time, action string, now time.Time) (Report, error) {
	rep := Report{From: from, To: to}
	if action == "export" && !hotline.Access(v, hotline.ActionExport).Allowed {
		return rep, fmt.Errorf("export: %w", hotline.ErrUnauthorized)
	}
	args := []any{from, to}
	where, err := scopeClause(hotline.Access(v, hotline.ActionCount), &args)
	if err != nil {
		return rep, fmt.Errorf("report: %w", err)
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, fmt.Sprintf(reportCounts, where), args...)
		if err != nil {
			return err
		}
		counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReportRow, error) {
			var row ReportRow
			var n int64
			err := r.Scan(&row.County, &row.Municipality, &row.Measure, &row.Breakdown, &n)
			row.Value, row.Count = float64(n), true
			return row, err
		})
		if err != nil {
			return err
		}
		rep.Rows = counts
		rows, err = tx.Query(ctx, fmt.Sprintf(reportTimes, where), args...)
		if err != nil {
			return err
		}
		var county, measure string
		var median, p90 float64
		_, err = pgx.ForEachRow(rows, []any{&county, &measure, &median, &p90}, func() error {
			rep.Rows = append(rep.Rows, ReportRow{County: county, Measure: measure, Breakdown: "median", Value: median},
				ReportRow{County: county, Measure: measure, Breakdown: "p90", Value: p90})
			return nil
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT date_trunc('week', t.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', count(*) FROM tips t
			WHERE t.created_at >= $1 AND t.created_at < $2 AND t.status <> 'merged' AND `+where+` GROUP BY 1 ORDER BY 1`, args...)
		if err != nil {
			return err
		}
		if rep.Weekly, err = pgx.CollectRows(rows, pgx.RowToStructByPos[WeekCount]); err != nil {
			return err
		}
		return audit(ctx, tx, now, ResponderActor(v.ResponderID), action, 0, map[string]any{
			"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)})
	})
	if err != nil {
		return Report{}, fmt.Errorf("report %s … %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return rep, nil
}
