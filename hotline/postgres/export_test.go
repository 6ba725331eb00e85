package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Pool gives tests direct access to the database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }
