// Package insight is what a comune learns from its own records, read-only:
// the office managers' dashboards (applications by status, share decided on
// time, median processing time per service), the public processing-time
// page that Italian transparency law asks of every comune (art. 35 of
// d.lgs. 33/2013: the time each procedure takes), the comune admin's
// search of the audit log, and the comune admin's view of the comune's
// background jobs, with the one write this package makes: retrying a
// failed job.
//
// Every call runs in the comune's tenant transaction. Who may see what is
// decided here, from the staff list read in that same transaction
// (applications.LoadScope), not from what the request says: the audit log
// and the jobs are for comune admins only, a dashboard for office managers
// (their offices) and admins (every office); anyone else gets
// applications.ErrForbidden. The public page needs no one.
//
// River's job table belongs to the platform, not to a comune, so row-level
// security does not guard it: every query here names the comune's id in
// the job's arguments (every Civica job carries tenant_id), and a job of
// another comune is db.ErrNotFound.
//
// Time spans are measured in calendar days from submission to decision
// (accepted or rejected; withdrawn and cancelled applications are no
// decision), over the twelve months before now; "on time" means decided on
// or before the due date, as a civil date in Europe/Rome. Applications
// without a due date count in the times but not in the on-time share.
package insight
