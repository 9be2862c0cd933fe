package attachments

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Kinds of file a form field accepts, as form definitions name them.
const (
	KindPDF      = "pdf"
	KindImage    = "image"    // JPEG, PNG
	KindDocument = "document" // PDF, ODT, DOCX, P7M
)

// Content types Detect tells apart.
const (
	TypePDF     = "application/pdf"
	TypeJPEG    = "image/jpeg"
	TypePNG     = "image/png"
	TypeODT     = "application/vnd.oasis.opendocument.text"
	TypeDOCX    = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeP7M     = "application/pkcs7-mime" // a CAdES signed file, DER or base64
	TypeUnknown = "application/octet-stream"
)

var kindTypes = map[string][]string{
	KindPDF:      {TypePDF},
	KindImage:    {TypeJPEG, TypePNG},
	KindDocument: {TypePDF, TypeODT, TypeDOCX, TypeP7M},
}

// CheckKinds reports a kind that is none of KindPDF, KindImage and
// KindDocument, for validating form definitions when they are loaded.
func CheckKinds(kinds []string) error {
	for _, k := range kinds {
		if _, ok := kindTypes[k]; !ok {
			return fmt.Errorf("attachments: unknown kind of file %q (want %s, %s or %s)", k, KindPDF, KindImage, KindDocument)
		}
	}
	return nil
}

// ContentTypes are the content types that files of the given kinds have,
// each once; no kinds means PDF and images. Unknown kinds add nothing
// (CheckKinds finds them).
func ContentTypes(kinds []string) []string {
	if len(kinds) == 0 {
		kinds = []string{KindPDF, KindImage}
	}
	var types []string
	for _, k := range kinds {
		for _, t := range kindTypes[k] {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	return types
}

// HeadSize is how many leading bytes of a file Detect wants to see: a
// DOCX can have a few entries before the one that tells it from other
// zip files.
const HeadSize = 8 << 10

// Detect tells a file's content type from its first bytes (up to
// HeadSize; fewer only when the file is shorter), never from its name:
// TypePDF, TypeJPEG, TypePNG, TypeODT, TypeDOCX, TypeP7M, or TypeUnknown
// for anything else, spreadsheets and other zip files included.
func Detect(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(head, zipLocalHeader):
		return detectZip(head)
	case isSignedData(head) || isBase64SignedData(head):
		return TypeP7M
	}
	return TypeUnknown
}

var zipLocalHeader = []byte("PK\x03\x04")

const (
	odtMimeType       = "application/vnd.oasis.opendocument.text"
	docxMainPartType  = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	maxZipEntries     = 32
	maxInflatedHeader = 1 << 20
)

// detectZip walks the local file headers in head. An ODT starts with an
// uncompressed "mimetype" entry holding its type (ODF 1.2, part 3, 3.3);
// a DOCX has a "[Content_Types].xml" naming the main document part as a
// wordprocessingml one, and entries under "word/".
func detectZip(b []byte) string {
	le := binary.LittleEndian
	for i := 0; i < maxZipEntries && len(b) >= 30 && bytes.HasPrefix(b, zipLocalHeader); i++ {
		flags, method := le.Uint16(b[6:]), le.Uint16(b[8:])
		csize := int(le.Uint32(b[18:]))
		nameLen, extraLen := int(le.Uint16(b[26:])), int(le.Uint16(b[28:]))
		if 30+nameLen+extraLen > len(b) {
			break
		}
		name := string(b[30 : 30+nameLen])
		data := b[30+nameLen+extraLen:]
		hasDescriptor := flags&0x8 != 0

		switch {
		case i == 0 && name == "mimetype" && method == 0:
			if !bytes.HasPrefix(data, []byte(odtMimeType)) {
				return TypeUnknown
			}
			rest := data[len(odtMimeType):]
			if (!hasDescriptor && csize == len(odtMimeType)) || (hasDescriptor && bytes.HasPrefix(rest, []byte("PK"))) {
				return TypeODT
			}
			return TypeUnknown // "…opendocument.text-template" and the like
		case strings.HasPrefix(name, "word/"):
			return TypeDOCX
		}

		var (
			content []byte
			used    int // compressed bytes of the entry's data
		)
		switch method {
		case 0: // stored
			if hasDescriptor || csize > len(data) {
				return TypeUnknown
			}
			content, used = data[:csize], csize
		case 8: // deflated
			br := bytes.NewReader(data)
			var err error
			content, err = io.ReadAll(io.LimitReader(flate.NewReader(br), maxInflatedHeader))
			if err != nil {
				return TypeUnknown // cut off by the end of head, or not deflate
			}
			used = len(data) - br.Len()
			if !hasDescriptor && used != csize {
				return TypeUnknown
			}
		default:
			return TypeUnknown
		}
		if name == "[Content_Types].xml" && bytes.Contains(content, []byte(docxMainPartType)) {
			return TypeDOCX
		}

		b = data[used:]
		if hasDescriptor {
			// Optional signature, then CRC-32 and both sizes (32-bit:
			// head-sized entries are never zip64).
			if bytes.HasPrefix(b, []byte("PK\x07\x08")) {
				b = b[4:]
			}
			if len(b) < 12 {
				break
			}
			b = b[12:]
		}
	}
	return TypeUnknown
}

// signedDataOID is the DER encoding of the OID 1.2.840.113549.1.7.2,
// PKCS #7 signedData, tag and length included.
var signedDataOID = []byte{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02}

// isSignedData reports whether b starts a CMS ContentInfo of type
// signedData: a SEQUENCE, of indefinite or long-form length (a signed
// file is never under 128 bytes), whose first element is the OID.
func isSignedData(b []byte) bool {
	if len(b) < 2 || b[0] != 0x30 {
		return false
	}
	var i int
	switch l := b[1]; {
	case l == 0x80:
		i = 2
	case l >= 0x81 && l <= 0x84:
		i = 2 + int(l-0x80)
	default:
		return false
	}
	return len(b) >= i && bytes.HasPrefix(b[i:], signedDataOID)
}

// isBase64SignedData recognises a signed file sent in base64, with or
// without PEM armour, as some signing applications save it.
func isBase64SignedData(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	for _, armour := range []string{"-----BEGIN PKCS7-----", "-----BEGIN CMS-----"} {
		b = bytes.TrimPrefix(b, []byte(armour))
	}
	const want = 32 // base64 characters: 24 bytes, enough for the OID
	enc := make([]byte, 0, want)
	for _, c := range b {
		if len(enc) == want {
			break
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			enc = append(enc, c)
		default:
			return false
		}
	}
	if len(enc) < want {
		return false
	}
	der, err := base64.StdEncoding.DecodeString(string(enc))
	return err == nil && isSignedData(der)
}
