// Package desk is the clerk's side of applications that is not one
// application: the work queue of the digital desk (scrivania digitale),
// its filters, counters and keyset pages, and each clerk's saved filters.
//
// What a clerk may see is never decided here from what the request says:
// every call reads the clerk's scope (applications.LoadScope) in its own
// tenant transaction, and the queue's SQL names the clerk's offices, so an
// application of another office is never read, not read and then dropped.
// Drafts are the citizen's own and never appear in the queue.
//
// Actions on applications (take in charge, assign, decide) live in
// internal/applications; this package only reads applications, and writes
// nothing but saved filters.
//
// A filter travels as a query string (the queue is a plain GET form that
// works without JavaScript), in Italian like the site's paths: ParseFilter
// and Filter.Query are the two directions, and a saved filter is that query
// string with a name. Protocollo (the comune's register of incoming
// documents) and codice fiscale keep their Italian names.
package desk
