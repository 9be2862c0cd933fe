package views

// DevOutboxPage is the development outbox: the messages a comune's
// portal would have sent, kept because no provider is configured.
type DevOutboxPage struct {
	Rows []DevOutboxRow
}

// DevOutboxRow is one kept message.
type DevOutboxRow struct {
	Channel string
	To      string
	Subject string
	Body    string
	At      string
}
