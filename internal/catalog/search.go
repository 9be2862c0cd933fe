package catalog

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// MaxQuery is the longest search text considered, in characters; the rest
// is ignored.
const MaxQuery = 200

// Search finds the comune's services matching q, best first: full-text
// matches in the person's language (stems, accents folded), then titles
// similar to q (typos). An empty q finds nothing. q is data, never SQL.
func (s *Store) Search(ctx context.Context, tenantID, lang, q string, limit int) ([]Service, error) {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > MaxQuery {
		q = string([]rune(q)[:MaxQuery])
	}
	if q == "" {
		return nil, nil
	}
	config, vector := "civica_it", "search_it"
	if lang == "en" {
		config, vector = "civica_en", "search_en"
	}
	var out []Service
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH query AS (
				SELECT websearch_to_tsquery('`+config+`', $2) AS ts, civica_fold($2) AS folded
			)
			SELECT `+summaryColumns+` FROM services, query
			WHERE tenant_id = $1
			  AND (`+vector+` @@ query.ts OR word_similarity(query.folded, title_folded) >= 0.45)
			ORDER BY ts_rank(`+vector+`, query.ts) + word_similarity(query.folded, title_folded) DESC, slug
			LIMIT $3`, tenantID, q, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[Service])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search services: %w", db.Classify(err))
	}
	return out, nil
}
