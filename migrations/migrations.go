// Package migrations embeds the ordered SQL migrations (goose format) that
// build hotline's Postgres schema. cmd/hotline applies them with
// `hotline migrate`; the postgres adapter checks them at start-up.
package migrations

import "embed"

// FS holds the *.sql migrations, named NNNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
