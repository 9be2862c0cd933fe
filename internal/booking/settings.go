package booking

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DefaultSettings are a comune's rules until an admin saves its own.
func DefaultSettings() Settings {
	return Settings{GuestsAllowed: true, CancelCutoffHours: 24, ReminderHours: 24, RoomOpensMinutes: 10}
}

// Settings reads the comune's booking rules (defaults where unset).
func (s *Service) Settings(ctx context.Context, tenantID string) (Settings, error) {
	var st Settings
	err := s.inTenant(ctx, tenantID, "booking settings", func(tx pgx.Tx) error {
		var err error
		st, err = settingsIn(ctx, tx, tenantID)
		return err
	})
	return st, err
}

func settingsIn(ctx context.Context, tx pgx.Tx, tenantID string) (Settings, error) {
	st := DefaultSettings()
	err := tx.QueryRow(ctx, `SELECT video_base_url, video_jwt_app_id, video_jwt_secret, guests_allowed,
			cancel_cutoff_hours, reminder_hours, room_opens_minutes
		FROM booking_settings WHERE tenant_id = $1`, tenantID).Scan(
		&st.VideoBaseURL, &st.VideoJWTAppID, &st.VideoJWTSecret, &st.GuestsAllowed,
		&st.CancelCutoffHours, &st.ReminderHours, &st.RoomOpensMinutes)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultSettings(), nil
	}
	return st, err
}

// ValidateSettings lists what is wrong with st: fields video_base_url
// (code video_url: not an http(s) address), video_jwt (code jwt_pair:
// app id and secret go together), cancel_cutoff_hours (cutoff_hours, 0..720),
// reminder_hours (reminder, 0..720), room_opens_minutes (room_opens,
// 0..120).
func ValidateSettings(st Settings) DeskErrors {
	var errs DeskErrors
	u := st.VideoBaseURL
	if u != "" && !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) || strings.ContainsAny(u, " \t\r\n?#") {
		errs = append(errs, FieldError{"video_base_url", "video_url"})
	}
	if (st.VideoJWTAppID == "") != (st.VideoJWTSecret == "") {
		errs = append(errs, FieldError{"video_jwt", "jwt_pair"})
	}
	if st.CancelCutoffHours < 0 || st.CancelCutoffHours > 720 {
		errs = append(errs, FieldError{"cancel_cutoff_hours", "cutoff_hours"})
	}
	if st.ReminderHours < 0 || st.ReminderHours > 720 {
		errs = append(errs, FieldError{"reminder_hours", "reminder"})
	}
	if st.RoomOpensMinutes < 0 || st.RoomOpensMinutes > 120 {
		errs = append(errs, FieldError{"room_opens_minutes", "room_opens"})
	}
	return errs
}

// SaveSettings writes the comune's booking rules; DeskErrors (see
// ValidateSettings) when they are invalid.
func (s *Service) SaveSettings(ctx context.Context, tenantID string, st Settings) error {
	st.VideoBaseURL = strings.TrimRight(strings.TrimSpace(st.VideoBaseURL), "/")
	if errs := ValidateSettings(st); len(errs) > 0 {
		return errs
	}
	return s.inTenant(ctx, tenantID, "save booking settings", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO booking_settings (tenant_id, video_base_url, video_jwt_app_id, video_jwt_secret,
				guests_allowed, cancel_cutoff_hours, reminder_hours, room_opens_minutes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (tenant_id) DO UPDATE SET video_base_url = excluded.video_base_url,
				video_jwt_app_id = excluded.video_jwt_app_id, video_jwt_secret = excluded.video_jwt_secret,
				guests_allowed = excluded.guests_allowed, cancel_cutoff_hours = excluded.cancel_cutoff_hours,
				reminder_hours = excluded.reminder_hours, room_opens_minutes = excluded.room_opens_minutes,
				updated_at = now()`,
			tenantID, st.VideoBaseURL, st.VideoJWTAppID, st.VideoJWTSecret, st.GuestsAllowed,
			st.CancelCutoffHours, st.ReminderHours, st.RoomOpensMinutes)
		return err
	})
}
