package postgres

import (
	"context"
	"fmt"
)

// AckTimeBuckets are the upper bounds, in seconds, of the time-to-
// acknowledge histogram: 30 s … 2 h.
var AckTimeBuckets = []float64{30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}

// AckTimes is the time from a tip's first message to its first
// acknowledgement, for the acknowledged tips of one level and county.
type AckTimes struct {
	Level, County string
	Count         uint64
	SumSeconds    float64
	// Cumulative counts per AckTimeBuckets bound.
	Buckets map[float64]uint64
}

// AcknowledgementTimes returns the time-to-acknowledge of every
// acknowledged tip, by level and county ("" = unknown), computed in
// Postgres so that every process reports the same figures.
func (db *DB) AcknowledgementTimes(ctx context.Context) ([]AckTimes, error) {
	rows, err := db.pool.Query(ctx, `SELECT level, county, count(*), COALESCE(sum(s), 0),
			array_agg(s ORDER BY s)
		FROM (SELECT level, county, GREATEST(EXTRACT(EPOCH FROM acknowledged_at - created_at), 0)::float8 AS s
			FROM tips WHERE acknowledged_at IS NOT NULL) x
		GROUP BY level, county ORDER BY level, county`)
	if err != nil {
		return nil, fmt.Errorf("acknowledgement times: %w", err)
	}
	defer rows.Close()
	var out []AckTimes
	for rows.Next() {
		var a AckTimes
		var count int64
		var secs []float64
		if err := rows.Scan(&a.Level, &a.County, &count, &a.SumSeconds, &secs); err != nil {
			return nil, fmt.Errorf("acknowledgement times: %w", err)
		}
		a.Count = uint64(count)
		a.Buckets = make(map[float64]uint64, len(AckTimeBuckets))
		for _, bound := range AckTimeBuckets {
			for _, s := range secs {
				if s <= bound {
					a.Buckets[bound]++
				}
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
