package notify_test

import (
	"context"
	"log/slog"
	"mime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/storage"
)

// The whole path: a citizen submits an application; River runs the jobs
// that follow (registration, receipt, notification, delivery) and the
// comune's SMTP server receives the acknowledgement and the protocol
// number, each once; the application's page lists them.
func TestApplicationSubmit_EndsAsMailsAtTheSMTPServer(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	ctx := context.Background()
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	inserter := &jobs.Deferred{}
	svc := applications.New(f.pool, inserter, files, nil, nil, applications.Config{})
	portal := func(slug string) string { return "https://" + slug + ".example.it" }
	workers := river.NewWorkers()
	river.AddWorker(workers, &applications.RegisterWorker{Service: svc})
	river.AddWorker(workers, &applications.ReceiptWorker{Service: svc, Catalog: f.catalog, Files: files})
	river.AddWorker(workers, &applications.NotifyWorker{Pool: f.pool, Catalog: f.catalog, PortalURL: portal})
	river.AddWorker(workers, &notify.DeliveryWorker{Deliverer: notify.NewDeliverer(f.pool, f.catalog, notify.DelivererConfig{
		Senders: map[notify.Channel]notify.Sender{notify.ChannelEmail: mailer(f.smtp.Addr)}, PortalURL: portal})})
	client, err := jobs.New(f.pool, workers, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	inserter.Client = client
	runCtx, stop := context.WithCancel(ctx)
	if err := client.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(sctx)
	})

	d, err := svc.StartDraft(ctx, f.tenant, f.mario, "segnalazione-disservizio", "it")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []forms.Values{
		{"category": {"roads"}, "subject": {"Buca in via Roma"}, "description": {"Una buca profonda davanti al civico 12, pericolosa."}},
		{"place": {"Via Roma 12"}},
		{"wants_reply": {"no"}},
	} {
		if r, err := svc.SaveStep(ctx, f.tenant, f.mario, d.Reference, i, v); err != nil || len(r.Errors) > 0 {
			t.Fatalf("step %d: %v %v", i, err, r.Errors)
		}
	}
	if r, err := svc.Submit(ctx, f.tenant, f.mario, d.Reference, []string{"privacy"}); err != nil || r.Status != applications.Submitted {
		t.Fatalf("submit: %v %+v", err, r)
	}

	deadline := time.Now().Add(30 * time.Second)
	for len(f.smtp.Mails(marioEmail)) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // anything sent twice would arrive now
	mails := f.smtp.Mails(marioEmail)
	if len(mails) != 2 {
		t.Fatalf("%d mails at the SMTP server, want 2 (submitted, registered)", len(mails))
	}
	var subjects []string
	for _, m := range mails {
		p := parseMail(t, m.Data)
		subject, _ := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
		subjects = append(subjects, subject)
		if !strings.Contains(p.Text, "https://verdemare.example.it/area-personale/pratiche/"+d.Reference) ||
			!strings.Contains(p.HTML, `lang="it"`) || p.Header.Get("List-Unsubscribe") != "" {
			t.Errorf("mail %q:\n%s", subject, p.Text)
		}
	}
	// Two jobs send them side by side: SMTP promises no order between
	// messages, so neither does this test.
	slices.Sort(subjects)
	want := []string{"Domanda " + d.Reference + " inviata", "Domanda " + d.Reference + " protocollata"}
	if strings.Join(subjects, "|") != strings.Join(want, "|") {
		t.Errorf("subjects %q, want %q", subjects, want)
	}

	detail, err := svc.ForPerson(ctx, f.tenant, f.mario, d.Reference)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, n := range detail.Notifications {
		listed = append(listed, n.Channel+":"+n.Status)
	}
	if strings.Join(listed, " ") != "inbox:delivered email:sent inbox:delivered email:sent" {
		t.Errorf("the application's page lists %v", listed)
	}
}
