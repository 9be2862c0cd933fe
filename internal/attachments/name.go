package attachments

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is how many characters of a file's name CleanName keeps.
const MaxNameLen = 200

// defaultName stands for a name with nothing left to show.
const defaultName = "allegato"

// CleanName makes the name a person's device gave a file fit to show and
// to send back in a Content-Disposition header: valid UTF-8, only the last
// element of a path, no control or invisible formatting characters (a
// right-to-left override can disguise "fdp.exe" as "exe.pdf"), at most
// MaxNameLen characters with the extension kept, never empty, "." or "..".
// It says nothing about the content: Detect does.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > MaxNameLen {
		name = shorten(name)
	}
	if name == "" || name == "." || name == ".." {
		return defaultName
	}
	return name
}

// shorten cuts a name to MaxNameLen characters, keeping a short extension.
func shorten(name string) string {
	runes := []rune(name)
	ext := []rune{}
	if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 16 {
		ext = []rune(name[i:])
		runes = runes[:len(runes)-len(ext)]
	}
	return strings.TrimSpace(string(runes[:MaxNameLen-len(ext)])) + string(ext)
}
