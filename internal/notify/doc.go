// Package notify is how a comune reaches people: the in-app inbox (always,
// shown in the personal area), and email, SMS and App IO as each person
// chose (reach.go: ReachOf reads their verified addresses and the channels
// they picked for each kind of message, in fallback order).
//
// Notify (delivery.go) is called inside the transaction of what it tells
// about: it writes the inbox, renders the comune's template for the event,
// channel and language (templates.go; built-in defaults in templates/,
// a comune's own versions in message_templates), and records one delivery
// for the first channel with its send job. The job sends outside any
// transaction and records the outcome: temporary failures retry with
// backoff for a day, permanent ones fall back to the next channel. An
// idempotency key per message and channel, and a row that is never sent
// again once it left, keep anything from being sent twice.
//
// Channels (channels.go) are senders behind one interface: SMTP (smtp.go),
// an SMS provider's HTTP API and App IO (sms.go, appio.go), each with a
// sandbox that enforces the real rules for development and tests. With no
// SMTP server configured, development keeps messages in an outbox page.
//
// The contact profile (contacts.go) verifies email by a link and mobile
// numbers by a code, and records every consent with the text shown.
package notify
