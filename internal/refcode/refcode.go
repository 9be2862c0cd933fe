// Package refcode draws the references people are given for what they
// sent (an application "PR-7KQ2MX9D", a report "DS-…"): short, read over
// the phone or copied by hand without mistakes, and not guessable from one
// another.
package refcode

import (
	"crypto/rand"
	"errors"
	"regexp"

	"github.com/jackc/pgx/v5/pgconn"
)

// Alphabet has no 0/O, 1/I/L: a reference cannot be misread.
const Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// Length is how many characters of Alphabet follow the prefix: about 40
// bits.
const Length = 8

// New draws prefix and Length characters of Alphabet from crypto/rand.
func New(prefix string) string {
	n := len(prefix) + Length
	ref := make([]byte, 0, n)
	ref = append(ref, prefix...)
	var buf [16]byte
	for len(ref) < n {
		rand.Read(buf[:])
		for _, b := range buf {
			// 248 is the largest multiple of 31 within a byte: taking
			// only bytes below it keeps every character equally likely.
			if b < 248 && len(ref) < n {
				ref = append(ref, Alphabet[int(b)%len(Alphabet)])
			}
		}
	}
	return string(ref)
}

// Pattern returns the regexp that matches references with prefix.
func Pattern(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `[` + Alphabet + `]{8}$`)
}

// Taken reports whether err is the unique violation of constraint: the
// reference just drawn is already used (about 40 bits make it unlikely,
// not impossible), and the caller draws again.
func Taken(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}
