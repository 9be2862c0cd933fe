package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/civica/civica/internal/app"
	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/codicefiscale"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/storage"
)

// config is every setting Civica reads, from CIVICA_* environment variables
// (secrets also from CIVICA_*_FILE). Without any, it runs in development mode
// on localhost:8080 with a private PostgreSQL, the demo comuni and the test
// identity provider.
type config struct {
	Env            string        // development | production
	DatabaseURL    string        // CIVICA_DATABASE_URL; empty in development: a private cluster
	Listen         string        // CIVICA_LISTEN, default 127.0.0.1:8080
	PlatformURL    *url.URL      // CIVICA_PLATFORM_URL, default http://localhost:8080
	TestProvider   bool          // CIVICA_TEST_PROVIDER, default on in development only
	OIDCIssuer     string        // CIVICA_OIDC_ISSUER, default <platform>/idp with the test provider
	RPKeyFile      string        // CIVICA_RP_KEY_FILE: PEM RSA key the relying parties sign with
	PlatformAdmins []string      // CIVICA_PLATFORM_ADMINS: fiscal codes, comma separated
	SecureCookies  bool          // CIVICA_SECURE_COOKIES, default true when the platform URL is https
	SupportEmail   string        // CIVICA_SUPPORT_EMAIL, shown on the platform's own pages
	LogFormat      string        // CIVICA_LOG_FORMAT: text | json; default text in development
	DatabaseWait   time.Duration // CIVICA_DATABASE_WAIT: how long start-up waits for the database, default 10s
	FilesDir       string        // CIVICA_FILES_DIR: where uploaded files are kept; default .data/files in development
	// CIVICA_S3_ENDPOINT, _BUCKET, _REGION, _ACCESS_KEY, _SECRET_KEY(_FILE),
	// _PREFIX, _INSECURE: an S3-compatible object store for files instead
	// of FilesDir, when the endpoint is set.
	S3 *storage.S3Config
	// CIVICA_UPLOAD_MAX_FILE_MB (10) and CIVICA_UPLOAD_MAX_TOTAL_MB (30):
	// limits on an application's files.
	Uploads attachments.Limits
	// CIVICA_CLAMD_ADDRESS: a ClamAV daemon ("127.0.0.1:3310" or a unix
	// socket path) that scans every upload; none by default.
	ClamdAddress string
	// CIVICA_SMTP_ADDR (host:port), _USERNAME, _PASSWORD(_FILE) and
	// CIVICA_MAIL_FROM: the SMTP server email goes through; without it,
	// development keeps email in an outbox page.
	SMTP notify.SMTPMailer
	// CIVICA_SMS_URL and CIVICA_SMS_TOKEN(_FILE): the SMS provider (the
	// JSON API of notify.SMSClient), platform-wide; without it there is no
	// SMS channel (kept in the outbox in development).
	SMS *notify.SMSClient
	// CIVICA_IO_URL (default https://api.io.pagopa.it/api/v1),
	// CIVICA_IO_KEY(_FILE): the subscription key of a platform-wide IO
	// service, and CIVICA_IO_KEYS(_FILE): "slug=key,…", each comune's own
	// IO service, which wins. Without any key there is no App IO channel.
	IO *notify.IOSender
	// CIVICA_RATE_LIMITS: messages per second per channel for each worker
	// process, "email=50,sms=10,io=20" (these are the defaults; 0 is
	// unlimited).
	RateLimits map[notify.Channel]notify.RateLimit
	// CIVICA_JOB_RESCUE_AFTER (5m): how long a job may run before it is
	// taken for lost (its worker was killed) and run again.
	JobRescueAfter time.Duration
}

// devPlatformAdmin is the test identity "Elena Ricci" of the test provider.
const devPlatformAdmin = "RCCLNE88R67A944M"

