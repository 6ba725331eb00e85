package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CountText counts the stored values, in every text, jsonb and bytea column
// of every table, that contain needle (case-sensitive). Privacy tests use it
// to prove a reporter's contact is stored nowhere in clear.
func (db *DB) CountText(ctx context.Context, needle string) (int, error) {
	rows, err := db.pool.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'bytea', 'ARRAY', 'character varying')`)
	if err != nil {
		return 0, fmt.Errorf("list columns: %w", err)
	}
	type col struct{ table, column, kind string }
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (col, error) {
		var c col
		return c, r.Scan(&c.table, &c.column, &c.kind)
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, c := range cols {
		expr := pgx.Identifier{c.column}.Sanitize() + "::text"
		if c.kind == "bytea" {
			expr = "encode(" + pgx.Identifier{c.column}.Sanitize() + ", 'escape')"
		}
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE strpos(%s, $1) > 0`, pgx.Identifier{c.table}.Sanitize(), expr)
		if err := db.pool.QueryRow(ctx, q, needle).Scan(&n); err != nil {
			return 0, fmt.Errorf("search %s.%s: %w", c.table, c.column, err)
		}
		total += n
	}
	return total, nil
}
