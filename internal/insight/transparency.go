package insight

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// ProcessingTimes are a comune's published processing times: one row per
// service that can be applied for online or had an application decided
// in the window.
type ProcessingTimes struct {
	From, To time.Time
	Services []ProcessingTime
}

// ProcessingTime is one service's figures over the window.
type ProcessingTime struct {
	Service string // slug
	Title   string
	// MaxDays is the legal maximum the service card states (0: not
	// stated).
	MaxDays int
	Decided int
	// AverageDays and MedianDays are nil when nothing was decided.
	AverageDays, MedianDays *float64
}

// ProcessingTimes reads the figures of the last twelve months, titles in
// lang. Anyone may see them: they are public by law.
func (s *Store) ProcessingTimes(ctx context.Context, tenantID, lang string) (ProcessingTimes, error) {
	pt := ProcessingTimes{To: s.now()}
	pt.From = pt.To.AddDate(0, -Window, 0)
	err := s.inTenant(ctx, tenantID, "processing times", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH decided AS (
				SELECT service_slug, count(*) AS n,
					avg(extract(epoch FROM decided_at - submitted_at) / 86400) AS average,
					percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - submitted_at) / 86400) AS median
				FROM applications
				WHERE tenant_id = $1 AND status IN ('accepted', 'rejected') AND decided_at > $2 AND decided_at <= $3
				GROUP BY service_slug)
			SELECT coalesce(s.slug, d.service_slug),
				coalesce(s.card->'title'->>$4, s.card->'title'->>'it', d.service_slug),
				coalesce((s.card->>'max_processing_days')::int, 0),
				coalesce(d.n, 0), d.average, d.median
			FROM (SELECT * FROM services WHERE tenant_id = $1) s
			FULL JOIN decided d ON d.service_slug = s.slug
			WHERE d.n IS NOT NULL OR s.form_version IS NOT NULL
			ORDER BY 2`, tenantID, pt.From, pt.To, lang)
		if err != nil {
			return err
		}
		var p ProcessingTime
		var avg, median pgtype.Float8
		_, err = pgx.ForEachRow(rows, []any{&p.Service, &p.Title, &p.MaxDays, &p.Decided, &avg, &median}, func() error {
			row := p
			if avg.Valid {
				v := avg.Float64
				row.AverageDays = &v
			}
			if median.Valid {
				v := median.Float64
				row.MedianDays = &v
			}
			pt.Services = append(pt.Services, row)
			return nil
		})
		return err
	})
	return pt, err
}
