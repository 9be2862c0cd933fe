// Package axe embeds the pinned axe-core script used by browser tests.
//
// axe.min.js, LICENSE and VERSION are copied from static/node_modules by
// static/vendor.sh; do not edit them by hand.
package axe

import (
	_ "embed"
	"strings"
)

// Script is the source of axe.min.js, ready to be evaluated in a page
// (it defines the global `axe`).
//
//go:embed axe.min.js
var Script string

//go:embed VERSION
var versionFile string

// Version is the pinned axe-core version of Script, e.g. "4.14.1".
var Version = strings.TrimSpace(versionFile)
