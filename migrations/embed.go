// Package migrations embeds Civica's numbered SQL migrations, applied by tern
// from `civica migrate` (River's own migrations run right after, through
// rivermigrate). Files are named NNN_description.sql; tern runs the part above
// `---- create above / drop below ----` going up.
//
// Rules every migration keeps (see DESIGN.md, Tenancy):
//   - every tenant-owned table has tenant_id NOT NULL first in its primary key,
//     foreign keys between tenant tables include tenant_id;
//   - every tenant-owned table has ROW LEVEL SECURITY enabled and forced, with
//     the policy tenant_isolation against app.tenant_id, and grants to the
//     civica_tenant role, which is what tenant transactions run as.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
