package web

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The citizen's contact profile ("I miei contatti"): email and mobile
// number with their verification, App IO, the language of messages, the
// notification preferences with topics and consents; and the unsubscribe
// page a message's link leads to, which needs no login.

const (
	contactsPath    = "/area-personale/contatti"
	preferencesPath = contactsPath + "/preferenze"
)

// sessContactsNotice holds, until the next contacts page shows it, what
// was just done.
const sessContactsNotice = "contacts_notice"

// positions is how many channels a kind can list besides the inbox.
const positions = 3

// contactRoutes registers the contact pages on site (language, tenant,
// session and CSRF). Unsubscribing is registered on e without the CSRF
// check: the token in its URL is the secret that authorises it, and mail
// clients post to it with no page in between (List-Unsubscribe-Post,
// RFC 8058).
func (s *Server) contactRoutes(site *echo.Group, e *echo.Echo) {
	citizen := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindCitizen)}
	site.GET(contactsPath, s.contactProfile, citizen...)
	site.POST(contactsPath+"/email", s.changeEmail, citizen...)
	site.GET(contactsPath+"/email/:token", s.verifyEmail, citizen...)
	site.POST(contactsPath+"/cellulare", s.changePhone, citizen...)
	site.POST(contactsPath+"/cellulare/codice", s.verifyPhone, citizen...)
	site.POST(contactsPath+"/cellulare/nuovo-codice", s.resendCode, citizen...)
	site.POST(contactsPath+"/lingua", s.setMessageLanguage, citizen...)
	site.POST(contactsPath+"/app-io", s.checkIO, citizen...)
	site.GET(preferencesPath, s.preferences, citizen...)
	site.POST(preferencesPath, s.savePreferences, citizen...)
	site.POST(contactsPath+"/argomenti", s.saveTopics, citizen...)
	site.GET("/disiscrizione/:token", s.unsubscribePage, s.requireComune)
	e.POST("/disiscrizione/:token", s.unsubscribe, s.language, s.resolveTenant, s.session, s.requireComune)
}

// contactProfile shows the profile.
func (s *Server) contactProfile(c echo.Context) error {
	notice := s.deps.Sessions.PopString(c.Request().Context(), sessContactsNotice)
	return s.renderContacts(c, http.StatusOK, func(p *views.ContactsPage) { p.Notice = notice })
}

// changeEmail sends a confirmation link to a new address.
func (s *Server) changeEmail(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	typed := c.FormValue("email")
	base := c.Scheme() + "://" + c.Request().Host
	email, err := s.deps.Contacts.RequestEmailChange(c.Request().Context(), t.ID, p.PersonID, typed, base)
	if err != nil {
		return s.contactRefused(c, err, func(page *views.ContactsPage) { page.Email.Value = typed })
	}
	return s.contactsDone(c, contactsPath, s.localizer(c).T("contacts.notice.email_sent", "email", email))
}

// verifyEmail follows a confirmation link. One that is forged, of someone
// else, expired or used says so and changes nothing.
func (s *Server) verifyEmail(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	email, err := s.deps.Contacts.VerifyEmail(c.Request().Context(), t.ID, p.PersonID, c.Param("token"))
	var ce *notify.ContactError
	if errors.As(err, &ce) {
		status := map[string]int{"link_expired": http.StatusGone, "link_used": http.StatusConflict}[ce.Code]
		if status == 0 {
			status = http.StatusNotFound
		}
		return s.renderContactLink(c, status, "contacts.link.heading", "contacts.error."+ce.Code, contactsPath)
	}
	if err != nil {
		return err
	}
	return s.contactsDone(c, contactsPath, s.localizer(c).T("contacts.notice.email_verified", "email", email))
}

// changePhone sends a code to a new mobile number.
func (s *Server) changePhone(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	typed := c.FormValue("phone")
	phone, err := s.deps.Contacts.RequestPhoneChange(c.Request().Context(), t.ID, p.PersonID, typed)
	if err != nil {
		return s.contactRefused(c, err, func(page *views.ContactsPage) { page.Phone.Value = typed })
	}
	return s.contactsDone(c, contactsPath, s.localizer(c).T("contacts.notice.code_sent", "phone", phone))
}

// verifyPhone checks the code typed.
func (s *Server) verifyPhone(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	if err := s.deps.Contacts.VerifyPhone(c.Request().Context(), t.ID, p.PersonID, c.FormValue("code")); err != nil {
		return s.contactRefused(c, err, nil)
	}
	return s.contactsDone(c, contactsPath, s.localizer(c).T("contacts.notice.phone_verified"))
}

