package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/desk"
)

// The desk's benchmark: a generator that spreads apps applications over
// 100 comuni (Verdemare, the largest, holds a tenth; the other 99 follow a
// Zipf-like curve, as real comuni do), then the work queue measured over
// HTTP as Verdemare's clerk Paolo Conti with the common filters, the
// clerk's view of an application, and the domain's Queue alone, each
// against /healthz of the same server in the same run.

const deskComuni = 100

// benchDesk fills the database (superURL: as the cluster's superuser, to
// write across comuni in bulk past row-level security) and measures.
func benchDesk(ctx context.Context, base, host, dbURL, superURL string, apps int, d time.Duration, explain bool) error {
	if err := generateApplications(ctx, superURL, apps); err != nil {
		return err
	}
	pool, err := db.Open(ctx, dbURL, 10*time.Second)
	if err != nil {
		return err
	}
	defer pool.Close()
	var tenantID string
	if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		return err
	}
	paolo := applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti"}
	dk := desk.New(pool)

	filters := []struct{ name, query string }{
		{"default", ""},
		{"mine", "assegnatario=mie"},
		{"overdue", "scadenza=scadute"},
		{"name", "testo=esposito"},
		{"fiscal code", "testo=" + benchFiscalCode(1234)},
		{"office+status", "ufficio=anagrafe&stato=accepted"},
		{"sorted by submission", "ordina=invio&verso=desc"},
	}
	if explain {
		for _, f := range filters[:5] {
			q, _ := url.ParseQuery(f.query)
			filter, _ := desk.ParseFilter(q)
			plan, err := dk.ExplainQueue(ctx, tenantID, paolo, filter)
			if err != nil {
				return err
			}
			fmt.Printf("\nEXPLAIN queue %q (%s)\n%s\n", f.query, f.name, plan)
		}
	}

	client, err := deskClient(base)
	if err != nil {
		return err
	}
	comune := "http://" + host
	if err := deskLogin(ctx, client, comune, "paolo-conti"); err != nil {
		return fmt.Errorf("bench desk: log in: %w", err)
	}
	// References of Paolo's offices for the application view.
	var refs []string
	err = db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT reference FROM applications
			WHERE tenant_id = $1 AND status <> 'draft' AND office_slug = ANY($2) ORDER BY random() LIMIT 500`,
			tenantID, []string{"anagrafe", "urp", "lavori-pubblici", "ambiente"})
		if err != nil {
			return err
		}
		refs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return err
	}

	fmt.Printf("\ndesk: 1 connection, %s per target, as Paolo Conti (clerk of 4 of Verdemare's offices); aim p95 ≤ 50 ms\n", d)
	get := func(path string) func(context.Context, int) error {
		return func(ctx context.Context, i int) error { return deskGet(ctx, client, comune+path) }
	}
	baseline := sample(ctx, d, get("/healthz"))
	baseline.print("baseline /healthz")
	for _, f := range filters {
		r := sample(ctx, d, get("/scrivania?"+f.query))
		r.print("queue: " + f.name)
		r.ratio(baseline)
	}
	if len(refs) > 0 {
		r := sample(ctx, d, func(ctx context.Context, i int) error {
			return deskGet(ctx, client, comune+"/scrivania/pratiche/"+refs[i%len(refs)])
		})
		r.print("application view")
		r.ratio(baseline)
	}
	for _, f := range filters[:5] {
		q, _ := url.ParseQuery(f.query)
		filter, _ := desk.ParseFilter(q)
		r := sample(ctx, d, func(ctx context.Context, _ int) error {
			_, err := dk.Queue(ctx, tenantID, paolo, filter)
			return err
		})
		r.print("domain Queue: " + f.name)
	}
	return nil
}

// latencies are one target's timings.
type latencies struct {
	name   string
	all    []time.Duration
	errors int
	first  error
}

// sample calls fn one call at a time for d (latency without queueing).
func sample(ctx context.Context, d time.Duration, fn func(context.Context, int) error) latencies {
	var l latencies
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
		t := time.Now()
		if err := fn(ctx, i); err != nil {
			l.errors++
			if l.first == nil {
				l.first = err
			}
			continue
		}
		l.all = append(l.all, time.Since(t))
	}
	slices.Sort(l.all)
	return l
}

func (l latencies) pct(p int) time.Duration {
	if len(l.all) == 0 {
		return 0
	}
	return l.all[min(len(l.all)-1, len(l.all)*p/100)]
}

func (l latencies) print(name string) {
	fmt.Printf("%-28s p50 %8s   p95 %8s   p99 %8s   (%d requests, %d errors)\n", name,
		l.pct(50).Round(10*time.Microsecond), l.pct(95).Round(10*time.Microsecond), l.pct(99).Round(10*time.Microsecond), len(l.all), l.errors)
	if l.first != nil {
		fmt.Printf("%-28s first error: %v\n", "", l.first)
	}
}

func (l latencies) ratio(baseline latencies) {
	if b := baseline.pct(50); b > 0 {
		fmt.Printf("%-28s %.1f× baseline p50\n", "", float64(l.pct(50))/float64(b))
	}
}

// deskClient is a browser-like client (cookies, redirects) that reaches
// every *.localhost host of base's port on base's address.
func deskClient(base string) (*http.Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: 4,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if h, _, err := net.SplitHostPort(addr); err == nil && (h == "localhost" || strings.HasSuffix(h, ".localhost")) {
				addr = u.Host
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}}, nil
}

func deskGet(ctx context.Context, client *http.Client, u string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", u, res.StatusCode)
	}
	return nil
}

// deskLogin logs in through the test provider as a person does: the
// provider's page, the identity picked, the redirects back.
func deskLogin(ctx context.Context, client *http.Client, comune, identity string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, comune+"/accedi/spid?next=/scrivania", nil)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	doc, err := html.Parse(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	var action string
	values := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			if n.Data == "form" && strings.EqualFold(attrs["method"], "post") && action == "" {
				action = attrs["action"]
			}
			if n.Data == "input" && attrs["type"] == "hidden" && attrs["name"] != "" {
				values.Set(attrs["name"], attrs["value"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if action == "" {
		return errors.New("no login form at the test provider")
	}
	target, err := res.Request.URL.Parse(action)
	if err != nil {
		return err
	}
	values.Set("identity", identity)
	res, err = client.PostForm(target.String(), values)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/scrivania" {
		return fmt.Errorf("landed on %s with %d", res.Request.URL, res.StatusCode)
	}
	return nil
}

// benchFiscalCode is the codice fiscale the generator gives applicant p.
func benchFiscalCode(p int) string { return fmt.Sprintf("BNC%013d", p) }

// generateApplications makes 100 comuni (Verdemare, Roccasole and copies
// of Verdemare) and gives them n applications in total, in SQL
// (INSERT … SELECT generate_series), then VACUUM ANALYZE.
func generateApplications(ctx context.Context, superURL string, n int) error {
	start := time.Now()
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	copies := deskComuni - 2
	for _, sql := range []string{
		`INSERT INTO tenants (slug, name, istat_code, ipa_code, fiscal_code, status, primary_color, logo, logo_type, contacts)
		 SELECT 'desk' || g, 'Comune Scrivania ' || g, to_char(700000 + g, 'FM000000'), 'c_desk' || g,
		        to_char(81000000000 + g, 'FM00000000000'), 'active', t.primary_color, t.logo, t.logo_type, t.contacts
		 FROM generate_series(1, $1::int) g, tenants t WHERE t.slug = 'verdemare'
		 ON CONFLICT DO NOTHING`,
		`INSERT INTO offices (tenant_id, slug, office)
		 SELECT b.id, x.slug, x.office FROM tenants b, offices x JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare'
		 WHERE b.slug LIKE 'desk%' ON CONFLICT DO NOTHING`,
		`INSERT INTO form_versions (tenant_id, service_slug, version, definition, digest, published_at)
		 SELECT b.id, x.service_slug, x.version, x.definition, x.digest, x.published_at
		 FROM tenants b, form_versions x JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare'
		 WHERE b.slug LIKE 'desk%' ON CONFLICT DO NOTHING`,
		`INSERT INTO services (tenant_id, slug, category, office_slug, topics, status, card, form_version)
		 SELECT b.id, x.slug, x.category, x.office_slug, '{}', x.status, x.card, x.form_version
		 FROM tenants b, services x JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare'
		 WHERE b.slug LIKE 'desk%' AND x.form_version IS NOT NULL ON CONFLICT DO NOTHING`,
		`INSERT INTO staff_members (tenant_id, fiscal_code, display_name, role)
		 SELECT b.id, x.fiscal_code, x.display_name, x.role FROM tenants b, staff_members x
		 JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare' WHERE b.slug LIKE 'desk%' ON CONFLICT DO NOTHING`,
		`INSERT INTO staff_offices (tenant_id, fiscal_code, office_slug)
		 SELECT b.id, x.fiscal_code, x.office_slug FROM tenants b, staff_offices x
		 JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare' WHERE b.slug LIKE 'desk%' ON CONFLICT DO NOTHING`,
		`INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
		 SELECT t.id, 'BNCDRF00A01H501X', 'Bozza', 'Prova', '' FROM tenants t
		 WHERE (t.slug LIKE 'desk%' OR t.slug IN ('verdemare', 'roccasole')) ON CONFLICT DO NOTHING`,
	} {
		args := []any{}
		if strings.Contains(sql, "$1") {
			args = append(args, copies)
		}
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("generate comuni: %w", err)
		}
	}
	rows, err := conn.Query(ctx, `SELECT id::text FROM tenants WHERE slug LIKE 'desk%' OR slug IN ('verdemare', 'roccasole')
		ORDER BY slug <> 'verdemare', slug <> 'roccasole', length(slug), slug`)
	if err != nil {
		return err
	}
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	// Verdemare a tenth; the others along 1/rank^0.8.
	sizes := make([]int, len(tenants))
	sizes[0] = n / 10
	var sum float64
	for i := 1; i < len(tenants); i++ {
		sum += 1 / math.Pow(float64(i), 0.8)
	}
	left := n - sizes[0]
	for i := 1; i < len(tenants); i++ {
		sizes[i] = int(float64(n-sizes[0]) / math.Pow(float64(i), 0.8) / sum)
		left -= sizes[i]
	}
	sizes[1] += left
	// Two at a time: the machine has two cores.
	var wg sync.WaitGroup
	errs := make(chan error, len(tenants))
	sem := make(chan struct{}, 2)
	for i, id := range tenants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := pgx.Connect(ctx, superURL)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(ctx)
			if _, err := c.Exec(ctx, generateSQL, id, sizes[i], rand.Int64N(1<<40)); err != nil {
				errs <- fmt.Errorf("generate applications: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE applications`); err != nil {
		return err
	}
	var total, verdemare int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE tenant_id = $1) FROM applications`, tenants[0]).
		Scan(&total, &verdemare); err != nil {
		return err
	}
	fmt.Printf("bench: %d applications in %d comuni (Verdemare %d), generated in %s\n", total, len(tenants), verdemare,
		time.Since(start).Round(time.Second))
	return nil
}

// generateSQL gives one comune ($1) $2 applications. Each row draws from
// hashes of its number: a service with a form (and so its office), a state
// (a fifth still open, most decided, some drafts), dates over two years
// (the open ones recent), an applicant among n/3 people, an assignee
// of the office once taken in charge. References are the row number in
// base 31, scrambled by $3: unique in the comune.
const generateSQL = `
WITH svc AS (
  SELECT row_number() OVER (ORDER BY slug) - 1 AS i, slug, form_version, office_slug
  FROM services WHERE tenant_id = $1 AND form_version IS NOT NULL
), k AS (SELECT count(*) AS n FROM svc),
person AS (SELECT id FROM people WHERE tenant_id = $1 AND fiscal_code = 'BNCDRF00A01H501X'),
g AS (
  SELECT g, abs(hashint8(g * 7 + $3::bigint)) AS h1, abs(hashint8(g * 13 + $3::bigint)) AS h2,
         abs(hashint8(g * 17 + $3::bigint)) % 1000 AS r
  FROM generate_series(1, $2::int) g
), x AS (
  SELECT g.*, s.slug, s.form_version, s.office_slug,
    CASE WHEN r < 50 THEN 'draft' WHEN r < 70 THEN 'submitted' WHEN r < 120 THEN 'registered'
         WHEN r < 220 THEN 'in_progress' WHEN r < 250 THEN 'awaiting_integration' WHEN r < 850 THEN 'accepted'
         WHEN r < 930 THEN 'rejected' WHEN r < 970 THEN 'withdrawn' ELSE 'cancelled' END AS status,
    (h2 / 1000) % (g.h1 % 3 + 1 + 0) AS unused,
    now() - ((CASE WHEN r < 250 THEN 90 ELSE 730 END) * ((h2 % 100000) / 100000.0)) * interval '1 day' AS at,
    (h1 / 7) % greatest($2::int / 3, 1) AS p
  FROM g JOIN svc s ON s.i = g.h1 % (SELECT n FROM k)
)
INSERT INTO applications (tenant_id, reference, service_slug, form_version, person_id, contact_email, status, office_slug,
  revision, created_at, updated_at, expires_at, submitted_at, protocol_number, protocol_at, taken_at, assignee, due_on,
  suspended_at, decided_at, applicant_name, applicant_fiscal_code)
