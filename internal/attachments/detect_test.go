package attachments_test

import (
	"slices"
	"testing"

	"github.com/civica/civica/internal/attachments"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"PDF", samplePDF(), attachments.TypePDF},
		{"PNG", samplePNG(t), attachments.TypePNG},
		{"JPEG", sampleJPEG(t), attachments.TypeJPEG},
		{"ODT", sampleODF(t, "application/vnd.oasis.opendocument.text"), attachments.TypeODT},
		{"DOCX", sampleDOCX(t), attachments.TypeDOCX},
		{"DOCXWithWordEntryFirst", sampleZip(t, zipEntry{name: "word/document.xml", content: "<w:document/>"}), attachments.TypeDOCX},
		{"P7MDefiniteLength", sampleP7M(), attachments.TypeP7M},
		{"P7MIndefiniteLength", signedDataHead(0x80), attachments.TypeP7M},
		{"P7MBase64", sampleP7MBase64(), attachments.TypeP7M},
		{"P7MPEM", append([]byte("-----BEGIN PKCS7-----\n"), sampleP7MBase64()...), attachments.TypeP7M},

		{"Executable", sampleEXE(), attachments.TypeUnknown},
		{"Text", []byte("Gentile Comune, allego il documento.\n"), attachments.TypeUnknown},
		{"HTML", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), attachments.TypeUnknown},
		{"Empty", nil, attachments.TypeUnknown},
		{"XLSX", sampleXLSX(t), attachments.TypeUnknown},
		{"ODS", sampleODF(t, "application/vnd.oasis.opendocument.spreadsheet"), attachments.TypeUnknown},
		{"ODTTemplate", sampleODF(t, "application/vnd.oasis.opendocument.text-template"), attachments.TypeUnknown},
		{"OtherZip", sampleZip(t, zipEntry{name: "setup.exe", content: string(sampleEXE())}), attachments.TypeUnknown},
		{"DERNotSignedData", []byte{0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01}, attachments.TypeUnknown},
		{"PDFNotAtTheStart", append([]byte("MZ"), samplePDF()...), attachments.TypeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := attachments.Detect(tc.file); got != tc.want {
				t.Errorf("Detect = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDetect_CutHead(t *testing.T) {
	t.Parallel()
	// Whatever the cut, a prefix of a file is never taken for another kind.
	for name, file := range map[string][]byte{"DOCX": sampleDOCX(t), "ODT": sampleODF(t, "application/vnd.oasis.opendocument.text")} {
		want := attachments.Detect(file)
		for n := range len(file) {
			if got := attachments.Detect(file[:n]); got != want && got != attachments.TypeUnknown {
				t.Errorf("%s cut at %d: Detect = %q", name, n, got)
			}
		}
	}
}

func TestContentTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kinds []string
		want  []string
	}{
		{nil, []string{attachments.TypePDF, attachments.TypeJPEG, attachments.TypePNG}},
		{[]string{"pdf"}, []string{attachments.TypePDF}},
		{[]string{"image"}, []string{attachments.TypeJPEG, attachments.TypePNG}},
		{[]string{"pdf", "document"}, []string{attachments.TypePDF, attachments.TypeODT, attachments.TypeDOCX, attachments.TypeP7M}},
	} {
		if got := attachments.ContentTypes(tc.kinds); !slices.Equal(got, tc.want) {
			t.Errorf("ContentTypes(%q) = %q, want %q", tc.kinds, got, tc.want)
		}
	}
}

func TestCheckKinds(t *testing.T) {
	t.Parallel()
	if err := attachments.CheckKinds([]string{"pdf", "image", "document"}); err != nil {
		t.Errorf("known kinds: %v", err)
	}
	if err := attachments.CheckKinds([]string{"pdf", "video"}); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

func FuzzDetect(f *testing.F) {
	f.Add(samplePDF())
	f.Add(sampleP7M())
	f.Add(sampleP7MBase64())
	f.Add(sampleEXE())
	f.Add(sampleZip(f, zipEntry{name: "word/x", content: "x"}))
	f.Add(sampleODF(f, "application/vnd.oasis.opendocument.text"))
	f.Add(sampleOOXML(f, "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"))
	known := []string{attachments.TypePDF, attachments.TypeJPEG, attachments.TypePNG, attachments.TypeODT,
		attachments.TypeDOCX, attachments.TypeP7M, attachments.TypeUnknown}
	f.Fuzz(func(t *testing.T, head []byte) {
		if got := attachments.Detect(head); !slices.Contains(known, got) {
			t.Errorf("Detect = %q", got)
		}
	})
}
