package applications

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/codicefiscale"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/refcode"
	"github.com/civica/civica/internal/workdays"
)

// ErrServiceSuspended: the comune has suspended the service; no new
// application can be started or sent.
var ErrServiceSuspended = fmt.Errorf("%w: service suspended", ErrNotAllowed)

// Filled is an application, with the form it is filled with.
type Filled struct {
	Application
	Form forms.Form
	// Files are the application's documents: the citizen's (answers to
	// file questions among them), the office's and the receipt.
	Files []File
	// Carried says the form was replaced since the draft was last saved and
	// the answers were carried to the new version; Dropped lists the
	// questions that no longer exist.
	Carried bool
	Dropped []string
}

// StartDraft opens a new draft of the service's current form for a person,
// prefilled with what the comune already knows: the identity asserted at
// login (name, fiscal code, email, and the birth date the fiscal code
// holds) and the person's earlier answers.
func (s *Service) StartDraft(ctx context.Context, tenantID, personID, service, lang string) (Filled, error) {
	var d Filled
	for attempt := 1; ; attempt++ {
		err := s.inTenant(ctx, tenantID, "start application", func(tx pgx.Tx) error {
			pf, err := catalog.CurrentForm(ctx, tx, tenantID, service)
			if errors.Is(err, db.ErrNotFound) {
				return ErrNoForm
			} else if err != nil {
				return err
			}
			var office, status string
			if err := tx.QueryRow(ctx, `SELECT office_slug, status FROM services WHERE tenant_id = $1 AND slug = $2`,
				tenantID, service).Scan(&office, &status); err != nil {
				return err
			}
			if status != "active" {
				return ErrServiceSuspended
			}
			profile, err := loadProfile(ctx, tx, tenantID, personID)
			if err != nil {
				return err
			}
			now := s.now()
			identity, err := loadIdentity(ctx, tx, tenantID, personID, now)
			if err != nil {
				return err
			}
			expires := now.Add(s.cfg.DraftLifetime)
			answers := pf.Form.Prefill(forms.Values{}, identity, profile)
			a, err := scanApplication(tx.QueryRow(ctx, `INSERT INTO applications
					(tenant_id, reference, service_slug, form_version, person_id, status, answers, office_slug, language,
					 created_at, updated_at, expires_at)
				VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $9, $10)
				RETURNING `+applicationColumns,
				tenantID, refcode.New("PR-"), service, pf.Version, personID, answers, office, lang, now, expires))
			if err != nil {
				return err
			}
			d = Filled{Application: a, Form: pf.Form}
			return nil
		})
		if referenceTaken(err) && attempt < 5 {
			continue
		}
		return d, err
	}
}

// OpenDraft returns the person's draft with its form. When the service's
// form was replaced since, the draft is carried to the new version (and
// saved so), and Carried says so.
func (s *Service) OpenDraft(ctx context.Context, tenantID, personID, reference string) (Filled, error) {
	var d Filled
	err := s.inTenant(ctx, tenantID, "open draft", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		d, err = s.draftIn(ctx, tx, a)
		return err
	})
	return d, err
}

