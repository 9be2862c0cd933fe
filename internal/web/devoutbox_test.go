package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/notify"
)

func TestDevOutbox_ShowsTheComunesUnsentMailOnly(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t) // no SMTP server: development
	c := browsertest.LocalClient(t)
	var verdemare string
	if err := s.Pool.QueryRow(context.Background(), `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&verdemare); err != nil {
		t.Fatal(err)
	}
	inComune(t, s, "verdemare", func(tx pgx.Tx) error {
		return notify.QueueEmail(context.Background(), tx, s.App.Jobs, verdemare, "", "", "devoutbox:1",
			notify.Email{To: "giulia@example.it", Subject: "Prova della posta in uscita", Body: "Riga uno <b>\nRiga due"})
	})
	deadline := time.Now().Add(15 * time.Second)
	for count(t, s, "verdemare", `SELECT count(*) FROM deliveries WHERE message_key = 'devoutbox:1' AND status = 'outbox'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the email job did not keep the mail in the outbox")
		}
		time.Sleep(100 * time.Millisecond)
	}
	p := browsertest.Get(t, c, s.ComuneURL("verdemare")+"/sviluppo/posta")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	for _, want := range []string{`<h1>Posta in uscita (sviluppo)</h1>`, "Prova della posta in uscita",
		`data-testid="devoutbox-to">giulia@example.it<`, "Riga uno &lt;b&gt;\nRiga due"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	other := browsertest.Get(t, c, s.ComuneURL("roccasole")+"/sviluppo/posta")
	if other.Status != http.StatusOK || strings.Contains(other.Body, "giulia@example.it") || !strings.Contains(other.Body, `data-testid="devoutbox-empty"`) {
		t.Errorf("another comune's outbox: %d, shows Verdemare's mail or is not empty", other.Status)
	}
}
