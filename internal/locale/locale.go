// Package locale translates: it loads the catalogues in i18n/, picks a
// person's language (their choice, else their browser's, else Italian) and
// formats messages with {name} placeholders.
//
// A key missing from a catalogue renders as the key itself and is reported by
// the catalogue tests, which check both languages hold the same keys and that
// every key the code uses exists.
package locale

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// Default is the language used when nothing else is known.
const Default = "it"

// Catalog holds every language's messages.
type Catalog struct {
	langs    []string
	messages map[string]map[string]string
	matcher  language.Matcher
}

// Load reads <lang>.yaml and <lang>.*.yaml for each language from fsys. The first language is
// the fallback.
func Load(fsys fs.FS, langs ...string) (*Catalog, error) {
	c := &Catalog{langs: langs, messages: map[string]map[string]string{}}
	tags := make([]language.Tag, 0, len(langs))
	for _, l := range langs {
		// <lang>.yaml, then one file per area (<lang>.<area>.yaml), each
		// key defined once
		extra, err := fs.Glob(fsys, l+".*.yaml")
		if err != nil {
			return nil, fmt.Errorf("load catalogue %s: %w", l, err)
		}
		m := map[string]string{}
		for _, name := range append([]string{l + ".yaml"}, extra...) {
			raw, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("load catalogue %s: %w", l, err)
			}
			part := map[string]string{}
			if err := yaml.Unmarshal(raw, &part); err != nil {
				return nil, fmt.Errorf("load catalogue %s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("load catalogue %s: key %q is defined twice", name, k)
				}
				m[k] = v
			}
		}
		c.messages[l] = m
		tags = append(tags, language.Make(l))
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Languages lists the supported languages, fallback first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Keys returns the sorted keys of one language's catalogue.
func (c *Catalog) Keys(lang string) []string {
	return slices.Sorted(maps.Keys(c.messages[lang]))
}

// Supported reports whether lang is one of the catalogue's languages.
func (c *Catalog) Supported(lang string) bool { return slices.Contains(c.langs, lang) }

// Negotiate picks the language for a request: the person's explicit choice
// when supported, else the best match for the Accept-Language header, else
// the fallback.
func (c *Catalog) Negotiate(choice, acceptLanguage string) string {
	if c.Supported(choice) {
		return choice
	}
	if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(tags) > 0 {
			_, i, conf := c.matcher.Match(tags...)
			if conf != language.No {
				return c.langs[i]
			}
		}
	}
	return c.langs[0]
}

// Localizer translates into one language.
type Localizer struct {
	Lang string
	c    *Catalog
}

// For returns the Localizer of lang (the fallback when lang is unsupported).
func (c *Catalog) For(lang string) *Localizer {
	if !c.Supported(lang) {
		lang = c.langs[0]
	}
	return &Localizer{Lang: lang, c: c}
}

// T returns the message for key with its {name} placeholders replaced by the
// pairs in args ("name", value, ...). A key missing in this language falls
// back to the first language, then to the key itself.
func (l *Localizer) T(key string, args ...any) string {
	msg, ok := l.c.messages[l.Lang][key]
	if !ok {
		if msg, ok = l.c.messages[l.c.langs[0]][key]; !ok {
			return key
		}
	}
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

var monthKeys = [...]string{"", "month.1", "month.2", "month.3", "month.4", "month.5", "month.6",
	"month.7", "month.8", "month.9", "month.10", "month.11", "month.12"}

// Date formats a date the way people write it in the language, in Europe/Rome:
// "22 novembre 2026", "22 November 2026".
func (l *Localizer) Date(t time.Time) string {
	t = t.In(Rome)
	return fmt.Sprintf("%d %s %d", t.Day(), l.T(monthKeys[t.Month()]), t.Year())
}

// DateTime formats a date and time in Europe/Rome: "22 novembre 2026, 10:45".
func (l *Localizer) DateTime(t time.Time) string {
	t = t.In(Rome)
	return fmt.Sprintf("%s, %02d:%02d", l.Date(t), t.Hour(), t.Minute())
}

// Rome is the time zone every civil date and time in Civica is reasoned in.
var Rome = mustLoadRome()

func mustLoadRome() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic("time zone Europe/Rome not available: import time/tzdata: " + err.Error())
	}
	return loc
}

// Money formats euro cents the way the language writes amounts:
// "€ 1.234,50" in Italian, "€1,234.50" in English.
func (l *Localizer) Money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole, frac := cents/100, cents%100
	digits := fmt.Sprintf("%d", whole)
	thousands, decimal, prefix := ".", ",", "€ "
	if l.Lang == "en" {
		thousands, decimal, prefix = ",", ".", "€"
	}
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(r)
	}
	s := fmt.Sprintf("%s%s%s%02d", prefix, b.String(), decimal, frac)
	if neg {
		s = "-" + s
	}
	return s
}

// FileSize writes a file's size the way the language writes it: "820 KB",
// "1,4 MB" in Italian, "1.4 MB" in English.
func (l *Localizer) FileSize(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)/1024)
	}
	mb := fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	if l.Lang == "it" {
		mb = strings.Replace(mb, ".", ",", 1)
	}
	return mb
}
