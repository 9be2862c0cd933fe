// Package i18n holds the message catalogues: one YAML file per language
// (it.yaml, en.yaml), flat keys to texts, with {name} placeholders. Every
// text a person reads comes from here. internal/locale loads them.
package i18n

import "embed"

// FS holds the catalogues.
//
//go:embed *.yaml
var FS embed.FS
