package tenant

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
)

// exportHeader opens every file Export writes.
const exportHeader = "# Written by `civica tenant export` from the database.\n"

// Export writes the comune slug as it is in the database into dir, as a
// bundle: tenant.yaml (identity, hosts, branding, contacts, staff), the logo
// it names, and the whole catalogue as a self-contained folder
// (dir/catalogue: topics.yaml, offices.yaml, services/<slug>.yaml) that
// LoadBundle loads instead of the standard catalogue and overrides; and,
// from a Store WithBooking, the booking settings and desks (dir/offices.yaml).
//
// Importing dir gives back the same database state, and exporting that
// again the same files: everything is written in a stable order, and a
// field the database holds as null (a card without fees, say) is left out
// of the file rather than written empty. Service files in dir/catalogue
// that the comune no longer has are removed. The bundle written is loaded
// back before Export returns, so an error says it would not import.
func Export(ctx context.Context, store *Store, catalogue *catalog.Store, slug, dir string) error {
	t, err := store.BySlug(ctx, slug)
	if err != nil {
		return fmt.Errorf("tenant export: %w", err)
	}
	logo, logoType, err := store.Logo(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}
	ext, err := logoExtension(logoType)
	if err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}
	staff, err := store.staff(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}
	c, err := catalogue.Export(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}

	b := Bundle{
		Slug:           t.Slug,
		Name:           t.Name,
		ISTATCode:      t.ISTATCode,
		IPACode:        t.IPACode,
		FiscalCode:     t.FiscalCode,
		Status:         t.Status,
		Languages:      t.Languages,
		Hosts:          t.Hosts,
		PatronSaintDay: t.PatronSaintDay,
		Contacts:       t.Contacts,
		Staff:          staff,
		StaffLogin:     t.StaffLogin,
	}
	if t.DeadlineWarningDays != DefaultDeadlineWarningDays {
		b.DeadlineWarningDays = t.DeadlineWarningDays
	}
	b.Branding.PrimaryColor = t.PrimaryColor
	b.Branding.Logo = "logo" + ext

	files := map[string]any{
		"tenant.yaml": b,
		filepath.Join(CatalogueDir, "topics.yaml"):  c.Topics,
		filepath.Join(CatalogueDir, "offices.yaml"): c.Offices,
	}
	services := filepath.Join(dir, CatalogueDir, "services")
	keep := map[string]bool{}
	for _, s := range c.Services {
		name := s.Slug + ".yaml"
		keep[name] = true
		files[filepath.Join(CatalogueDir, "services", name)] = s
	}
	if err := os.MkdirAll(services, 0o755); err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}
	if err := os.WriteFile(filepath.Join(dir, b.Branding.Logo), logo, 0o644); err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}
	for name, v := range files {
		out, err := marshalYAML(v)
		if err != nil {
			return fmt.Errorf("tenant export %s: %s: %w", slug, name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
			return fmt.Errorf("tenant export %s: %w", slug, err)
		}
	}
	old, err := filepath.Glob(filepath.Join(services, "*.yaml"))
	if err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}
	for _, f := range old {
		if !keep[filepath.Base(f)] {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("tenant export %s: %w", slug, err)
			}
		}
	}
	if err := store.exportBooking(ctx, t.ID, dir); err != nil {
		return fmt.Errorf("tenant export %s: %w", slug, err)
	}
	if _, err := LoadBundle(dir); err != nil {
		return fmt.Errorf("tenant export %s: the bundle written does not load: %w", slug, err)
	}
	return nil
}

// staff returns the comune's staff, by fiscal code.
func (s *Store) staff(ctx context.Context, tenantID string) ([]StaffMember, error) {
	var out []StaffMember
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.fiscal_code, m.display_name, m.role,
				(SELECT array_agg(o.office_slug ORDER BY o.office_slug) FROM staff_offices o
					WHERE o.tenant_id = m.tenant_id AND o.fiscal_code = m.fiscal_code)
			FROM staff_members m WHERE m.tenant_id = $1 ORDER BY m.fiscal_code`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[StaffMember])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", db.Classify(err))
	}
	return out, nil
}

// logoExtension is the file extension (with its dot) for a logo's media
// type, one LoadBundle recognises the logo by again.
func logoExtension(mediaType string) (string, error) {
	switch mediaType {
	case "image/svg+xml":
		return ".svg", nil
	case "image/png":
		return ".png", nil
	case "image/jpeg":
		return ".jpg", nil
	case "image/gif":
		return ".gif", nil
	case "image/webp":
		return ".webp", nil
	}
	if exts, err := mime.ExtensionsByType(mediaType); err == nil && len(exts) > 0 {
		return exts[0], nil
	}
	return "", fmt.Errorf("logo: no file extension for media type %q", mediaType)
}

// marshalYAML writes v as a YAML document with exportHeader, indented by
// two spaces.
func marshalYAML(v any) ([]byte, error) {
	n, err := yamlNode(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(exportHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// yamlNode is v as a YAML node, field by field as yaml.v3 would write it,
// except that a struct field holding a nil slice or map is left out: yaml.v3
// writes those as [] and {}, which load as empty rather than nil, and a card
// stored again would then hold [] where the database had null. A nil inside
// a list is written as null, which loads as nil. Map keys are sorted, the
// catalogue's languages first in their order.
func yamlNode(v reflect.Value) (*yaml.Node, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nullNode(), nil
		}
		return yamlNode(v.Elem())
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			fv := v.Field(i)
			if (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.IsNil() {
				continue
			}
			child, err := yamlNode(fv)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, child)
		}
		return n, nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nullNode(), nil
		}
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for i := range v.Len() {
			child, err := yamlNode(v.Index(i))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, child)
		}
		return n, nil
	case reflect.Map:
		if v.IsNil() {
			return nullNode(), nil
		}
		keys := v.MapKeys()
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("yaml export: map keys of type %s", v.Type().Key())
		}
		rank := func(k string) int {
			if i := slices.Index(catalog.Languages, k); i >= 0 {
				return i
			}
			return len(catalog.Languages)
		}
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			return cmp.Or(cmp.Compare(rank(a.String()), rank(b.String())), cmp.Compare(a.String(), b.String()))
		})
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			key, err := yamlNode(k)
			if err != nil {
				return nil, err
			}
			val, err := yamlNode(v.MapIndex(k))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, key, val)
		}
		return n, nil
	}
	var n yaml.Node
	if err := n.Encode(v.Interface()); err != nil {
		return nil, err
	}
	return &n, nil
}

func nullNode() *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"} }
