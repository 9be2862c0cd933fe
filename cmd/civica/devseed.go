package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/app"
	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/tenant"
)

// demoReport is one report a demo citizen sent some days ago.
type demoReport struct {
	citizen            [3]string // fiscal code, given name, family name
	daysAgo            int
	category, subject  string
	description, place string
}

// email is the demo citizen's address, as the test provider gives it.
func (r demoReport) email() string {
	return strings.ToLower(r.citizen[1] + "." + r.citizen[2] + "@example.it")
}

var demoCitizens = [][3]string{
	{"RSSMRA85T10H501O", "Mario", "Rossi"},
	{"BNCGLI92C62F205U", "Giulia", "Bianchi"},
	{"SPSLCU78L04F839F", "Luca", "Esposito"},
	{"FRRCHR01S70A944A", "Chiara", "Ferrari"},
	{"DLLMNT90E55Z343I", "Aminata", "Diallo"},
}

// demoReports give each demo comune's desk a queue to work on: reports
// of every kind, so that they reach different offices, sent over the
// last weeks, so that some deadlines are near and one has passed.
var demoReports = []demoReport{
	{demoCitizens[0], 34, "roads", "Buca in via Roma", "Una buca profonda davanti al civico 12, pericolosa per chi va in bicicletta.", "Via Roma 12"},
	{demoCitizens[1], 26, "lighting", "Lampione spento", "Il lampione all'angolo con via Verdi è spento da una settimana, la sera la strada è buia.", "Via Garibaldi angolo via Verdi"},
	{demoCitizens[2], 15, "waste", "Cassonetti pieni", "I cassonetti della raccolta differenziata non vengono svuotati da giorni e i sacchi restano a terra.", "Piazza del Mercato"},
	{demoCitizens[3], 9, "green", "Altalena rotta", "Nel parco giochi una catena dell'altalena è spezzata: i bambini rischiano di farsi male.", "Parco della Rimembranza"},
	{demoCitizens[4], 4, "noise", "Musica alta di notte", "Da un locale esce musica ad alto volume fino alle tre di notte, anche nei giorni feriali.", "Via del Porto 8"},
	{demoCitizens[0], 1, "water", "Tombino intasato", "Quando piove il tombino davanti alla scuola si intasa e il marciapiede si allaga.", "Via delle Scuole 3"},
}

// seedDemoApplications sends the demo reports in every comune that has no
// application yet, through the same functions the portal uses; the
// server's workers then register them in the protocol. A comune that has
// applications is left alone, so a restart adds nothing.
func seedDemoApplications(ctx context.Context, pool *pgxpool.Pool, comuni []tenant.Tenant, filesDir string) error {
	client, err := jobs.New(pool, nil, nil, slog.New(slog.DiscardHandler)) // insert only: `serve` works them
	if err != nil {
		return err
	}
	d, err := app.NewDomain(ctx, app.Config{FilesDir: filesDir}, pool)
	if err != nil {
		return err
	}
	d.Inserter.Client = client
	svc := d.Applications
	now := time.Now()
	for _, t := range comuni {
		var n int
		if err := db.InTenant(ctx, pool, t.ID, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM applications WHERE tenant_id = $1`, t.ID).Scan(&n)
		}); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		for _, r := range demoReports {
			if err := sendDemoReport(ctx, pool, svc, t.ID, r, now); err != nil {
				return fmt.Errorf("demo applications of %s: %w", t.Slug, err)
			}
		}
	}
	return nil
}

func sendDemoReport(ctx context.Context, pool *pgxpool.Pool, svc *applications.Service, tenantID string, r demoReport, now time.Time) error {
	var person string
	err := db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (tenant_id, fiscal_code) DO UPDATE SET given_name = excluded.given_name
			RETURNING id::text`, tenantID, r.citizen[0], r.citizen[1], r.citizen[2]).Scan(&person)
	})
	if err != nil {
		return err
	}
	at := now.AddDate(0, 0, -r.daysAgo)
	svc.SetClock(func() time.Time { return at })
	defer svc.SetClock(time.Now)
	draft, err := svc.StartDraft(ctx, tenantID, person, "segnalazione-disservizio", "it")
	if err != nil {
		return err
	}
	steps := []forms.Values{
		{"category": {r.category}, "subject": {r.subject}, "description": {r.description}},
		{"place": {r.place}},
		{"wants_reply": {"yes"}, "reply_email": {r.email()}},
	}
	for i, v := range steps {
		res, err := svc.SaveStep(ctx, tenantID, person, draft.Reference, i, v)
		if err != nil {
			return err
		}
		if len(res.Errors) > 0 {
			return fmt.Errorf("step %d of the demo report: %v", i, res.Errors)
		}
	}
	res, err := svc.Submit(ctx, tenantID, person, draft.Reference, []string{"privacy"})
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 || len(res.MissingDeclarations) > 0 {
		return fmt.Errorf("demo report not sent: %v %v", res.Errors, res.MissingDeclarations)
	}
	return nil
}
