package console_test

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkPages loads the main pages with 10,000 tips in the database
// (`make bench`; figures in docs/console.md).
func BenchmarkPages(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	if _, err := e.raw.Exec(ctx, `
		INSERT INTO tips (reference_code, channel, language, status, level, county, intake, classification, last_message_at, created_at, updated_at)
		SELECT upper(substr(md5(i::text), 1, 3)) || '-' || upper(substr(md5(i::text), 4, 3)),
			(ARRAY['sms', 'telegram', 'phone'])[1 + i % 3], 'sq',
			(ARRAY['open', 'acknowledged', 'closed', 'closed'])[1 + i % 4], 'P' || (1 + i % 4),
			'AL-' || lpad((1 + i % 12)::text, 2, '0'), (ARRAY['third_party', 'self_identification', 'official_complicity', 'other'])[1 + i % 4],
			jsonb_build_object('exploitation', jsonb_build_array('labour'), 'child', i % 5 = 0, 'reasons', jsonb_build_array('bench')),
			$1::timestamptz - i * interval '13 minutes', $1::timestamptz - i * interval '13 minutes', $1::timestamptz - i * interval '13 minutes'
		FROM generate_series(1, 10000) i ON CONFLICT DO NOTHING`, e.clock.Now()); err != nil {
		b.Fatal(err)
	}
	if _, err := e.raw.Exec(ctx, `INSERT INTO messages (tip_id, direction, channel, kind, body, received_at)
		SELECT id, 'in', channel, 'text', 'Në Shkodër mbajnë një vajzë', created_at FROM tips`); err != nil {
		b.Fatal(err)
	}
	if _, err := e.raw.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var code string
	if err := e.raw.QueryRow(ctx, `SELECT reference_code FROM tips WHERE county = 'AL-10' AND intake <> 'official_complicity' LIMIT 1`).Scan(&code); err != nil {
		b.Fatal(err)
	}
	desk := e.browser(b)
	desk.signIn("100000401", "Vera Desk")
	gent := e.browser(b)
	gent.signIn("100000203", "Gent Coordinator")
	for _, p := range []struct {
		name string
		who  *browser
		path string
	}{
		{"queue/national", desk, "/console/"},
		{"queue/county", gent, "/console/"},
		{"queue/filtered", desk, "/console/?county=AL-10&child=yes"},
		{"tip", gent, "/console/tips/" + code},
		{"reports/quarter", desk, "/console/reports?from=2026-07-01&to=2026-10-01"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				if status, _ := p.who.do("GET", p.path, nil); status != http.StatusOK {
					b.Fatalf("%s: %d", p.path, status)
				}
			}
		})
	}
}
