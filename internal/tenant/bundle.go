package tenant

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/codicefiscale"
)

// Bundle is a comune described as files: tenants/<slug>/tenant.yaml, the
// logo it names and its catalogue — either the standard catalogue with the
// comune's overrides (tenants/<slug>/catalogue.yaml), or, in a bundle that
// has one (as `civica tenant export` writes), its own self-contained
// catalogue folder <bundle>/catalogue/, which then replaces both.
type Bundle struct {
	Slug           string   `yaml:"slug"`
	Name           string   `yaml:"name"`
	ISTATCode      string   `yaml:"istat_code"`
	IPACode        string   `yaml:"ipa_code"`
	FiscalCode     string   `yaml:"fiscal_code"`
	Status         Status   `yaml:"status"`
	Languages      []string `yaml:"languages"`
	Hosts          []string `yaml:"hosts"`
	PatronSaintDay string   `yaml:"patron_saint_day"`
	Branding       struct {
		PrimaryColor string `yaml:"primary_color"`
		Logo         string `yaml:"logo"`
	} `yaml:"branding"`
	Contacts Contacts      `yaml:"contacts"`
	Staff    []StaffMember `yaml:"staff"`
	// StaffLogin is the comune's own issuer for its staff, if it has one.
	StaffLogin StaffLogin `yaml:"staff_login,omitempty"`
	// DeadlineWarningDays: how many days before a legal deadline the desk
	// warns (1–60; DefaultDeadlineWarningDays when absent).
	DeadlineWarningDays int `yaml:"deadline_warning_days,omitempty"`

	PrimaryColor string `yaml:"-"`
	Logo         []byte `yaml:"-"`
	LogoType     string `yaml:"-"`
	// Catalogue is the comune's catalogue. A bundle with its own
	// catalogue folder (catalogue/topics.yaml, offices.yaml, services/, as
	// `civica tenant export` writes) is self-contained: the catalogue is
	// that folder, loaded whole, without the standard one or overrides.
	// Otherwise it is the standard catalogue (tenants/_standard beside the
	// bundle) with the comune's overrides (catalogue.yaml); nil when there
	// is neither.
	Catalogue *catalog.Catalogue `yaml:"-"`
	// Booking is the comune's offices.yaml (booking settings and desks);
	// nil when the bundle has none.
	Booking *BookingBundle `yaml:"-"`
}

// StaffMember is a person working for the comune, with their role.
type StaffMember struct {
	FiscalCode string `yaml:"fiscal_code"`
	Name       string `yaml:"name"`
	Role       string `yaml:"role"`
	// Offices are the offices whose applications a clerk or office
	// manager works on (slugs of the catalogue's offices); an admin
	// reaches every office.
	Offices []string `yaml:"offices,omitempty"`
}

