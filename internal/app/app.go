// Package app assembles Civica from its parts: the job client and its
// workers, sessions, tenants, login, the web server and, in development, the
// test identity provider. It is the composition root: cmd/civica reads the
// configuration and hands plain values here, and the end-to-end test
// harnesses (internal/browsertest) build the very same server through it.
// Nothing else wires dependencies.
package app

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/auth/oidcrp"
	"github.com/civica/civica/internal/auth/testidp"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/desk"
	"github.com/civica/civica/internal/feedback"
	"github.com/civica/civica/internal/insight"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/reports"
	"github.com/civica/civica/internal/storage"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/internal/web"
	"github.com/civica/civica/static"
)

// Config is what the application needs, already validated.
type Config struct {
	PlatformURL    *url.URL
	SecureCookies  bool
	TestProvider   bool   // serve the test identity provider under /idp
	OIDCIssuer     string // the identity provider logins go through
	RPKey          *rsa.PrivateKey
	PlatformAdmins []string
	Logger         *slog.Logger
	// FilesDir is where the files people send are kept; "" is
	// <os.TempDir()>/civica-files, for development and tests. S3, when
	// set, keeps them in an S3-compatible object store instead.
	FilesDir string
	S3       *storage.S3Config
	// Uploads bound the files of one application; zero is 10 MB a file,
	// 30 MB an application.
	Uploads attachments.Limits
	// Scanner checks uploads for malware; nil scans nothing.
	Scanner attachments.Scanner
	// Mailer sends email; nil keeps it in the development outbox.
	Mailer notify.Sender
	// SMS and IO send text messages and App IO messages (notify.SMSClient,
	// notify.IOSender); nil has no such channel. Without a Mailer
	// (development) every channel without a sender keeps its messages in
	// the outbox page; otherwise a message on such a channel goes to the
	// person's next channel.
	SMS notify.Sender
	IO  notify.Sender
	// RateLimits per channel for the delivery jobs of this process; nil
	// is notify.DefaultRateLimit.
	RateLimits map[notify.Channel]notify.RateLimit
	// JobRescueAfter is how long a job may run before it is taken for
	// lost and run again (a worker killed mid-job); zero is 5 minutes.
	JobRescueAfter time.Duration
}

// App is an assembled Civica: an http.Handler plus its job client.
type App struct {
	Server       *web.Server
	Jobs         *jobs.Client
	Pool         *pgxpool.Pool
	Files        storage.Store // the files people sent
	Applications *applications.Service
	// Tenants resolves hosts to comuni; Invalidate it after changing a
	// comune behind the server's back (tests do).
	Tenants *tenant.Registry
	logger  *slog.Logger
}

// Domain is what both the web server and the job workers work with.
type Domain struct {
	Files        storage.Store
	Applications *applications.Service
	Booking      *booking.Service
	Inserter     *jobs.Deferred // set to the client once it exists
}

// NewDomain builds the domain services on pool.
func NewDomain(ctx context.Context, cfg Config, pool *pgxpool.Pool) (*Domain, error) {
	d := &Domain{Inserter: &jobs.Deferred{}}
	if cfg.S3 != nil {
		s3, err := storage.NewS3(ctx, *cfg.S3)
		if err != nil {
			return nil, err
		}
		d.Files = s3
	} else {
		filesDir := cfg.FilesDir
		if filesDir == "" {
			filesDir = filepath.Join(os.TempDir(), "civica-files")
		}
		dir, err := storage.NewDir(filesDir)
		if err != nil {
			return nil, err
		}
		d.Files = dir
	}
	d.Applications = applications.New(pool, d.Inserter, d.Files, cfg.Scanner, nil, applications.Config{Limits: cfg.Uploads})
	// The platform's own key, kept in the database: the links the web
	// server and the job workers sign (a reminder's manage link) agree,
	// across processes and restarts.
	secret, err := db.PlatformSecret(ctx, pool, "booking")
	if err != nil {
		return nil, err
	}
	d.Booking = booking.New(pool, d.Inserter, booking.Config{
		Secret:    secret,
		PortalURL: func(slug string) string { return ComuneURL(cfg.PlatformURL, slug) },
	})
	return d, nil
}