// resendCode sends a new code to the number waiting for one.
func (s *Server) resendCode(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	if err := s.deps.Contacts.ResendPhoneCode(ctx, t.ID, p.PersonID); err != nil {
		var ce *notify.ContactError
		if errors.As(err, &ce) { // said beside the code, where the button is
			moved := *ce
			moved.Field = "code"
			err = &moved
		}
		return s.contactRefused(c, err, nil)
	}
	prof, err := s.deps.Contacts.Profile(ctx, t.ID, p.PersonID)
	if err != nil {
		return err
	}
	return s.contactsDone(c, contactsPath, s.localizer(c).T("contacts.notice.code_sent", "phone", prof.PendingPhone))
}

// checkIO asks App IO again whether it carries the comune's messages to
// the person: a job reads their IO profile. Asked again within a minute,
// it answers 429 and queues nothing.
func (s *Server) checkIO(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	queued, err := notify.RequestIOCheck(c.Request().Context(), s.deps.Pool, s.deps.Jobs, t.ID, p.PersonID)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	if !queued {
		return s.renderContacts(c, http.StatusTooManyRequests, func(page *views.ContactsPage) {
			msg := l.T("contacts.error.io_too_soon")
			page.IO.Error = msg
			page.Errors = append(page.Errors, views.ErrorLink{Message: msg, Href: "#contact-io-check"})
		})
	}
	return s.contactsDone(c, contactsPath, l.T("contacts.notice.io_check"))
}

// setMessageLanguage sets the language of messages.
func (s *Server) setMessageLanguage(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	if err := s.deps.Contacts.SetLanguage(c.Request().Context(), t.ID, p.PersonID, c.FormValue("language")); err != nil {
		return s.contactRefused(c, err, nil)
	}
	return s.contactsDone(c, contactsPath, s.localizer(c).T("contacts.notice.language_saved"))
}

func (s *Server) contactsDone(c echo.Context, to, notice string) error {
	s.deps.Sessions.Put(c.Request().Context(), sessContactsNotice, notice)
	return c.Redirect(http.StatusSeeOther, to)
}

// contactRefused shows the profile again with the refusal beside its
// field: 422, or 429 for a link or code asked for too often.
func (s *Server) contactRefused(c echo.Context, err error, keep func(*views.ContactsPage)) error {
	var ce *notify.ContactError
	if !errors.As(err, &ce) {
		return err
	}
	status := http.StatusUnprocessableEntity
	if ce.Code == "too_soon" || ce.Code == "too_many" {
		status = http.StatusTooManyRequests
	}
	msg := contactErrorMessage(s.localizer(c), ce)
	return s.renderContacts(c, status, func(page *views.ContactsPage) {
		if keep != nil {
			keep(page)
		}
		href := "#contact-" + ce.Field
		switch ce.Field {
		case "email":
			page.Email.Error = msg
		case "phone":
			page.Phone.Error = msg
		case "code":
			page.Phone.CodeError = msg
			if page.Phone.CodeHeading == "" { // no code waits: the number is where to act
				page.Phone.Error, page.Phone.CodeError, href = msg, "", "#contact-phone"
			}
		case "language":
			page.LanguageError = msg
		}
		page.Errors = append(page.Errors, views.ErrorLink{Message: msg, Href: href})
	})
}

func contactErrorMessage(l *locale.Localizer, ce *notify.ContactError) string {
	channel := ""
	if ce.Value != "" {
		channel = l.T("contacts.channel." + ce.Value)
	}
	return l.T("contacts.error."+ce.Code, "left", ce.Left, "seconds", int(math.Ceil(ce.Wait.Seconds())), "channel", channel)
}

