// Package catalog is a comune's catalogue of services as the Modello Comuni
// describes it: the 15 categories, the topics, the offices in charge and the
// service cards with their sections in Italian and English.
//
// A catalogue is written as files (tenants/_standard for the standard one
// every comune starts from, tenants/<slug> for what a comune changes) and
// loaded and validated here before it is imported; at run time the database
// is the source of truth. A comune's administrator edits a card's status and
// texts there (edit.go), by the same rules the files are checked with
// (rules.go).
package catalog

import (
	"slices"

	"github.com/civica/civica/internal/forms"
)

// Languages every text of the catalogue is written in.
var Languages = []string{"it", "en"}

// Text is a text in each language, keyed by language code.
type Text map[string]string

// In returns the text in lang, or the Italian one when lang is missing.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t["it"]
}

// Categories are the Modello Comuni's 15 service categories, in its order.
// Their names are in the i18n catalogues under category.<slug>.
var Categories = []string{
	"anagrafe-e-stato-civile",
	"cultura-e-tempo-libero",
	"vita-lavorativa",
	"imprese-e-commercio",
	"appalti-pubblici",
	"catasto-e-urbanistica",
	"turismo",
	"mobilita-e-trasporti",
	"educazione-e-formazione",
	"giustizia-e-sicurezza-pubblica",
	"tributi-finanze-e-contravvenzioni",
	"ambiente",
	"salute-benessere-e-assistenza",
	"autorizzazioni",
	"agricoltura-e-pesca",
}

// IsCategory reports whether slug is one of the 15 categories.
func IsCategory(slug string) bool { return slices.Contains(Categories, slug) }

// LifeEvents and BusinessEvents a service can be tagged with.
var (
	LifeEvents = []string{"nascita", "iscrizione-scuola", "ricerca-lavoro", "cambio-residenza", "matrimonio",
		"disabilita", "acquisto-casa", "ristrutturazione-casa", "possesso-veicolo", "viaggio-estero", "anzianita",
		"morte-familiare", "emergenze", "volontariato", "animale-domestico"}
	BusinessEvents = []string{"avvio-impresa", "gestione-impresa", "chiusura-impresa", "partecipazione-appalti", "eventi-pubblici"}
)

// Channels by which a service is reached.
const (
	ChannelOnline      = "online"
	ChannelAppointment = "appointment"
	ChannelDesk        = "desk"
)

// Topic is an entry of the Modello Comuni's topics vocabulary.
type Topic struct {
	Slug        string `yaml:"slug" json:"slug"`
	Name        Text   `yaml:"name" json:"name"`
	Description Text   `yaml:"description" json:"description"`
}

// Office is an office of the comune that is in charge of services.
type Office struct {
	Slug        string `yaml:"slug" json:"slug"`
	Name        Text   `yaml:"name" json:"name"`
	Description Text   `yaml:"description" json:"description"`
	Address     string `yaml:"address" json:"address"`
	PostalCode  string `yaml:"postal_code" json:"postal_code"`
	City        string `yaml:"city" json:"city"`
	Phone       string `yaml:"phone" json:"phone"`
	Email       string `yaml:"email" json:"email"`
	PEC         string `yaml:"pec" json:"pec"`
	Hours       Text   `yaml:"hours" json:"hours"` // opening hours as text, per language
}

// Fee is one amount a service costs.
type Fee struct {
	Description Text  `yaml:"description" json:"description"`
	AmountCents int64 `yaml:"amount_cents" json:"amount_cents"`
}

// Service is a service card.
type Service struct {
	Slug               string   `yaml:"slug" json:"slug"`
	Category           string   `yaml:"category" json:"category"`
	Topics             []string `yaml:"topics" json:"topics"`
	LifeEvents         []string `yaml:"life_events" json:"life_events"`
	BusinessEvents     []string `yaml:"business_events" json:"business_events"`
	Office             string   `yaml:"office" json:"office"`
	Channels           []string `yaml:"channels" json:"channels"`
	LoginLevel         string   `yaml:"login_level" json:"login_level"`
	MaxProcessingDays  int      `yaml:"max_processing_days" json:"max_processing_days"`
	ProcessingDaysKind string   `yaml:"processing_days_kind" json:"processing_days_kind"`
	Status             string   `yaml:"status" json:"status"`
	StatusReason       Text     `yaml:"status_reason" json:"status_reason,omitempty"`
	Fees               []Fee    `yaml:"fees" json:"fees"`

	Title       Text   `yaml:"title" json:"title"`
	Description Text   `yaml:"description" json:"description"`
	Addressed   Text   `yaml:"addressed" json:"addressed"`
	HowTo       Text   `yaml:"how_to" json:"how_to"`
	Needed      Text   `yaml:"needed" json:"needed"`
	Achieved    Text   `yaml:"achieved" json:"achieved"`
	Calendar    Text   `yaml:"calendar" json:"calendar"`
	Deadlines   []Text `yaml:"deadlines" json:"deadlines"`
	Costs       Text   `yaml:"costs" json:"costs"`
	Access      Text   `yaml:"access" json:"access"`
	Conditions  Text   `yaml:"conditions" json:"conditions"`

	// Form is the service's online form, when it can be applied for
	// online. It is not part of the card: the database keeps every
	// published version of it apart (form_versions), immutable, because an
	// application pins the version it was filled with.
	Form *forms.Form `yaml:"form" json:"-"`
}

// Catalogue is everything a comune's services pages show.
type Catalogue struct {
	Topics   []Topic
	Offices  []Office
	Services []Service
}