// draftIn loads the form of a locked application and, for a draft whose
// form was replaced, carries it to the current version.
func (s *Service) draftIn(ctx context.Context, tx pgx.Tx, a Application) (Filled, error) {
	d := Filled{Application: a}
	pinned, err := catalog.FormVersion(ctx, tx, a.TenantID, a.Service, a.FormVersion)
	if err != nil {
		return d, err
	}
	d.Form = pinned.Form
	if d.Files, err = files(ctx, tx, a); err != nil {
		return d, err
	}
	if a.Status != Draft {
		return d, nil
	}
	current, err := catalog.CurrentForm(ctx, tx, a.TenantID, a.Service)
	if errors.Is(err, db.ErrNotFound) {
		return d, nil // the service went offline: the draft stays as it is
	} else if err != nil {
		return d, err
	}
	if current.Version == a.FormVersion {
		return d, nil
	}
	carried, dropped := current.Form.Carry(a.Answers)
	if _, err := tx.Exec(ctx, `UPDATE applications SET form_version = $3, answers = $4, updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, a.TenantID, a.ID, current.Version, carried); err != nil {
		return d, fmt.Errorf("carry draft %s to form v%d: %w", a.Reference, current.Version, err)
	}
	d.FormVersion, d.Answers, d.Form = current.Version, carried, current.Form
	d.Carried, d.Dropped = true, dropped
	return d, nil
}

// StepResult is a step's answers as saved, and what is wrong with them.
type StepResult struct {
	Filled
	Errors []forms.FieldError
}

// SaveStep validates the answers of step i (from 0) and saves them in the
// draft whatever their state: valid answers normalized, invalid ones as
// typed, so nothing is lost when the person leaves and comes back. The
// errors are for the page; submission checks everything again.
func (s *Service) SaveStep(ctx context.Context, tenantID, personID, reference string, i int, input forms.Values) (StepResult, error) {
	var r StepResult
	err := s.inTenant(ctx, tenantID, "save step", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		if a.Status != Draft {
			return ErrNotAllowed
		}
		d, err := s.draftIn(ctx, tx, a)
		if err != nil {
			return err
		}
		if i < 0 || i >= len(d.Form.Steps) {
			return db.ErrNotFound
		}
		now := s.now()
		// Questions that appear with these answers, never shown before,
		// start from what the comune knows, like the others did.
		identity, err := loadIdentity(ctx, tx, tenantID, personID, now)
		if err != nil {
			return err
		}
		profile, err := loadProfile(ctx, tx, tenantID, personID)
		if err != nil {
			return err
		}
		merged := d.Form.Prefill(d.Form.Merge(d.Answers, i, input), identity, profile)
		// Valid answers come back normalized, wrong ones as typed.
		normalized, errs := d.Form.ValidateStep(i, merged, now)
		d.Answers = d.Form.Merge(d.Answers, i, normalized)
		expires := now.Add(s.cfg.DraftLifetime)
		d.ExpiresAt, d.UpdatedAt = &expires, now
		if _, err := tx.Exec(ctx, `UPDATE applications SET answers = $3, updated_at = $4, expires_at = $5
			WHERE tenant_id = $1 AND id = $2`, tenantID, a.ID, d.Answers, now, expires); err != nil {
			return err
		}
		r = StepResult{Filled: d, Errors: errs}
		return nil
	})
	return r, err
}

// SubmitResult says why a draft could not be sent: answers to correct
// (each with the step it is on) or declarations not made.
type SubmitResult struct {
	Application
	Errors              []forms.FieldError
	MissingDeclarations []string
}

// Submit sends the person's draft: every answer is validated again, every
// declaration must be made, the deadline is set, the answers worth
// remembering are remembered, and the draft moves to submitted with its
// event and jobs, all in one transaction. Sending what was already sent
// returns it unchanged (a double click, a replayed request): one
// application, never two. A draft whose form was replaced meanwhile is
// carried to the new version and not sent: ErrFormReplaced.
func (s *Service) Submit(ctx context.Context, tenantID, personID, reference string, declared []string) (SubmitResult, error) {
	var r SubmitResult
	err := s.inTenant(ctx, tenantID, "submit application", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		r.Application = a
		if a.Status != Draft {
			if a.SubmittedAt != nil {
				return nil // already sent: the same answer again
			}
			return ErrNotAllowed
		}
		d, err := s.draftIn(ctx, tx, a)
		if err != nil {
			return err
		}
		if d.Carried {
			return ErrFormReplaced
		}
		var status, daysKind, patron string
		var maxDays int
		if err := tx.QueryRow(ctx, `SELECT s.status, coalesce((s.card->>'max_processing_days')::int, 0),
				coalesce(s.card->>'processing_days_kind', 'calendar'), coalesce(t.patron_saint_day, '')
			FROM services s JOIN tenants t ON t.id = s.tenant_id
			WHERE s.tenant_id = $1 AND s.slug = $2`, tenantID, a.Service).Scan(&status, &maxDays, &daysKind, &patron); err != nil {
			return err
		}
		if status != "active" {
			return ErrServiceSuspended
		}
		now := s.now()
		answers, errs := d.Form.Validate(d.Answers, now)
		for _, decl := range d.Form.Declarations {
			if !slices.Contains(declared, decl.ID) {
				r.MissingDeclarations = append(r.MissingDeclarations, decl.ID)
			}
		}
		if len(errs) > 0 || len(r.MissingDeclarations) > 0 {
			r.Errors = errs
			return nil
		}
		keepOwnFiles(d, answers)
		due := workdays.Calendar{PatronDay: patron}.Due(now, maxDays, workdays.Kind(daysKind))
		a.Answers, a.DaysKind, a.DueOn = answers, daysKind, &due
		if office := d.Form.OfficeFor(answers); office != "" {
			// Routed by an answer, when the comune has that office.
			tag, err := tx.Exec(ctx, `UPDATE applications SET office_slug = o.slug FROM offices o
				WHERE applications.tenant_id = $1 AND applications.id = $2 AND o.tenant_id = $1 AND o.slug = $3`,
				tenantID, a.ID, office)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 1 {
				a.Office = office
			}
		}
		if err := rememberProfile(ctx, tx, tenantID, personID, d.Form.Remember(answers), now); err != nil {
			return err
		}
		if _, err := s.transition(ctx, tx, &a, Submitted, Actor{Kind: ActorCitizen, ID: personID}, Change{}, now); err != nil {
			return err
		}
		r.Application = a
		return nil
	})
	return r, err
}

// keepOwnFiles drops from the answers any file id that is not one of the
// citizen's files of this application: a hidden input can be edited, a
// file of another application must never be referenced.
func keepOwnFiles(d Filled, answers forms.Values) {
	own := func(id string) bool {
		return slices.ContainsFunc(d.Files, func(f File) bool { return f.ID == id && f.Owner == "citizen" })
	}
	for _, key := range d.Form.FileKeys(answers) {
		answers[key] = slices.DeleteFunc(answers[key], func(id string) bool { return !own(id) })
	}
}

// Statuses a personal-area filter shows, by the filter's name.
var Filters = map[string][]Status{
	"draft":       {Draft},
	"submitted":   {Submitted, Registered},
	"in_progress": {InProgress},
	"accepted":    {Accepted},
	"rejected":    {Rejected},
	"integration": {AwaitingIntegration},
}

// FilterNames in the order the personal area shows them.
var FilterNames = []string{"draft", "submitted", "in_progress", "accepted", "rejected", "integration"}

// List returns the person's applications under a filter ("" for all),
// latest change first.
func (s *Service) List(ctx context.Context, tenantID, personID, filter string) ([]Summary, error) {
	statuses := []string{} // never nil: NULL would match nothing
	for _, st := range Filters[filter] {
		statuses = append(statuses, string(st))
	}
	var out []Summary
	err := s.inTenant(ctx, tenantID, "list applications", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT reference, service_slug, status, updated_at, submitted_at, expires_at, due_on,
				coalesce(protocol_number, '')
			FROM applications WHERE tenant_id = $1 AND person_id = $2 AND (cardinality($3::text[]) = 0 OR status = ANY($3))
			ORDER BY updated_at DESC LIMIT 500`, tenantID, personID, statuses)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Summary])
		return err
	})
	return out, err
}