func loadConfig() (config, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	c := config{
		Env:          env("CIVICA_ENV", "development"),
		Listen:       env("CIVICA_LISTEN", "127.0.0.1:8080"),
		SupportEmail: env("CIVICA_SUPPORT_EMAIL", "assistenza@rete-civica.example"),
		RPKeyFile:    os.Getenv("CIVICA_RP_KEY_FILE"),
	}
	if c.Env != "development" && c.Env != "production" {
		bad("CIVICA_ENV=%q: development or production", c.Env)
	}
	dev := c.Env == "development"
	var err error
	if c.DatabaseURL, err = secret("CIVICA_DATABASE_URL"); err != nil {
		bad("%v", err)
	}
	if c.DatabaseURL == "" && !dev {
		bad("CIVICA_DATABASE_URL is required in production")
	}
	raw := env("CIVICA_PLATFORM_URL", "http://localhost:8080")
	c.PlatformURL, err = url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (c.PlatformURL.Scheme != "http" && c.PlatformURL.Scheme != "https") || c.PlatformURL.Host == "" || c.PlatformURL.Path != "" {
		bad("CIVICA_PLATFORM_URL=%q: an http(s) origin such as https://servizi.example.it", raw)
		c.PlatformURL = &url.URL{Scheme: "http", Host: "localhost:8080"}
	}
	if c.TestProvider, err = boolEnv("CIVICA_TEST_PROVIDER", dev); err != nil {
		bad("%v", err)
	}
	if c.TestProvider && !dev {
		bad("CIVICA_TEST_PROVIDER cannot be on in production: it lets anyone log in as anyone")
	}
	c.OIDCIssuer = os.Getenv("CIVICA_OIDC_ISSUER")
	if c.OIDCIssuer == "" && c.TestProvider {
		c.OIDCIssuer = c.PlatformURL.String() + "/idp"
	}
	if c.OIDCIssuer == "" {
		bad("CIVICA_OIDC_ISSUER is required without the test provider")
	}
	if c.RPKeyFile == "" && !dev {
		bad("CIVICA_RP_KEY_FILE is required in production: the relying parties' signing key")
	}
	admins := env("CIVICA_PLATFORM_ADMINS", "")
	if admins == "" && dev {
		admins = devPlatformAdmin
	}
	for _, a := range strings.Split(admins, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		cf, err := codicefiscale.Parse(a)
		if err != nil {
			bad("CIVICA_PLATFORM_ADMINS: %q is not a valid fiscal code: %v", a, err)
			continue
		}
		c.PlatformAdmins = append(c.PlatformAdmins, string(cf))
	}
	if c.SecureCookies, err = boolEnv("CIVICA_SECURE_COOKIES", c.PlatformURL.Scheme == "https"); err != nil {
		bad("%v", err)
	}
	c.LogFormat = env("CIVICA_LOG_FORMAT", map[bool]string{true: "text", false: "json"}[dev])
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("CIVICA_LOG_FORMAT=%q: text or json", c.LogFormat)
	}
	if c.DatabaseWait, err = time.ParseDuration(env("CIVICA_DATABASE_WAIT", "10s")); err != nil || c.DatabaseWait < 0 {
		bad("CIVICA_DATABASE_WAIT=%q: a duration such as 10s", os.Getenv("CIVICA_DATABASE_WAIT"))
	}
	c.FilesDir = os.Getenv("CIVICA_FILES_DIR")
	if c.FilesDir == "" && dev {
		c.FilesDir = ".data/files"
	}
	if c.FilesDir == "" {
		bad("CIVICA_FILES_DIR is required in production: where uploaded files are kept")
	}
	if endpoint := os.Getenv("CIVICA_S3_ENDPOINT"); endpoint != "" {
		secretKey, err := secret("CIVICA_S3_SECRET_KEY")
		if err != nil {
			bad("%v", err)
		}
		insecure, err := boolEnv("CIVICA_S3_INSECURE", false)
		if err != nil {
			bad("%v", err)
		}
		c.S3 = &storage.S3Config{Endpoint: endpoint, Bucket: os.Getenv("CIVICA_S3_BUCKET"), Region: os.Getenv("CIVICA_S3_REGION"),
			AccessKey: os.Getenv("CIVICA_S3_ACCESS_KEY"), SecretKey: secretKey, Prefix: os.Getenv("CIVICA_S3_PREFIX"), UseTLS: !insecure}
		if c.S3.Bucket == "" {
			bad("CIVICA_S3_BUCKET is required with CIVICA_S3_ENDPOINT")
		}
	}
	for _, lim := range []struct {
		name string
		def  int
		into *int64
	}{{"CIVICA_UPLOAD_MAX_FILE_MB", 10, &c.Uploads.MaxFileSize}, {"CIVICA_UPLOAD_MAX_TOTAL_MB", 30, &c.Uploads.MaxTotalSize}} {
		mb, err := strconv.Atoi(env(lim.name, strconv.Itoa(lim.def)))
		if err != nil || mb < 1 || mb > 1024 {
			bad("%s=%q: megabytes, 1 to 1024", lim.name, os.Getenv(lim.name))
		}
		*lim.into = int64(mb) << 20
	}
	if c.Uploads.MaxTotalSize < c.Uploads.MaxFileSize {
		bad("CIVICA_UPLOAD_MAX_TOTAL_MB must be at least CIVICA_UPLOAD_MAX_FILE_MB")
	}
	if c.JobRescueAfter, err = time.ParseDuration(env("CIVICA_JOB_RESCUE_AFTER", "5m")); err != nil || c.JobRescueAfter < time.Second {
		bad("CIVICA_JOB_RESCUE_AFTER=%q: a duration of at least 1s, such as 5m", os.Getenv("CIVICA_JOB_RESCUE_AFTER"))
	}
	c.ClamdAddress = os.Getenv("CIVICA_CLAMD_ADDRESS")
	// one kept connection per job worker that may be sending
	c.SMTP = notify.SMTPMailer{Conns: notify.NewSMTPConns(jobs.MaxWorkers), Addr: os.Getenv("CIVICA_SMTP_ADDR"), Username: os.Getenv("CIVICA_SMTP_USERNAME"),
		From: env("CIVICA_MAIL_FROM", "Rete civica <noreply@rete-civica.example>")}
	if c.SMTP.Password, err = secret("CIVICA_SMTP_PASSWORD"); err != nil {
		bad("%v", err)
	}
	if c.SMTP.Addr == "" && !dev {
		bad("CIVICA_SMTP_ADDR is required in production: citizens are told by email what happens to their applications")
	}
	if u := os.Getenv("CIVICA_SMS_URL"); u != "" {
		token, err := secret("CIVICA_SMS_TOKEN")
		if err != nil {
			bad("%v", err)
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			bad("CIVICA_SMS_URL=%q: an http(s) URL", u)
		}
		c.SMS = &notify.SMSClient{BaseURL: u, Token: token}
	}
	ioKey, err := secret("CIVICA_IO_KEY")
	if err != nil {
		bad("%v", err)
	}
	ioKeys, err := secret("CIVICA_IO_KEYS")
	if err != nil {
		bad("%v", err)
	}
	if ioKey != "" || ioKeys != "" {
		c.IO = &notify.IOSender{Client: notify.IOClient{BaseURL: env("CIVICA_IO_URL", "https://api.io.pagopa.it/api/v1")},
			DefaultKey: ioKey, Keys: map[string]string{}}
		for _, pair := range strings.Split(ioKeys, ",") {
			if pair = strings.TrimSpace(pair); pair == "" {
				continue
			}
			slug, key, ok := strings.Cut(pair, "=")
			if !ok || slug == "" || key == "" {
				bad("CIVICA_IO_KEYS: %q is not slug=key", pair)
				continue
			}
			c.IO.Keys[strings.TrimSpace(slug)] = strings.TrimSpace(key)
		}
	}
	c.RateLimits = map[notify.Channel]notify.RateLimit{}
	for _, pair := range strings.Split(os.Getenv("CIVICA_RATE_LIMITS"), ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		ch, v, _ := strings.Cut(pair, "=")
		perSecond, err := strconv.ParseFloat(v, 64)
		channel := notify.Channel(strings.TrimSpace(ch))
		if err != nil || perSecond < 0 || (channel != notify.ChannelEmail && channel != notify.ChannelSMS && channel != notify.ChannelIO) {
			bad("CIVICA_RATE_LIMITS: %q is not channel=messages per second (email, sms, io)", pair)
			continue
		}
		c.RateLimits[channel] = notify.RateLimit{PerSecond: perSecond, Burst: max(1, int(perSecond*2))}
	}
	if len(problems) > 0 {
		return c, errors.New("configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, nil
}

// appConfig is what the application needs of c.
func (c config) appConfig(logger *slog.Logger, rpKey *rsa.PrivateKey) app.Config {
	ac := app.Config{
		PlatformURL: c.PlatformURL, SecureCookies: c.SecureCookies, TestProvider: c.TestProvider,
		OIDCIssuer: c.OIDCIssuer, RPKey: rpKey, PlatformAdmins: c.PlatformAdmins, Logger: logger,
		FilesDir: c.FilesDir, S3: c.S3, Uploads: c.Uploads, JobRescueAfter: c.JobRescueAfter,
	}
	if c.ClamdAddress != "" {
		ac.Scanner = attachments.Clamd{Address: c.ClamdAddress}
	}
	if c.SMTP.Addr != "" {
		ac.Mailer = c.SMTP
	}
	if c.SMS != nil {
		ac.SMS = *c.SMS
	}
	if c.IO != nil {
		ac.IO = *c.IO
	}
	ac.RateLimits = c.RateLimits
	return ac
}

// rpKey loads the relying parties' signing key, or in development makes one
// for this run.
func (c config) rpKey() (*rsa.PrivateKey, error) {
	if c.RPKeyFile == "" {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	raw, err := os.ReadFile(c.RPKeyFile)
	if err != nil {
		return nil, fmt.Errorf("CIVICA_RP_KEY_FILE: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("CIVICA_RP_KEY_FILE: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CIVICA_RP_KEY_FILE: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("CIVICA_RP_KEY_FILE: not an RSA key")
	}
	return rk, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// secret reads NAME, or the file named by NAME_FILE.
func secret(name string) (string, error) {
	if f := os.Getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv(name), nil
}

func boolEnv(name string, def bool) (bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: true or false", name, v)
	}
	return b, nil
}
