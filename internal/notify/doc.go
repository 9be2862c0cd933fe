// Package notify is how a comune reaches people. For now it holds the in-app
// inbox (always available, shown in the personal area) and the welcome
// message written by a job at a citizen's first login; channels (email, SMS,
// App IO), preferences and templates join it later.
package notify
