package booking

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// roomClosesAfter is how long after its end a room can still be entered.
const roomClosesAfter = 30 * time.Minute

// RoomName is the name of an appointment's video room: the comune's slug
// and 16 hex digits of a MAC of the reference, so nobody can guess the
// room of someone else's appointment.
func (s *Service) RoomName(tenantSlug, ref string) string {
	m := hmac.New(sha256.New, s.key("room"))
	m.Write([]byte(tenantSlug + "|" + ref))
	return tenantSlug + "-" + hex.EncodeToString(m.Sum(nil))[:16]
}

// Room is a video appointment's room under the comune's settings: the
// room's URL on VideoBaseURL (with a signed Jitsi token when the comune
// set VideoJWTSecret), or a placeholder without a video service. It opens
// RoomOpensMinutes before the start and closes 30 minutes after the end.
func (s *Service) Room(tenantSlug string, st Settings, a Appointment) Room {
	r := Room{
		OpensAt:  a.Start.Add(-time.Duration(st.RoomOpensMinutes) * time.Minute),
		ClosesAt: a.End.Add(roomClosesAfter),
	}
	base := strings.TrimRight(st.VideoBaseURL, "/")
	if base == "" {
		r.Placeholder = true
		return r
	}
	name := s.RoomName(tenantSlug, a.Reference)
	r.URL = base + "/" + name
	if st.VideoJWTSecret != "" {
		host := base
		if u, err := url.Parse(base); err == nil && u.Host != "" {
			host = u.Hostname()
		}
		r.URL += "?jwt=" + roomJWT(st, host, name, r.OpensAt, r.ClosesAt)
	}
	return r
}

// roomJWT is the HS256 token Jitsi's JWT authentication accepts for room.
func roomJWT(st Settings, host, room string, nbf, exp time.Time) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"iss": st.VideoJWTAppID, "aud": "jitsi", "sub": host, "room": room,
		"nbf": nbf.Unix(), "exp": exp.Unix(),
	})
	unsigned := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	m := hmac.New(sha256.New, []byte(st.VideoJWTSecret))
	m.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(m.Sum(nil))
}
