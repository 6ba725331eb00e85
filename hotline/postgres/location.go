package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hotline-al/hotline/hotline"
)

// locate records the county of the location in's reporter shared, when it
// lies within hotline.LocationRadiusKm of a county seat, and returns the
// tip's located county ("" when none).
func locate(ctx context.Context, tx pgx.Tx, tipID int64, in hotline.InboundMessage) (string, error) {
	var located string
	if c, ok := hotline.CountyNear(in.Latitude, in.Longitude, hotline.LocationRadiusKm); ok && (in.Latitude != 0 || in.Longitude != 0) {
		if _, err := tx.Exec(ctx, `UPDATE tips SET located_county = $2 WHERE id = $1`, tipID, c.Code); err != nil {
			return "", fmt.Errorf("record location of tip %d: %w", tipID, err)
		}
		return c.Code, nil
	}
	if err := tx.QueryRow(ctx, `SELECT located_county FROM tips WHERE id = $1`, tipID).Scan(&located); err != nil {
		return "", fmt.Errorf("read location of tip %d: %w", tipID, err)
	}
	return located, nil
}

// withLocation gives c the located county when its text named no place.
func withLocation(c hotline.Classification, located string) hotline.Classification {
	if c.County == "" && located != "" {
		c.County = located
		c.Reasons = append(c.Reasons, "place: shared location near the seat of "+hotline.CountyName(located)+" ("+located+")")
		if c.Scope == hotline.ScopeUnknown && c.Level != hotline.LevelP4 {
			c.Scope = hotline.ScopeInternal
		}
	}
	return c
}