// Counts returns how many of the person's applications each filter holds.
func (s *Service) Counts(ctx context.Context, tenantID, personID string) (map[string]int, error) {
	counts := map[string]int{}
	err := s.inTenant(ctx, tenantID, "count applications", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT status, count(*) FROM applications WHERE tenant_id = $1 AND person_id = $2 GROUP BY status`,
			tenantID, personID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st Status
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			counts[""] += n
			for name, sts := range Filters {
				if slices.Contains(sts, st) {
					counts[name] += n
				}
			}
		}
		return rows.Err()
	})
	return counts, err
}

// Drafts returns the person's drafts of one service, latest first.
func (s *Service) Drafts(ctx context.Context, tenantID, personID, service string) ([]Summary, error) {
	all, err := s.List(ctx, tenantID, personID, "draft")
	return slices.DeleteFunc(all, func(x Summary) bool { return x.Service != service }), err
}

// DeleteDraft removes one of the person's drafts and its files.
func (s *Service) DeleteDraft(ctx context.Context, tenantID, personID, reference string) error {
	var keys []string
	err := s.inTenant(ctx, tenantID, "delete draft", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		if a.Status != Draft {
			return ErrNotAllowed
		}
		rows, err := tx.Query(ctx, `DELETE FROM application_files WHERE tenant_id = $1 AND application_id = $2 RETURNING storage_key`,
			tenantID, a.ID)
		if err != nil {
			return err
		}
		if keys, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM applications WHERE tenant_id = $1 AND id = $2`, tenantID, a.ID)
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		_ = s.files.Delete(context.WithoutCancel(ctx), k) // an orphan file is harmless
	}
	return nil
}

func loadProfile(ctx context.Context, tx pgx.Tx, tenantID, personID string) (forms.Values, error) {
	rows, err := tx.Query(ctx, `SELECT key, value FROM citizen_profile WHERE tenant_id = $1 AND person_id = $2`, tenantID, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := forms.Values{}
	for rows.Next() {
		var k string
		var v []string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func rememberProfile(ctx context.Context, tx pgx.Tx, tenantID, personID string, v forms.Values, now time.Time) error {
	for k, vals := range v {
		if _, err := tx.Exec(ctx, `INSERT INTO citizen_profile (tenant_id, person_id, key, value, updated_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, person_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			tenantID, personID, k, vals, now); err != nil {
			return fmt.Errorf("remember %s: %w", k, err)
		}
	}
	return nil
}

// loadIdentity is what the login told the comune about the person, keyed
// as forms.Field.Prefill names it after "identity.".
func loadIdentity(ctx context.Context, tx pgx.Tx, tenantID, personID string, now time.Time) (map[string]string, error) {
	var given, family, code, email string
	if err := tx.QueryRow(ctx, `SELECT given_name, family_name, fiscal_code, email FROM people WHERE tenant_id = $1 AND id = $2`,
		tenantID, personID).Scan(&given, &family, &code, &email); err != nil {
		return nil, err
	}
	id := map[string]string{"given_name": given, "family_name": family, "fiscal_code": code, "email": email}
	if cf, err := codicefiscale.Parse(code); err == nil {
		id["birth_date"] = cf.BirthDate(now).Format(time.DateOnly)
	}
	return id, nil
}
