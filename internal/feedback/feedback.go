// Package feedback stores what people answer to the page-rating component of
// the Modello Comuni ("Quanto sono chiare le informazioni su questa
// pagina?"): a 1-5 rating, a follow-up answer (what they liked, or where they
// struggled) and a short free text, per page and language, and summarises
// them for the comune's administrators.
package feedback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
)

// MaxDetail is the longest free text accepted, in characters.
const MaxDetail = 200

// Rating is one answer.
type Rating struct {
	Path     string // the page rated, a local path
	Language string
	Rating   int    // 1-5
	Answer   string // "p1".."p5" for ratings 4-5, "n1".."n5" for 1-3, or ""
	Detail   string
}

// Field errors, each naming the field it is about.
var (
	ErrRating = errors.New("rating")
	ErrAnswer = errors.New("answer")
	ErrDetail = errors.New("detail")
	ErrPath   = errors.New("path")
)

// Validate returns every field error of r.
func (r Rating) Validate() []error {
	var errs []error
	if r.Rating < 1 || r.Rating > 5 {
		errs = append(errs, ErrRating)
	}
	if r.Answer != "" {
		ok := len(r.Answer) == 2 && r.Answer[1] >= '1' && r.Answer[1] <= '5' &&
			((r.Answer[0] == 'p' && r.Rating >= 4) || (r.Answer[0] == 'n' && r.Rating >= 1 && r.Rating <= 3))
		if !ok {
			errs = append(errs, ErrAnswer)
		}
	}
	if utf8.RuneCountInString(r.Detail) > MaxDetail {
		errs = append(errs, ErrDetail)
	}
	if !strings.HasPrefix(r.Path, "/") || strings.HasPrefix(r.Path, "//") || len(r.Path) > 300 {
		errs = append(errs, ErrPath)
	}
	return errs
}

// Store keeps ratings.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Add stores a rating after validating it.
func (s *Store) Add(ctx context.Context, tenantID string, r Rating) error {
	if errs := r.Validate(); len(errs) > 0 {
		return errors.Join(errs...)
	}
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO page_ratings (tenant_id, path, language, rating, answer, detail)
			VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, r.Path, r.Language, r.Rating, r.Answer, strings.TrimSpace(r.Detail))
		return err
	})
	if err != nil {
		return fmt.Errorf("add rating: %w", db.Classify(err))
	}
	return nil
}

// Summary is how one page is rated in one language.
type Summary struct {
	Path     string
	Language string
	Count    int
	Average  float64
	Positive int // ratings 4-5
}

// Summaries returns every rated page of the comune, most rated first.
func (s *Store) Summaries(ctx context.Context, tenantID string) ([]Summary, error) {
	var out []Summary
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT path, language, count(*)::int, avg(rating)::float8, count(*) FILTER (WHERE rating >= 4)::int
			FROM page_ratings WHERE tenant_id = $1 GROUP BY path, language ORDER BY count(*) DESC, path, language`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Summary])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rating summaries: %w", db.Classify(err))
	}
	return out, nil
}
