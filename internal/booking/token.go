package booking

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Manage links. A guest's link to move or cancel an appointment carries
// <reference>.<expiry>.<mac>: the expiry in Unix seconds (the appointment's
// end plus a week) and base64url(HMAC-SHA256(key, tenantID|reference|expiry)),
// so a link is worthless for another comune, another appointment, or after
// it expires, and cannot be made without the server's secret.

// manageFor is how long after its end an appointment's link still works.
const manageFor = 7 * 24 * time.Hour

func (s *Service) manageMAC(tenantID, ref string, expiry int64) []byte {
	m := hmac.New(sha256.New, s.key("manage"))
	m.Write([]byte(tenantID + "|" + ref + "|" + strconv.FormatInt(expiry, 10)))
	return m.Sum(nil)
}

// ManageToken is the signed token of a guest's manage link.
func (s *Service) ManageToken(tenantID string, a Appointment) string {
	expiry := a.End.Add(manageFor).Unix()
	return a.Reference + "." + strconv.FormatInt(expiry, 10) + "." +
		base64.RawURLEncoding.EncodeToString(s.manageMAC(tenantID, a.Reference, expiry))
}

// ByToken reads the appointment a manage link names; ErrBadToken when the
// token is forged, expired or another comune's.
func (s *Service) ByToken(ctx context.Context, tenantID, token string) (Appointment, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || !IsReference(parts[0]) {
		return Appointment{}, ErrBadToken
	}
	expiry, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return Appointment{}, ErrBadToken
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, s.manageMAC(tenantID, parts[0], expiry)) {
		return Appointment{}, ErrBadToken
	}
	if s.now().Unix() > expiry {
		return Appointment{}, ErrBadToken
	}
	a, err := s.Get(ctx, tenantID, parts[0])
	if errors.Is(err, ErrNotFound) {
		return Appointment{}, ErrBadToken
	}
	return a, err
}
