// Package applications is the life of an online application (a *pratica*,
// the Italian administrative word for a case a citizen opens with the
// comune): the draft a citizen fills step by step with a service's form,
// its submission, its registration in the comune's *protocollo* (the legal
// register of incoming and outgoing documents, which gives it a number and
// a date), the clerk's work on it, the legal deadline, and its outcome.
//
// Every change of state goes through one function, transition (lifecycle.go):
// it checks who may move the application from which state, writes one
// timeline event and enqueues the jobs that follow (notify the citizen,
// register in the protocol, render the receipt) in the same tenant
// transaction, so a committed change always has its event and its jobs and
// a rolled-back one has neither.
//
// What lives elsewhere: the form engine (internal/forms), the working-day
// calendar (internal/workdays), the PDF (internal/receipt), file checks
// (internal/attachments). Nothing here knows about HTTP or templates.
package applications
