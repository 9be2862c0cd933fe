package booking_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/civica/civica/internal/booking"
)

func TestSaveDesk_RefusesInvalidFieldsWithTheirCodes(t *testing.T) {
	t.Parallel()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	var hours [7][]booking.Range
	hours[time.Monday] = []booking.Range{{Start: hm(9, 0), End: hm(12, 0)}, {Start: hm(11, 0), End: hm(13, 0)}}
	hours[time.Tuesday] = []booking.Range{{Start: hm(12, 0), End: hm(9, 0)}}
	d := booking.Desk{Slug: "Bad Slug", Office: "nowhere", Name: " ", Modes: []booking.Mode{"fax"}, Hours: hours,
		SlotMinutes: 4, BufferMinutes: 121, Capacity: 51, MinNoticeHours: 721, HorizonDays: 0,
		Closures: []booking.Closure{{From: rome(2027, time.May, 3, 0, 0), To: rome(2027, time.May, 1, 0, 0)}}}
	err := f.svc.SaveDesk(context.Background(), f.tenant, d)
	var errs booking.DeskErrors
	if !errors.As(err, &errs) {
		t.Fatalf("want DeskErrors, got %v", err)
	}
	want := []booking.FieldError{{"slug", "slug"}, {"name", "name"}, {"modes", "modes"},
		{"hours.1", "hours_overlap"}, {"hours.2", "hours_order"}, {"slot_minutes", "slot_length"},
		{"buffer_minutes", "buffer"}, {"capacity", "capacity"}, {"min_notice_hours", "notice"},
		{"horizon_days", "horizon"}, {"closures.0", "closure_order"}, {"office", "office_unknown"}}
	for _, w := range want {
		if !slices.Contains(errs, w) {
			t.Errorf("missing %+v in %+v", w, errs)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d: %+v", len(errs), len(want), errs)
	}
	if desks, _ := f.svc.Desks(context.Background(), f.tenant); len(desks) != 0 {
		t.Errorf("an invalid desk was saved: %+v", desks)
	}
}

func TestSaveDesk_KeepsTheFeedTokenAndReplacesClosures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	first := f.desk(t, "anagrafe-1", func(d *booking.Desk) {
		d.Closures = []booking.Closure{{From: rome(2027, time.May, 3, 0, 0), To: rome(2027, time.May, 4, 0, 0), Reason: "inventario"}}
	})
	second := f.desk(t, "anagrafe-2", nil)
	if first.FeedToken == second.FeedToken || len(first.FeedToken) < 40 {
		t.Fatalf("feed tokens %q %q", first.FeedToken, second.FeedToken)
	}
	if len(first.Closures) != 1 || first.Closures[0].Reason != "inventario" || !first.Closures[0].To.Equal(rome(2027, time.May, 4, 0, 0)) {
		t.Fatalf("closures read back: %+v", first.Closures)
	}
	updated := f.desk(t, "anagrafe-1", func(d *booking.Desk) {
		d.Name = "Anagrafe centrale"
		d.FeedToken = "ignored"
		// a date as pgx or a form gives it, midnight UTC, keeps its day
		d.Closures = []booking.Closure{{From: time.Date(2027, time.June, 7, 0, 0, 0, 0, time.UTC), To: time.Date(2027, time.June, 7, 0, 0, 0, 0, time.UTC)}}
	})
	if updated.ID != first.ID || updated.FeedToken != first.FeedToken || updated.Name != "Anagrafe centrale" {
		t.Fatalf("update changed identity or token: %+v", updated)
	}
	if len(updated.Closures) != 1 || !updated.Closures[0].From.Equal(rome(2027, time.June, 7, 0, 0)) {
		t.Fatalf("closures not replaced: %+v", updated.Closures)
	}
	byToken, err := f.svc.DeskByFeedToken(ctx, f.tenant, first.FeedToken)
	if err != nil || byToken.Slug != "anagrafe-1" {
		t.Fatalf("by feed token: %v %+v", err, byToken)
	}
	if _, err := f.svc.DeskByFeedToken(ctx, f.other, first.FeedToken); !errors.Is(err, booking.ErrBadToken) {
		t.Fatalf("another comune's feed token: %v", err)
	}
	if _, err := f.svc.DeskByFeedToken(ctx, f.tenant, first.FeedToken[:len(first.FeedToken)-1]+"x"); !errors.Is(err, booking.ErrBadToken) {
		t.Fatalf("wrong feed token: %v", err)
	}
	forService, err := f.svc.DesksFor(ctx, f.tenant, "carta-identita")
	if err != nil || len(forService) != 2 {
		t.Fatalf("desks for service: %v %d", err, len(forService))
	}
	if none, _ := f.svc.DesksFor(ctx, f.tenant, "passaporto"); len(none) != 0 {
		t.Fatalf("desks for another service: %+v", none)
	}
}

func TestSettings_DefaultsThenSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	st, err := f.svc.Settings(ctx, f.tenant)
	if err != nil || st != booking.DefaultSettings() || !st.GuestsAllowed || st.CancelCutoffHours != 24 || st.ReminderHours != 24 || st.RoomOpensMinutes != 10 {
		t.Fatalf("defaults: %v %+v", err, st)
	}
	st.VideoBaseURL, st.CancelCutoffHours, st.GuestsAllowed = "https://meet.example.it/", 48, false
	if err := f.svc.SaveSettings(ctx, f.tenant, st); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Settings(ctx, f.tenant)
	if got.VideoBaseURL != "https://meet.example.it" || got.CancelCutoffHours != 48 || got.GuestsAllowed {
		t.Fatalf("saved: %+v", got)
	}
	if other, _ := f.svc.Settings(ctx, f.other); other != booking.DefaultSettings() {
		t.Fatalf("another comune sees the settings: %+v", other)
	}
	d := f.desk(t, "anagrafe", nil)
	if _, err := f.svc.Book(ctx, f.tenant, guest(d.Slug, rome(2027, time.March, 2, 9, 0), "anna@example.it")); !errors.As(err, new(*booking.RuleError)) {
		t.Fatalf("a guest where guests are not allowed: %v", err)
	}
	if _, err := f.svc.Book(ctx, f.tenant, f.request(d.Slug, rome(2027, time.March, 2, 9, 0))); err != nil {
		t.Fatalf("a logged-in person where guests are not allowed: %v", err)
	}
	st.VideoJWTAppID, st.RoomOpensMinutes = "civica", 500
	var errs booking.DeskErrors
	if err := f.svc.SaveSettings(ctx, f.tenant, st); !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("invalid settings: %v", err)
	}
}