// renderContacts renders the profile; edit adds a notice or a refusal.
func (s *Server) renderContacts(c echo.Context, status int, edit func(*views.ContactsPage)) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	prof, err := s.deps.Contacts.Profile(c.Request().Context(), t.ID, p.PersonID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	l := ch.L
	ch.Title = ch.T("contacts.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("personal.heading"), URL: "/area-personale"}, {Label: ch.T("contacts.heading")}}
	page := views.ContactsPage{
		Email: views.EmailBlock{Current: prof.Email, Identity: prof.IdentityEmail,
			Hint: l.T("contacts.email.hint", "hours", int(notify.EmailLinkTTL.Hours()))},
		Phone:          views.PhoneBlock{Current: prof.Phone},
		IO:             views.IOBlock{Code: prof.IOStatus, Status: l.T("contacts.io.status." + prof.IOStatus), Checked: l.T("contacts.io.never")},
		PreferencesURL: preferencesPath,
	}
	if prof.PendingEmail != "" {
		page.Email.Pending = l.T("contacts.email.pending", "email", prof.PendingEmail, "date", l.DateTime(prof.PendingEmailUntil))
	}
	if prof.PendingPhone != "" {
		page.Phone.CodeHeading = l.T("contacts.code.heading", "phone", prof.PendingPhone)
		page.Phone.CodeLead = l.T("contacts.code.lead", "time", prof.PendingPhoneUntil.In(locale.Rome).Format("15:04"), "left", prof.CodeLeft)
	}
	if prof.IOCheckedAt != nil {
		page.IO.Checked = l.T("contacts.io.checked", "date", l.DateTime(*prof.IOCheckedAt))
	}
	if page.IO.Checking, err = notify.IOCheckPending(c.Request().Context(), s.deps.Pool, t.ID, p.PersonID); err != nil {
		return err
	}
	for _, lang := range notify.Languages {
		page.Languages = append(page.Languages, views.Choice{Value: lang, Label: l.T("language.name." + lang), Selected: lang == prof.Language})
	}
	if edit != nil {
		edit(&page)
	}
	return s.render(c, status, views.ContactProfile(ch, page))
}

// preferences shows channels, topics and consents.
func (s *Server) preferences(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	prof, err := s.deps.Contacts.Profile(c.Request().Context(), t.ID, p.PersonID)
	if err != nil {
		return err
	}
	notice := s.deps.Sessions.PopString(c.Request().Context(), sessContactsNotice)
	return s.renderPreferences(c, http.StatusOK, prof, prof.Channels, newsConsented(prof), func(page *views.PreferencesPage) { page.Notice = notice })
}

// savePreferences saves the channels of every kind and the news consent.
func (s *Server) savePreferences(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return errBadRequest
	}
	prefs := notify.Preferences{Channels: map[notify.Kind][]notify.Channel{}, NewsConsent: form.Get("news_consent") == "yes",
		Language: s.localizer(c).Lang}
	for _, k := range notify.Kinds {
		list := []notify.Channel{}
		for n := 1; n <= positions; n++ {
			if v := form.Get(positionName(k, n)); v != "" {
				list = append(list, notify.Channel(v))
			}
		}
		prefs.Channels[k] = list
	}
	err = s.deps.Contacts.SetPreferences(ctx, t.ID, p.PersonID, prefs)
	var ce *notify.ContactError
	if errors.As(err, &ce) {
		prof, err := s.deps.Contacts.Profile(ctx, t.ID, p.PersonID)
		if err != nil {
			return err
		}
		msg := contactErrorMessage(s.localizer(c), ce)
		return s.renderPreferences(c, http.StatusUnprocessableEntity, prof, prefs.Channels, prefs.NewsConsent, func(page *views.PreferencesPage) {
			href := "#" + ce.Field
			if ce.Field == "news-consent" {
				page.Consent.Error = msg
			}
			for i := range page.Kinds {
				if page.Kinds[i].Kind == ce.Field {
					page.Kinds[i].Error, href = msg, "#"+positionID(notify.Kind(ce.Field), 1)
				}
			}
			page.Errors = append(page.Errors, views.ErrorLink{Message: msg, Href: href})
		})
	}
	if err != nil {
		return err
	}
	return s.contactsDone(c, preferencesPath, s.localizer(c).T("contacts.notice.preferences_saved"))
}

// saveTopics saves the topics followed.
func (s *Server) saveTopics(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return errBadRequest
	}
	slugs := form["topics"]
	err = s.deps.Contacts.SetTopics(ctx, t.ID, p.PersonID, slugs)
	var ce *notify.ContactError
	if errors.As(err, &ce) {
		prof, err := s.deps.Contacts.Profile(ctx, t.ID, p.PersonID)
		if err != nil {
			return err
		}
		msg := contactErrorMessage(s.localizer(c), ce)
		return s.renderPreferences(c, http.StatusUnprocessableEntity, prof, prof.Channels, newsConsented(prof), func(page *views.PreferencesPage) {
			page.TopicError = msg
			page.Errors = append(page.Errors, views.ErrorLink{Message: msg, Href: "#topics"})
		})
	}
	if err != nil {
		return err
	}
	return s.contactsDone(c, preferencesPath, s.localizer(c).T("contacts.notice.topics_saved"))
}

// newsConsented is whether the consent box starts ticked: news goes on
// channels that all have the person's consent.
func newsConsented(prof notify.Profile) bool {
	consented := len(prof.Channels[notify.KindNews]) > 0
	for _, ch := range prof.Channels[notify.KindNews] {
		consented = consented && prof.NewsConsent[ch]
	}
	return consented
}

func positionName(k notify.Kind, n int) string { return string(k) + "_" + strconv.Itoa(n) }
func positionID(k notify.Kind, n int) string   { return "pref-" + string(k) + "-" + strconv.Itoa(n) }

