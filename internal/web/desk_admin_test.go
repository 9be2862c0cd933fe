package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/browsertest"
)

// failedJob enqueues a registration job of the comune for later and marks
// it failed for good, as River leaves a job that used up its attempts.
func failedJob(t *testing.T, s *browsertest.Server, tenantID, applicationID string) int64 {
	t.Helper()
	ctx := context.Background()
	res, err := s.App.Jobs.Insert(ctx, applications.RegisterArgs{TenantID: tenantID, ApplicationID: applicationID},
		&river.InsertOpts{ScheduledAt: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool.Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now(), attempt = 15,
			errors = ARRAY[jsonb_build_object('at', now(), 'attempt', 15, 'error', 'protocol register unreachable')]
		WHERE id = $1`, res.Job.ID); err != nil {
		t.Fatal(err)
	}
	return res.Job.ID
}

func jobState(t *testing.T, s *browsertest.Server, id int64) string {
	t.Helper()
	var state string
	if err := s.Pool.QueryRow(context.Background(), `SELECT state::text FROM river_job WHERE id = $1`, id).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}

func TestDeskAdmin_PagesAndWhoMaySeeThem(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	s := w.s
	accepted := w.in(t, withdrawableService, applications.Accepted) // by Paolo, anagrafe
	d := w.await(t, w.mario, accepted, func(applications.Detail) bool { return true })
	roccasole := s.ComuneURL("roccasole")
	roccasoleID := tenantID(t, s, "roccasole")

	login := func(base, identity string) *http.Client {
		c := s.Client(t)
		browsertest.LoginHTTP(t, c, base, identity, "/scrivania")
		return c
	}
	sara := login(w.base, browsertest.SaraGreco)
	marco := login(w.base, "marco-gallo")
	paolo := login(w.base, browsertest.PaoloConti)
	giorgio := login(roccasole, "giorgio-marino")

	t.Run("roles", func(t *testing.T) {
		for _, tc := range []struct {
			who    string
			c      *http.Client
			path   string
			status int
		}{
			{"admin", sara, "/amministrazione/lavori", http.StatusOK},
			{"admin", sara, "/amministrazione/registro-accessi", http.StatusOK},
			{"admin", sara, "/scrivania/cruscotto", http.StatusOK},
			{"office manager", marco, "/scrivania/cruscotto", http.StatusOK},
			{"office manager", marco, "/amministrazione/lavori", http.StatusForbidden},
			{"office manager", marco, "/amministrazione/registro-accessi", http.StatusForbidden},
			{"clerk", paolo, "/scrivania/cruscotto", http.StatusForbidden},
			{"clerk", paolo, "/amministrazione/lavori", http.StatusForbidden},
			{"clerk", paolo, "/amministrazione/registro-accessi", http.StatusForbidden},
			{"citizen", w.c, "/scrivania/cruscotto", http.StatusForbidden},
			{"citizen", w.c, "/amministrazione/registro-accessi", http.StatusForbidden},
			{"another comune's admin", giorgio, "/scrivania/cruscotto", http.StatusOK},
		} {
			base := w.base
			if tc.c == giorgio {
				base = roccasole
			}
			if p := browsertest.Get(t, tc.c, base+tc.path); p.Status != tc.status {
				t.Errorf("%s GET %s: %d, want %d", tc.who, tc.path, p.Status, tc.status)
			}
		}
	})

	t.Run("jobs", func(t *testing.T) {
		mine := failedJob(t, s, w.tenant, d.ID)
		theirs := failedJob(t, s, roccasoleID, d.ID)
		p := browsertest.Get(t, sara, w.base+"/amministrazione/lavori?stato=falliti")
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `data-job-id="`+strconv.FormatInt(mine, 10)+`"`) ||
			!strings.Contains(p.Body, "protocol register unreachable") || !strings.Contains(p.Body, accepted) {
			t.Fatalf("the failed job %d is not listed with its error and application (%d):\n%s", mine, p.Status, p.Body)
		}
		if strings.Contains(p.Body, `data-job-id="`+strconv.FormatInt(theirs, 10)+`"`) {
			t.Error("Verdemare's admin sees Roccasole's job")
		}
		if q := browsertest.Get(t, giorgio, roccasole+"/amministrazione/lavori?stato=falliti"); strings.Contains(q.Body, `data-job-id="`+strconv.FormatInt(mine, 10)+`"`) {
			t.Error("Roccasole's admin sees Verdemare's job")
		}
		tok := p.FirstPostForm(t).Values.Get("_csrf")
		other := browsertest.PostForm(t, sara, w.base+"/amministrazione/lavori/"+strconv.FormatInt(theirs, 10)+"/riprova", url.Values{"_csrf": {tok}})
		if other.Status != http.StatusNotFound || jobState(t, s, theirs) != "discarded" {
			t.Errorf("retrying another comune's job: %d, now %s; want 404, still discarded", other.Status, jobState(t, s, theirs))
		}
		done := browsertest.PostForm(t, sara, w.base+"/amministrazione/lavori/"+strconv.FormatInt(mine, 10)+"/riprova", url.Values{"_csrf": {tok}})
		if done.Status != http.StatusOK || done.URL.Query().Get("stato") != "in-coda" || !strings.Contains(done.Body, `data-testid="jobs-notice"`) {
			t.Errorf("after retrying: %d at %s", done.Status, done.URL)
		}
		if st := jobState(t, s, mine); st == "discarded" {
			t.Error("the retried job is still discarded")
		}
		again := browsertest.PostForm(t, marco, w.base+"/amministrazione/lavori/"+strconv.FormatInt(mine, 10)+"/riprova", url.Values{"_csrf": {csrfOf(t, marco, w.base)}})
		if again.Status != http.StatusForbidden {
			t.Errorf("an office manager retried a job: %d", again.Status)
		}
		lines := browsertest.Get(t, sara, w.base+"/amministrazione/registro-accessi?azione=job_retry")
		if n := strings.Count(lines.Body, `data-testid="audit-line"`); n != 1 {
			t.Errorf("%d audit lines of retried jobs, want 1", n)
		}
	})

	t.Run("audit", func(t *testing.T) {
		p := browsertest.Get(t, sara, w.base+"/amministrazione/registro-accessi?pratica="+accepted)
		if n := strings.Count(p.Body, `data-testid="audit-line" data-reference="`+accepted+`"`); p.Status != http.StatusOK || n < 2 {
			t.Fatalf("%d audit lines about %s (status %d), want the take in charge and the decision", n, accepted, p.Status)
		}
		if !strings.Contains(p.Body, "Paolo Conti") {
			t.Error("the audit lines do not say who")
		}
		byName := browsertest.Get(t, sara, w.base+"/amministrazione/registro-accessi?chi=conti&azione=accepted")
		if n := strings.Count(byName.Body, `data-testid="audit-line"`); n != 1 {
			t.Errorf("%d acceptances by Conti, want 1", n)
		}
		future := browsertest.Get(t, sara, w.base+"/amministrazione/registro-accessi?dal=2099-01-01")
		if strings.Contains(future.Body, `data-testid="audit-line"`) {
			t.Error("lines found after 2099")
		}
		bad := browsertest.Get(t, sara, w.base+"/amministrazione/registro-accessi?dal=ieri&chi=Conti")
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `href="#audit-from"`) || !strings.Contains(bad.Body, `value="Conti"`) {
			t.Errorf("a date that is not one: %d, want 422 with the summary and the form kept", bad.Status)
		}
		theirs := browsertest.Get(t, giorgio, roccasole+"/amministrazione/registro-accessi")
		if theirs.Status != http.StatusOK || strings.Contains(theirs.Body, accepted) || strings.Contains(theirs.Body, "CNTPLA80A12H501T") {
			t.Errorf("Roccasole's admin sees Verdemare's audit log (%d)", theirs.Status)
		}
		theirs = browsertest.Get(t, giorgio, roccasole+"/amministrazione/registro-accessi?pratica="+accepted)
		if strings.Contains(theirs.Body, `data-testid="audit-line"`) {
			t.Error("Roccasole's admin finds Verdemare's application in the audit log")
		}
	})

	t.Run("dashboard", func(t *testing.T) {
		for _, c := range []*http.Client{sara, marco} {
			p := browsertest.Get(t, c, w.base+"/scrivania/cruscotto")
			if !strings.Contains(p.Body, `role="img"`) || !strings.Contains(p.Body, `<title id="chart-on-time-title">`) ||
				!regexp.MustCompile(`data-testid="dashboard-on-time">100%<`).MatchString(p.Body) {
				t.Errorf("the dashboard lacks its chart or the on-time share of the accepted application:\n%s", p.Body)
			}
		}
		if p := browsertest.Get(t, giorgio, roccasole+"/scrivania/cruscotto"); strings.Contains(p.Body, `data-testid="dashboard-service"`) {
			t.Error("Roccasole's dashboard counts Verdemare's applications")
		}
	})

	t.Run("transparency", func(t *testing.T) {
		anon := s.Client(t)
		p := browsertest.Get(t, anon, w.base+"/tempi-procedimento")
		if p.Status != http.StatusOK || !regexp.MustCompile(`data-testid="transparency-decided">1<`).MatchString(p.Body) {
			t.Errorf("the public page (%d) does not count the decided application:\n%s", p.Status, p.Body)
		}
		if home := browsertest.Get(t, anon, w.base+"/"); !strings.Contains(home.Body, `href="/tempi-procedimento"`) {
			t.Error("the footer does not link the processing times")
		}
		res, err := anon.Get(w.base + "/tempi-procedimento.json")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Services []struct {
				Slug    string   `json:"slug"`
				Decided int      `json:"decided"`
				Average *float64 `json:"average_days"`
			} `json:"services"`
		}
		err = json.NewDecoder(res.Body).Decode(&doc)
		res.Body.Close()
		found := false
		for _, svc := range doc.Services {
			if svc.Slug == withdrawableService {
				found = svc.Decided == 1 && svc.Average != nil && *svc.Average >= 0
			}
		}
		if err != nil || !found {
			t.Errorf("JSON (%v): %+v; want %s decided once with an average", err, doc.Services, withdrawableService)
		}
		res, err = anon.Get(w.base + "/tempi-procedimento.csv")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(res.Body).ReadAll()
		res.Body.Close()
		if err != nil || len(rows) < 2 || rows[0][0] != "slug" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %v %v", err, rows)
		}
		csvFound := false
		for _, r := range rows[1:] {
			csvFound = csvFound || (r[0] == withdrawableService && r[3] == "1")
		}
		if !csvFound {
			t.Errorf("the CSV does not count %s: %v", withdrawableService, rows)
		}
		if theirs := browsertest.Get(t, anon, roccasole+"/tempi-procedimento"); regexp.MustCompile(`data-testid="transparency-decided">1<`).MatchString(theirs.Body) {
			t.Error("Roccasole's page counts Verdemare's decision")
		}
	})
}