var (
	slugPattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{1,40}$`)
	istatPattern = regexp.MustCompile(`^[0-9]{6}$`)
	ipaPattern   = regexp.MustCompile(`^[a-z0-9_]{2,20}$`)
	vatPattern   = regexp.MustCompile(`^[0-9]{11}$`)
	colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	dayPattern   = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
	hostPattern  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

// LoadBundle reads and validates the bundle in dir. Every problem found is
// reported, one per line, with the file it is in.
func LoadBundle(dir string) (Bundle, error) {
	var b Bundle
	file := filepath.Join(dir, "tenant.yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		return b, fmt.Errorf("read bundle: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		return b, fmt.Errorf("%s: %w", file, err)
	}
	if b.Status == "" {
		b.Status = StatusTrial
	}
	if len(b.Languages) == 0 {
		b.Languages = []string{"it", "en"}
	}
	b.PrimaryColor = strings.ToLower(b.Branding.PrimaryColor)
	for i, h := range b.Hosts {
		b.Hosts[i] = NormalizeHost(h)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !slugPattern.MatchString(b.Slug) {
		bad("slug %q: lower-case letters, digits and dashes, starting with a letter", b.Slug)
	}
	if l := len([]rune(b.Name)); l < 2 || l > 200 {
		bad("name: required, 2 to 200 characters")
	}
	if !istatPattern.MatchString(b.ISTATCode) {
		bad("istat_code %q: six digits", b.ISTATCode)
	}
	if !ipaPattern.MatchString(b.IPACode) {
		bad("ipa_code %q: lower-case letters, digits and underscores", b.IPACode)
	}
	if !vatPattern.MatchString(b.FiscalCode) {
		bad("fiscal_code %q: eleven digits", b.FiscalCode)
	}
	if !slices.Contains([]Status{StatusTrial, StatusActive, StatusSuspended}, b.Status) {
		bad("status %q: one of trial, active, suspended", b.Status)
	}
	for _, l := range b.Languages {
		if l != "it" && l != "en" {
			bad("languages: %q is not supported (it, en)", l)
		}
	}
	if !slices.Contains(b.Languages, "it") {
		bad("languages: Italian (it) is required")
	}
	for _, h := range b.Hosts {
		if !hostPattern.MatchString(h) {
			bad("hosts: %q is not a host name", h)
		}
	}
	if l := b.StaffLogin; l != (StaffLogin{}) {
		if u, err := url.Parse(l.Issuer); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("staff_login.issuer %q: an https URL without query or fragment", l.Issuer)
		}
		if strings.TrimSpace(l.ClientID) == "" {
			bad("staff_login.client_id: required with an issuer")
		}
	}
	if d := b.DeadlineWarningDays; d != 0 && (d < 1 || d > 60) {
		bad("deadline_warning_days %d: between 1 and 60", d)
	}
	if b.PatronSaintDay != "" && !dayPattern.MatchString(b.PatronSaintDay) {
		bad("patron_saint_day %q: MM-DD", b.PatronSaintDay)
	}
	if !colorPattern.MatchString(b.PrimaryColor) {
		bad("branding.primary_color %q: #rrggbb", b.Branding.PrimaryColor)
	} else if r := ContrastWithWhite(b.PrimaryColor); r < 4.5 {
		bad("branding.primary_color %s: contrast with white text is %.2f:1, at least 4.5:1 is needed (WCAG AA); choose a darker colour", b.PrimaryColor, r)
	}
	if b.Branding.Logo == "" || strings.Contains(b.Branding.Logo, "..") {
		bad("branding.logo: the name of an image file in the bundle")
	} else if logo, err := os.ReadFile(filepath.Join(dir, b.Branding.Logo)); err != nil {
		bad("branding.logo: %v", err)
	} else {
		b.Logo = logo
		b.LogoType = http.DetectContentType(logo)
		if strings.HasSuffix(b.Branding.Logo, ".svg") && strings.Contains(string(logo), "<svg") {
			b.LogoType = "image/svg+xml"
		}
		if !strings.HasPrefix(b.LogoType, "image/") {
			bad("branding.logo: %s is not an image (%s)", b.Branding.Logo, b.LogoType)
		}
	}
	for i, m := range b.Staff {
		cf, err := codicefiscale.Parse(m.FiscalCode)
		if err != nil {
			bad("staff[%d].fiscal_code %q: %v", i, m.FiscalCode, err)
		}
		b.Staff[i].FiscalCode = string(cf)
		if strings.TrimSpace(m.Name) == "" {
			bad("staff[%d].name: required", i)
		}
		if !slices.Contains([]string{"admin", "office_manager", "clerk"}, m.Role) {
			bad("staff[%d].role %q: one of admin, office_manager, clerk", i, m.Role)
		}
	}
	own := filepath.Join(dir, CatalogueDir)
	standard := filepath.Join(filepath.Dir(filepath.Clean(dir)), StandardDir)
	var load func() (catalog.Catalogue, error)
	if _, err := os.Stat(filepath.Join(own, "topics.yaml")); err == nil {
		load = func() (catalog.Catalogue, error) { return catalog.Load(own) }
	} else if _, err := os.Stat(filepath.Join(standard, "topics.yaml")); err == nil {
		load = func() (catalog.Catalogue, error) { return catalog.LoadForComune(standard, dir) }
	}
	if load != nil {
		c, err := load()
		if err != nil {
			problems = append(problems, "catalogue:\n    "+strings.ReplaceAll(err.Error(), "\n", "\n    "))
		}
		b.Catalogue = &c
		for i, m := range b.Staff {
			for _, o := range m.Offices {
				if !slices.ContainsFunc(c.Offices, func(x catalog.Office) bool { return x.Slug == o }) {
					bad("staff[%d].offices: %q is not an office of the catalogue", i, o)
				}
			}
		}
	}
	if bk, err := LoadBooking(dir, b.Catalogue); err != nil {
		problems = append(problems, strings.ReplaceAll(err.Error(), "\n", "\n  "))
	} else {
		b.Booking = bk
	}
	if len(problems) > 0 {
		return b, fmt.Errorf("%s:\n  %w", file, errors.New(strings.Join(problems, "\n  ")))
	}
	return b, nil
}

func (b Bundle) deadlineWarningDays() int {
	if b.DeadlineWarningDays == 0 {
		return DefaultDeadlineWarningDays
	}
	return b.DeadlineWarningDays
}

// StandardDir is the folder, beside the comuni's bundles, of the standard
// catalogue every comune starts from.
const StandardDir = "_standard"

// CatalogueDir is the folder, inside a bundle, of a self-contained
// catalogue (what `civica tenant export` writes): when it holds a
// topics.yaml, it is the comune's whole catalogue.
const CatalogueDir = "catalogue"

// ContrastWithWhite is the WCAG 2 contrast ratio of white text on the
// #rrggbb colour: the header shows the comune's name and menu that way.
func ContrastWithWhite(hex string) float64 {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		return 0
	}
	channel := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	l := 0.2126*channel(v>>16&0xff) + 0.7152*channel(v>>8&0xff) + 0.0722*channel(v&0xff)
	return 1.05 / (l + 0.05)
}

// BundleDirs lists the bundles under root: every subdirectory holding a
// tenant.yaml (so tenants/_standard, a catalogue rather than a comune, is
// skipped).
func BundleDirs(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), "tenant.yaml")); err == nil {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	return dirs, nil
}

// ImportDir imports the bundle in dir, or every bundle under it. All
// bundles are validated before any is written.
func ImportDir(ctx context.Context, store *Store, dir string) ([]Tenant, error) {
	dirs := []string{dir}
	if _, err := os.Stat(filepath.Join(dir, "tenant.yaml")); err != nil {
		if dirs, err = BundleDirs(dir); err != nil {
			return nil, fmt.Errorf("tenant import: %w", err)
		}
		if len(dirs) == 0 {
			return nil, fmt.Errorf("tenant import: no tenant.yaml in %s or its folders", dir)
		}
	}
	bundles := make([]Bundle, 0, len(dirs))
	var problems []error
	for _, d := range dirs {
		b, err := LoadBundle(d)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		bundles = append(bundles, b)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	var out []Tenant
	for _, b := range bundles {
		t, err := store.Import(ctx, b)
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

// ImportMissing imports, from dir, only the comuni the database does not
// have yet, and returns every comune the bundles describe. Development
// start-up uses it: once a comune is running, the database is the source of
// truth (its admins edit it there), and a restart must not overwrite their
// work; `civica tenant import` is the explicit way to apply files again.
func ImportMissing(ctx context.Context, store *Store, dir string) ([]Tenant, error) {
	existing, err := store.List(ctx)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, t := range existing {
		have[t.Slug] = true
	}
	dirs, err := BundleDirs(dir)
	if err != nil {
		return nil, fmt.Errorf("tenant import: %w", err)
	}
	var out []Tenant
	for _, d := range dirs {
		b, err := LoadBundle(d)
		if err != nil {
			return nil, err
		}
		if have[b.Slug] {
			t, err := store.BySlug(ctx, b.Slug)
			if err != nil {
				return nil, err
			}
			// Desks came later than comuni: one without any gets the
			// bundle's.
			if err := store.importBookingIfEmpty(ctx, t.ID, b.Booking); err != nil {
				return nil, fmt.Errorf("import %s: %w", b.Slug, err)
			}
			out = append(out, t)
			continue
		}
		t, err := store.Import(ctx, b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
