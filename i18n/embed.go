// Package i18n holds the message catalogues: per language, <lang>.yaml and
// one <lang>.<area>.yaml per area (it.booking.yaml, en.booking.yaml), flat
// keys to texts, with {name} placeholders. Every text a person reads comes
// from here. internal/locale loads them.
package i18n

import "embed"

// FS holds the catalogues.
//
//go:embed *.yaml
var FS embed.FS
