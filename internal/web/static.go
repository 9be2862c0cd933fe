package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// staticVersion is a digest of every static file: it is part of their URLs,
// so they can be cached for a year and still change with each release.
func staticVersion(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", p)
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("static files: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// static serves the embedded files. Any version in the URL is accepted (a
// page rendered just before a deploy still gets its files); only the current
// one is cached for long.
func (s *Server) static(c echo.Context) error {
	name := path.Clean(strings.TrimPrefix(c.Param("*"), "/"))
	if name == "." || strings.HasPrefix(name, "..") {
		return echo.ErrNotFound
	}
	data, err := fs.ReadFile(s.cfg.Static, name)
	if err != nil {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if "/static/"+c.Param("version") == s.assets {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	typ := mime.TypeByExtension(path.Ext(name))
	if typ == "" {
		typ = http.DetectContentType(data)
	}
	return c.Blob(http.StatusOK, typ, data)
}
