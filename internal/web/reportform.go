package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/reports"
)

const ctxMultipart = "civica.multipart" // the rest of a multipart request, after its CSRF token

// maxReportRequest bounds a report's request body: the most files a person
// may try to send, and room for the text. Beyond it the request is cut
// short and the files not yet read are refused as too big.
const maxReportRequest = reports.MaxFiles*reports.MaxFileSize + 1<<20

// maxTextField bounds a text field read from a multipart form: well over
// the longest text a report accepts, so a longer one is still seen as too
// long, while nobody can make the server hold megabytes of "text".
const maxTextField = 16 << 10

// multipartToken lets the CSRF check that comes after it (s.csrf) verify a
// multipart form without parsing the form, which would read every file into
// memory or temporary files before anyone checked them. It caps the body at
// maxBytes, opens the multipart stream and reads its first part, which must
// be the _csrf field (a form whose first field is anything else is a bad
// request); the token becomes the request's only form value, where the CSRF
// check looks for it. The rest of the stream waits in the context
// for the handler, which reads the files as they come.
func (s *Server) multipartToken(maxBytes int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			r.Body = http.MaxBytesReader(c.Response(), r.Body, maxBytes)
			mr, err := r.MultipartReader()
			if err != nil {
				return errBadRequest
			}
			part, err := mr.NextPart()
			if err != nil || part.FormName() != "_csrf" {
				return errBadRequest
			}
			token, err := readField(part)
			if err != nil {
				return errBadRequest
			}
			r.Form = url.Values{"_csrf": {token}}
			r.PostForm = r.Form
			c.Set(ctxMultipart, mr)
			return next(c)
		}
	}
}

// reportForm is what the report form sent.
type reportForm struct {
	report reports.Report
	// fileErrs are the files refused; filesSent says files were chosen,
	// accepted or not.
	fileErrs  []*reports.FieldError
	filesSent bool
}

// readReportForm reads the rest of the report form from mr, its files into
// uploads. A request cut short by its size limit keeps what came before
// and refuses the files that did not fit; a stream that is not a valid
// multipart form is a bad request.
func readReportForm(mr *multipart.Reader, uploads *reports.Uploads) (reportForm, error) {
	var f reportForm
	fields := map[string]*string{"category": &f.report.Category, "place": &f.report.Place,
		"subject": &f.report.Subject, "description": &f.report.Description, "email": &f.report.Email}
	cut, err := readParts(mr, func(name, value string) {
		if target, ok := fields[name]; ok {
			*target = value
		}
	}, func(part *multipart.Part) error {
		if part.FormName() != "files" {
			return nil
		}
		f.filesSent = true
		err := uploads.Receive(part.FileName(), part)
		var refused *reports.FieldError
		if errors.As(err, &refused) {
			f.fileErrs = append(f.fileErrs, refused)
			return nil
		}
		return err
	})
	if cut {
		f.filesSent = true
		f.fileErrs = append(f.fileErrs, &reports.FieldError{Field: reports.FieldFiles, Code: reports.CodeTotalTooBig})
	}
	return f, err
}

// readParts reads a multipart form streamed after its CSRF token
// (multipartToken), part by part as it arrives: each text field through
// field, each chosen file through file (a file input left empty is not a
// file). cut says the request was cut short by its size limit, by the
// stream or by what file returned: what came before is kept. A stream that
// is not a valid multipart form is a bad request; any other error from file
// stops the reading.
func readParts(mr *multipart.Reader, field func(name, value string), file func(part *multipart.Part) error) (cut bool, err error) {
	for {
		part, err := mr.NextPart()
		switch {
		case errors.Is(err, io.EOF):
			return false, nil
		case isTooLarge(err):
			return true, nil
		case err != nil:
			return false, errBadRequest
		}
		if isFilePart(part) {
			if part.FileName() == "" {
				continue // the input, with no file chosen
			}
			if err := file(part); isTooLarge(err) {
				return true, nil
			} else if err != nil {
				return false, err
			}
			continue
		}
		v, err := readField(part)
		if isTooLarge(err) {
			return true, nil
		} else if err != nil {
			return false, errBadRequest
		}
		field(part.FormName(), v)
	}
}

// isFilePart reports whether a multipart part comes from a file input
// (its Content-Disposition has a filename, even an empty one).
func isFilePart(part *multipart.Part) bool {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	_, ok := params["filename"]
	return err == nil && ok
}

// readField reads a text field: at most maxTextField bytes, as valid UTF-8.
func readField(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxTextField))
	if err != nil {
		return "", err
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