// renderPreferences renders the preferences with chosen as the channels
// selected (the saved ones, or what was posted).
func (s *Server) renderPreferences(c echo.Context, status int, prof notify.Profile, chosen map[notify.Kind][]notify.Channel,
	consent bool, edit func(*views.PreferencesPage)) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	topics, err := s.deps.Catalogue.Topics(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	l := ch.L
	ch.Title = ch.T("contacts.preferences.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("personal.heading"), URL: "/area-personale"},
		{Label: ch.T("contacts.heading"), URL: contactsPath}, {Label: ch.T("contacts.preferences.heading")}}
	page := views.PreferencesPage{
		BackURL: contactsPath,
		Consent: views.ConsentBox{Text: l.T(notify.ConsentNewsKey), Checked: consent},
	}
	channels := []notify.Channel{notify.ChannelEmail, notify.ChannelSMS, notify.ChannelIO}
	for _, k := range notify.Kinds {
		kc := views.KindChoice{Kind: string(k), Legend: l.T("contacts.kind." + string(k))}
		for n := 1; n <= positions; n++ {
			sel := views.PositionSelect{ID: positionID(k, n), Name: positionName(k, n), Label: l.T("contacts.position", "n", n)}
			current := notify.Channel("")
			if n <= len(chosen[k]) {
				current = chosen[k][n-1]
			}
			sel.Options = append(sel.Options, views.Choice{Value: "", Label: l.T("contacts.position.none"), Selected: current == ""})
			for _, option := range channels {
				sel.Options = append(sel.Options, views.Choice{Value: string(option), Label: l.T("contacts.channel." + string(option)),
					Selected: current == option, Disabled: !prof.Usable(option) && current != option})
			}
			kc.Positions = append(kc.Positions, sel)
		}
		for _, option := range channels {
			if !prof.Usable(option) {
				kc.Unavailable = append(kc.Unavailable, l.T("contacts.unavailable."+string(option)))
			}
		}
		page.Kinds = append(page.Kinds, kc)
	}
	page.TopicsNone = len(topics) == 0
	for _, tp := range topics {
		followed := false
		for _, slug := range prof.Topics {
			followed = followed || slug == tp.Slug
		}
		page.Topics = append(page.Topics, views.Choice{Value: tp.Slug, Label: tp.Name.In(l.Lang), Selected: followed})
	}
	for _, cs := range prof.Consents {
		row := views.ConsentRow{Date: l.DateTime(cs.At), ISO: isoTime(cs.At), Purpose: l.T("contacts.consent.purpose." + cs.Purpose),
			Text: cs.Text, Granted: cs.Granted, Decision: l.T("contacts.consent.withdrawn")}
		if cs.Granted {
			row.Decision = l.T("contacts.consent.granted")
		}
		page.History = append(page.History, row)
	}
	if edit != nil {
		edit(&page)
	}
	return s.render(c, status, views.Preferences(ch, page))
}

func (s *Server) renderContactLink(c echo.Context, status int, headingKey, messageKey, back string) error {
	ch := s.chrome(c, "")
	ch.Title = ch.T(headingKey)
	ch.Feedback = nil
	return s.render(c, status, views.ContactLink(ch, views.ContactLinkPage{Heading: ch.T(headingKey), Message: ch.T(messageKey), BackURL: back}))
}

// unsubscribePage asks to confirm the unsubscription (or, after it,
// ?fatto=1, says it is done); an unknown token gets a clear page (404) and
// changes nothing.
func (s *Server) unsubscribePage(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	token := c.Param("token")
	if _, err := s.deps.Contacts.UnsubscribeLanguage(c.Request().Context(), t.ID, token); err != nil {
		return s.unsubscribeRefused(c, err)
	}
	return s.renderUnsubscribe(c, token, c.QueryParam("fatto") == "1")
}

// unsubscribe stops all news for the token's person and records the
// withdrawal with the text the page showed.
func (s *Server) unsubscribe(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	token := c.Param("token")
	l := s.localizer(c)
	if err := s.deps.Contacts.Unsubscribe(c.Request().Context(), t.ID, token, l.T(notify.ConsentUnsubscribeKey), l.Lang); err != nil {
		return s.unsubscribeRefused(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/disiscrizione/"+url.PathEscape(token)+"?fatto=1")
}

func (s *Server) unsubscribeRefused(c echo.Context, err error) error {
	if errors.Is(err, notify.ErrUnsubscribeBad) {
		return s.renderContactLink(c, http.StatusNotFound, "contacts.unsubscribe.invalid.heading", "contacts.unsubscribe.invalid.text", "/area-personale")
	}
	return err
}

func (s *Server) renderUnsubscribe(c echo.Context, token string, done bool) error {
	ch := s.chrome(c, "")
	ch.Title = ch.T("contacts.unsubscribe.heading")
	ch.Feedback = nil
	return s.render(c, http.StatusOK, views.Unsubscribe(ch, views.UnsubscribePage{
		Action: "/disiscrizione/" + url.PathEscape(token), Text: ch.T(notify.ConsentUnsubscribeKey), Done: done,
	}))
}
