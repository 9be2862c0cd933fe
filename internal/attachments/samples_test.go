package attachments_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"testing"
)

// Small but real files of each kind, made here rather than kept as
// binaries in the repository.

func samplePDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

func sampleImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	return img
}

func samplePNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, sampleImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sampleJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, sampleImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type zipEntry struct {
	name, content string
	stored        bool // uncompressed, sizes in the local header
}

func sampleZip(t testing.TB, entries ...zipEntry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		var (
			f   io.Writer
			err error
		)
		if e.stored {
			f, err = w.CreateRaw(&zip.FileHeader{
				Name: e.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(e.content)),
				CompressedSize64: uint64(len(e.content)), UncompressedSize64: uint64(len(e.content)),
			})
		} else {
			f, err = w.Create(e.name)
		}
		if err == nil {
			_, err = io.WriteString(f, e.content)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sampleODF is an OpenDocument file of the given type, as LibreOffice
// writes it: the mimetype entry first, stored.
func sampleODF(t testing.TB, mimetype string) []byte {
	return sampleZip(t,
		zipEntry{name: "mimetype", content: mimetype, stored: true},
		zipEntry{name: "content.xml", content: `<?xml version="1.0" encoding="UTF-8"?><office:document-content/>`},
		zipEntry{name: "META-INF/manifest.xml", content: `<manifest:manifest/>`},
	)
}

const contentTypesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/%s" ContentType="%s"/>
</Types>`

// sampleOOXML is an Office Open XML package whose main part is part, of
// type partType; extra entries come after it, all deflated as Go writes
// them (sizes in data descriptors).
func sampleOOXML(t testing.TB, part, partType string, extra ...zipEntry) []byte {
	entries := []zipEntry{
		{name: "[Content_Types].xml", content: fmt.Sprintf(contentTypesXML, part, partType)},
		{name: "_rels/.rels", content: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`},
	}
	return sampleZip(t, append(entries, extra...)...)
}

func sampleDOCX(t testing.TB) []byte {
	return sampleOOXML(t, "word/document.xml",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
		zipEntry{name: "word/document.xml", content: `<w:document/>`})
}

func sampleXLSX(t testing.TB) []byte {
	return sampleOOXML(t, "xl/workbook.xml",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
		zipEntry{name: "xl/workbook.xml", content: `<workbook/>`})
}

// signedDataHead is how a CAdES (.p7m) file starts: a ContentInfo SEQUENCE
// of the given length octets, then the signedData OID, then the rest.
func signedDataHead(length ...byte) []byte {
	b := append([]byte{0x30}, length...)
	b = append(b, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02)
	b = append(b, 0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x0F)
	return append(b, bytes.Repeat([]byte{0x42}, 200)...)
}

func sampleP7M() []byte { return signedDataHead(0x82, 0x12, 0x34) }

func sampleP7MBase64() []byte {
	enc := base64.StdEncoding.EncodeToString(sampleP7M())
	var b bytes.Buffer
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\r\n")
		enc = enc[64:]
	}
	b.WriteString(enc)
	return b.Bytes()
}

func sampleEXE() []byte {
	return append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 100)...)
}

// eicar is the EICAR antivirus test file, put together at run time so
// that no antivirus flags this source.
func eicar() []byte {
	return []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + `EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)
}
