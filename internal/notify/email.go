package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
)

// Email is one message to one address.
type Email struct {
	To      string
	Subject string
	Body    string // plain text
}

// Mailer sends email. SMTPMailer is the real one; with none configured,
// development keeps mail in the outbox (EmailWorker with a nil Mailer).
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// QueueEmail records an email in tx (a tenant transaction) and enqueues
// its sending in the same transaction. dedupKey makes it idempotent: the
// same key queues nothing twice. personID and applicationID may be "".
func QueueEmail(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, tenantID, personID, applicationID, dedupKey string, e Email) error {
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO email_messages (tenant_id, dedup_key, person_id, application_id, to_address, subject, body)
		VALUES ($1, $2, nullif($3, '')::uuid, nullif($4, '')::uuid, $5, $6, $7)
		ON CONFLICT (tenant_id, dedup_key) DO NOTHING RETURNING id::text`,
		tenantID, dedupKey, personID, applicationID, e.To, e.Subject, e.Body).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // queued before
	}
	if err != nil {
		return fmt.Errorf("queue email: %w", err)
	}
	if _, err := inserter.InsertTx(ctx, tx, EmailArgs{TenantID: tenantID, EmailID: id}, nil); err != nil {
		return fmt.Errorf("queue email: %w", err)
	}
	return nil
}

// EmailArgs asks for one recorded email to be sent.
type EmailArgs struct {
	TenantID string `json:"tenant_id"`
	EmailID  string `json:"email_id"`
}

// Kind names the job in River.
func (EmailArgs) Kind() string { return "email_send" }

// InsertOpts: River retries a failed send with its exponential backoff;
// 12 attempts reach about a day.
func (EmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

// EmailWorker sends a recorded email once: a row already sent (or kept in
// the outbox) is not sent again, so a retried job sends nothing twice. A
// failed attempt is counted on the row with its error, and the last one
// marks it failed.
type EmailWorker struct {
	river.WorkerDefaults[EmailArgs]
	Pool   *pgxpool.Pool
	Mailer Mailer // nil: keep in the development outbox
}

// Work sends the email outside any transaction, then records the outcome.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	a := job.Args
	var e Email
	var status string
	err := db.InTenant(ctx, w.Pool, a.TenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT to_address, subject, body, status FROM email_messages WHERE tenant_id = $1 AND id = $2`,
			a.TenantID, a.EmailID).Scan(&e.To, &e.Subject, &e.Body, &status)
	})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("email %s: gone", a.EmailID))
	}
	if err != nil {
		return fmt.Errorf("email %s: %w", a.EmailID, err)
	}
	if status != "queued" {
		return nil
	}
	newStatus, lastError := "outbox", ""
	var sendErr error
	if w.Mailer != nil {
		newStatus = "sent"
		if sendErr = w.Mailer.Send(ctx, e); sendErr != nil {
			newStatus, lastError = "queued", sendErr.Error()
			if job.Attempt >= job.MaxAttempts {
				newStatus = "failed"
			}
		}
	}
	err = db.InTenant(ctx, w.Pool, a.TenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE email_messages SET status = $3, attempts = attempts + 1, last_error = $4,
				sent_at = CASE WHEN $3 IN ('sent', 'outbox') THEN now() END
			WHERE tenant_id = $1 AND id = $2`, a.TenantID, a.EmailID, newStatus, lastError)
		return err
	})
	if err != nil {
		return fmt.Errorf("email %s: record outcome: %w", a.EmailID, err)
	}
	return sendErr
}

// SMTPMailer sends through an SMTP server (STARTTLS when offered, or TLS
// from the start on port 465; PLAIN auth when a user name is set).
type SMTPMailer struct {
	Addr     string // host:port
	Username string
	Password string
	From     string // "Rete civica <noreply@example.it>"
	Timeout  time.Duration
}

// Send delivers e.
func (m SMTPMailer) Send(ctx context.Context, e Email) error {
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	host, port, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	dialer := &net.Dialer{Timeout: timeout}
	var conn net.Conn
	if port == "465" {
		conn, err = tls.DialWithDialer(dialer, "tcp", m.Addr, &tls.Config{ServerName: host})
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", m.Addr)
	}
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && port != "465" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	from := m.From
	if addr, err := mailAddress(from); err == nil {
		from = addr
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp from: %w", err)
	}
	if err := c.Rcpt(e.To); err != nil {
		return fmt.Errorf("smtp to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(compose(m.From, e, time.Now())); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	return c.Quit()
}

func mailAddress(s string) (string, error) {
	if i, j := strings.LastIndex(s, "<"), strings.LastIndex(s, ">"); i >= 0 && j > i {
		return s[i+1 : j], nil
	}
	if strings.Contains(s, "@") {
		return s, nil
	}
	return "", errors.New("no address")
}

// compose writes a plain-text UTF-8 message with CRLF line ends.
func compose(from string, e Email, now time.Time) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from)
	header("To", e.To)
	header("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "8bit")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(e.Body, "\r\n", "\n"), "\n", "\r\n")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\r\n") {
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}