SELECT $1, 'PR-' || (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ',
         1 + ((x.g * 7919 + $3::bigint % 1000000) % 852891037441 / (31::bigint ^ d)::bigint % 31)::int, 1), '' ORDER BY d)
         FROM generate_series(0, 7) d),
  x.slug, x.form_version, CASE WHEN x.status = 'draft' THEN (SELECT id FROM person) END, 'bench@example.it', x.status, x.office_slug,
  1 + x.h2 % 4, x.at, least(now(), x.at + (x.h1 % 20) * interval '1 day'),
  CASE WHEN x.status = 'draft' THEN now() + interval '30 days' END,
  CASE WHEN x.status <> 'draft' THEN x.at END,
  CASE WHEN x.status NOT IN ('draft', 'submitted') THEN extract(year FROM x.at)::int || '/' || lpad(x.g::text, 7, '0') END,
  CASE WHEN x.status NOT IN ('draft', 'submitted') THEN x.at + interval '1 hour' END,
  CASE WHEN x.status NOT IN ('draft', 'submitted', 'registered') THEN x.at + interval '2 days' END,
  CASE WHEN x.status IN ('draft', 'submitted', 'registered') OR x.h2 % 10 = 0 THEN NULL
       WHEN x.office_slug IN ('polizia-locale', 'scuola') THEN 'FNTLGU85C02A944Y'
       WHEN x.h2 % 3 = 0 THEN 'GLLMRC72D21H501W' ELSE 'CNTPLA80A12H501T' END,
  CASE WHEN x.status = 'draft' OR x.h1 % 20 = 0 THEN NULL ELSE (x.at + interval '30 days')::date END,
  CASE WHEN x.status = 'awaiting_integration' THEN x.at + interval '5 days' END,
  CASE WHEN x.status IN ('accepted', 'rejected', 'cancelled') THEN least(now(), x.at + interval '25 days') END,
  (ARRAY['Mario','Giulia','Luca','Francesca','Marco','Chiara','Andrea','Sara','Giuseppe','Anna','Paolo','Elena','Nicolò',
         'Martina','Davide','Valentina','Matteo','Federica','Simone','Alessia'])[1 + x.p % 20] || ' ' ||
  (ARRAY['Rossi','Russo','Ferrari','Esposito','Bianchi','Romano','Colombo','Ricci','Marino','Greco','Bruno','Gallo','Conti',
         'De Luca','Mancini','Costa','Giordano','Rizzo','Lombardi','Moretti','Barbieri','Fontana','Santoro','Mariani',
         'Rinaldi','Caruso','Ferrara','Galli','Martini','Leone'])[1 + (x.p / 20) % 30],
  CASE WHEN x.status = 'draft' THEN '' ELSE 'BNC' || lpad(x.p::text, 13, '0') END
FROM x`