// Catalog loads the message catalogues.
func Catalog() (*locale.Catalog, error) {
	return locale.Load(i18n.FS, "it", "en")
}

// Workers registers every job worker. Adding a job means adding it here.
func Workers(cfg Config, pool *pgxpool.Pool, catalog *locale.Catalog, d *Domain) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &notify.WelcomeWorker{Pool: pool, Catalog: catalog})
	river.AddWorker(w, &auth.SessionCleanupWorker{Pool: pool})
	river.AddWorker(w, &notify.DeliveryWorker{Deliverer: NewDeliverer(cfg, pool, catalog)})
	campaigns := notify.NewCampaigns(pool, d.Inserter, notify.CampaignConfig{PortalURL: func(slug string) string { return ComuneURL(cfg.PlatformURL, slug) }})
	river.AddWorker(w, &notify.CampaignStartWorker{Campaigns: campaigns})
	river.AddWorker(w, &notify.CampaignBatchWorker{Campaigns: campaigns})
	river.AddWorker(w, &notify.IOCheckWorker{Pool: pool, IO: cfg.IO, Logger: cfg.Logger})
	river.AddWorker(w, &applications.RegisterWorker{Service: d.Applications})
	river.AddWorker(w, &applications.ReceiptWorker{Service: d.Applications, Catalog: catalog, Files: d.Files})
	river.AddWorker(w, &applications.OutcomeWorker{Service: d.Applications, Catalog: catalog})
	river.AddWorker(w, &applications.NotifyWorker{Pool: pool, Catalog: catalog, PortalURL: func(slug string) string {
		return ComuneURL(cfg.PlatformURL, slug)
	}})
	workflow := &applications.Workflow{Service: d.Applications, Catalog: catalog, PortalURL: func(slug string) string {
		return ComuneURL(cfg.PlatformURL, slug)
	}}
	river.AddWorker(w, &applications.WorkflowSweepWorker{Workflow: workflow})
	river.AddWorker(w, &applications.DeadlineWarningsWorker{Workflow: workflow})
	river.AddWorker(w, &applications.IntegrationExpiryWorker{Workflow: workflow})
	river.AddWorker(w, &applications.DraftPurgeWorker{Workflow: workflow})
	river.AddWorker(w, &applications.RegisterWatchWorker{Workflow: workflow})
	booking.AddWorkers(w, d.Booking)
	return w
}

// NewDeliverer builds what sends notifications on their channels.
func NewDeliverer(cfg Config, pool *pgxpool.Pool, catalog *locale.Catalog) *notify.Deliverer {
	senders := map[notify.Channel]notify.Sender{}
	for c, s := range map[notify.Channel]notify.Sender{notify.ChannelEmail: cfg.Mailer, notify.ChannelSMS: cfg.SMS, notify.ChannelIO: cfg.IO} {
		if s != nil {
			senders[c] = s
		}
	}
	return notify.NewDeliverer(pool, catalog, notify.DelivererConfig{
		Senders: senders, Outbox: cfg.Mailer == nil, RateLimits: cfg.RateLimits, Logger: cfg.Logger,
		// a job runs at most 4/5 of the rescue time (jobs.RescueAfter):
		// a message still 'sending' after that was interrupted
		SendingLease: cfg.JobRescueAfter,
		PortalURL:    func(slug string) string { return ComuneURL(cfg.PlatformURL, slug) },
	})
}

// ComuneURL is the address of a comune's portal on the platform's domain:
// http://verdemare.localhost:8080 for the platform http://localhost:8080.
func ComuneURL(platform *url.URL, slug string) string {
	u := *platform
	u.Host = slug + "." + platform.Host
	return u.String()
}

// NewJobs builds the job client with every worker, and points the
// domain's inserter at it.
func NewJobs(cfg Config, pool *pgxpool.Pool, catalog *locale.Catalog, d *Domain) (*jobs.Client, error) {
	rescue := cfg.JobRescueAfter
	if rescue == 0 {
		rescue = 5 * time.Minute
	}
	client, err := jobs.New(pool, Workers(cfg, pool, catalog, d), PeriodicJobs(), cfg.Logger, jobs.RescueAfter(rescue))
	if err != nil {
		return nil, err
	}
	d.Inserter.Client = client
	return client, nil
}

