// Package static embeds the site's CSS, JavaScript, fonts and icons so the binary serves them without npm.
//
// Third-party files under vendor/ are copied from node_modules by vendor.sh
// (versions pinned in package.json / package-lock.json); node_modules itself
// is never needed to build.
package static

import "embed"

// FS holds css/, js/, vendor/ and img/, with paths relative to this folder
// (e.g. "vendor/bootstrap-italia/css/bootstrap-italia.min.css").
//
//go:embed css js vendor img
var FS embed.FS