// PeriodicJobs are the jobs River runs on a schedule.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return auth.SessionCleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
		// Deadline warnings, integration expiry, draft purge, failing
		// registrations: each comune's jobs, enqueued every hour.
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return applications.WorkflowSweepArgs{}, nil }, nil),
	}
}

// New assembles the application on pool, which the caller owns.
func New(cfg Config, pool *pgxpool.Pool) (*App, error) {
	messages, err := Catalog()
	if err != nil {
		return nil, err
	}
	domain, err := NewDomain(context.Background(), cfg, pool)
	if err != nil {
		return nil, err
	}
	jobClient, err := NewJobs(cfg, pool, messages, domain)
	if err != nil {
		return nil, err
	}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	a := &App{Jobs: jobClient, Pool: pool, Files: domain.Files, Applications: domain.Applications, logger: cfg.Logger}
	sessions := scs.New()
	sessions.Store = pgxstore.NewWithCleanupInterval(pool, 0) // expired sessions: auth.SessionCleanupWorker
	sessions.Lifetime = 12 * time.Hour
	sessions.IdleTimeout = 2 * time.Hour
	sessions.Cookie.Name = "civica_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Secure = cfg.SecureCookies

	tenantStore := tenant.NewStore(pool)
	a.Tenants = tenant.NewRegistry(tenantStore, cfg.PlatformURL.Hostname(), 30*time.Second)
	deps := web.Deps{
		Pool:         pool,
		Tenants:      a.Tenants,
		Store:        tenantStore,
		Messages:     messages,
		Sessions:     sessions,
		Auth:         auth.NewService(pool, jobClient, cfg.PlatformAdmins),
		Inbox:        notify.NewInbox(pool),
		Catalogue:    catalog.NewStore(pool),
		Feedback:     feedback.NewStore(pool),
		Reports:      reports.NewStore(pool, a.Files),
		Applications: domain.Applications,
		Desk:         desk.New(pool),
		Insight:      insight.New(pool, jobClient),
		Contacts:     notify.NewContacts(pool, notify.QueuedVerifications{Inserter: jobClient, SMS: notify.QueuedSMS{Inserter: jobClient}}, messages),
		Campaigns:    notify.NewCampaigns(pool, jobClient, notify.CampaignConfig{}),
		Booking:      domain.Booking,
		DevOutbox:    cfg.Mailer == nil,
		Jobs:         jobClient,
		OIDC:         oidcrp.NewProvider(cfg.OIDCIssuer, &http.Client{Timeout: 10 * time.Second}),
		RPKey:        cfg.RPKey,
		Logger:       cfg.Logger,
		Metrics:      metrics,
	}
	webCfg := web.Config{PlatformURL: cfg.PlatformURL, SecureCookies: cfg.SecureCookies, Static: static.FS}

	// The test provider and the server need each other: the provider asks
	// the server for its registered clients and to render its page.
	if cfg.TestProvider {
		idp, err := testidp.New(testidp.Config{
			Issuer: cfg.OIDCIssuer,
			LookupClient: func(ctx context.Context, id string) (testidp.Client, error) {
				return a.Server.RegisteredClient(ctx, id)
			},
			RenderLogin: func(w http.ResponseWriter, r *http.Request, p testidp.LoginPage) {
				a.Server.RenderTestProviderLogin(w, r, p)
			},
		})
		if err != nil {
			return nil, err
		}
		webCfg.TestProvider = idp
	}
	if a.Server, err = web.New(webCfg, deps); err != nil {
		return nil, err
	}
	sessions.ErrorFunc = a.Server.SessionError
	return a, nil
}

// Serve runs the web server on ln and the job worker until ctx ends, then
// drains both within 15 seconds.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("start job worker: %w", err)
	}
	httpServer := &http.Server{
		Handler:           a.Server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		a.logger.Warn("http shutdown", "error", err)
	}
	if err := a.Jobs.Stop(shutdownCtx); err != nil && !errors.Is(err, context.Canceled) {
		a.logger.Warn("job worker shutdown", "error", err)
	}
	return serveErr
}
