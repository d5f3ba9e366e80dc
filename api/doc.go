// Package api is the HTTP API of `auditdeck serve`: the routes of the four
// seed documents over one core.Engine, with their request and response
// shapes. New builds the handler, NewServer the http.Server around it
// (timeouts, header limit); the caller listens and shuts down.
//
// Routes (permission in brackets; GET /openapi.json describes them all):
//
//	GET    /openapi.json                        OpenAPI 3.0 document [no token]
//	GET    /activities                          Cloudlock page {limit, offset, total, results, items} [read]
//	                                            event_type, ids, created_after, limit (50, at most 1000),
//	                                            offset, filter (DSL), order (query_order; - also descends)
//	GET    /api/v2/activities                   the same, under the base Cloudlock's clients call [read]
//	PATCH  /activities/{id}/triage              {state, note} -> the activity [triage]
//	POST   /reports/downloads                   Clumio {file_name, filter, type} -> 202 {task_id, _links} [export]
//	GET    /reports/downloads                   finished, unexpired files; limit, start, filter [read]
//	GET    /tasks                               the caller's tasks; limit, start (page), filter [read]
//	GET    /tasks/{task_id}                     status, progress, record_total_num, files, download link [read]
//	PATCH  /tasks/{task_id}                     {"status":"aborted"} aborts, as DELETE [export]
//	DELETE /tasks/{task_id}                     aborts; a finished task is a 409 [export]
//	GET    /api/v2/report                       Fudo generated reports [read]
//	POST   /api/v2/report                       {criteria:[{field,value}]} -> {"report":{"id"},"result":"success"} [export]
//	DELETE /api/v2/report/{id}                  the report and its files [export]
//	GET    /api/v2/report/{id}/{format}         the file, streamed: csv, pdf, html, and the task's other formats [read]
//	GET    /api/v2/report/defined               predefined and own definitions [read]
//	POST   /api/v2/report/defined               {title, type, query_filter, query_order, columns} [manage]
//	PATCH  /api/v2/report/defined/{id}          partial update; predefined ones are a 409 [manage]
//	DELETE /api/v2/report/defined/{id}          409 listing its subscriptions unless ?force=true deletes them too [manage]
//	GET    /api/v2/report/subscription          own subscriptions, last_run with its webhook delivery [read]
//	POST   /api/v2/report/subscription          {period, defined_report_id, time_zone, formats, user_id} [manage]
//	                                            user_id: another user, admins only (403 otherwise); an
//	                                            audit report only for a user who is an admin (403)
//	DELETE /api/v2/report/subscription/{id}     [manage]
//	POST   /v5/{project_id}/event/export        HSS export, body [[field, label], ...] -> {record_total_num, task_id} [export]
//
// Roles: viewer has read and export, operator adds triage and manage, admin
// everything and everyone's objects. A user sees, downloads and deletes
// only their own tasks, reports and subscriptions (admins all); another
// user's object answers 404, as if it did not exist, so ids cannot be
// probed. Predefined reports are read-only for everyone: changing or
// deleting one is a 409 (a conflict with the object's state, not a lack of
// rights). The audit report type (every user's actions and addresses) is
// exported, generated and subscribed to by admins only: others get a 403.
// A new task past the user's limit of queued and running tasks is a 429
// with Retry-After; below the export disk's free-space floor it is a 507
// (Insufficient Storage: the server's condition, not the request's).
//
// Tokens come in any of the seeds' three forms: "Authorization: Bearer T"
// (Clumio), "Authorization: T" (Fudo) and "X-Auth-Token: T" (HSS); an
// X-Auth-Token beside an Authorization signature of another scheme (the
// AK/SK signature of Huawei's SDKs) is the token used. Every error, 401 to
// 503, is {"errors":[{"error_code":STATUS,"error_message":"..."}]}, with
// WWW-Authenticate on a 401 and Allow on a 405; under /v5/ it also carries
// Huawei's top-level "error_code":"HSS.0400" and "error_msg". Every
// response has a random X-Request-Id. Bodies are read as JSON when sent
// as application/json, application/*+json (vendor types), text/plain (the
// Clumio Go SDK) or with no Content-Type; another type is a 415, a body
// that is not JSON a 400. Bodies stay within Options.MaxBodyBytes (413),
// with no unknown fields, wrong types or trailing data (400 naming the
// field); unknown query parameters are a 400 too. Filter errors name their
// position.
//
// Predefined reports. defined_report_id 5 to 16 are the Fudo seed's table
// with its titles. Fudo reports on privileged sessions to servers and
// accounts kept in safes; auditdeck has activity events of SaaS users
// (Cloudlock) and the audit log of its own operators, so each is defined
// over the nearest thing we store:
//
//	 5 System report                    audit: every operator action (sessions, triage, definitions,
//	                                    subscriptions, exports, tokens)
//	 6 Account access report            activity: every login, one row each (account = user.user_email,
//	                                    vendor, service, IP, country, authentication, outcome)
//	 7 Safe access report               activity: logins grouped by vendor.name (the tenant holding the
//	                                    services): logins, failed, suspicious, accounts, services, last
//	 8 Server access report             activity: logins grouped by vendor.name, vendor.service (the
//	                                    service logged in to): logins, failed, accounts, IPs, last
//	 9 Session approvals by user        activity: triaged events grouped by triage.by (the approving
//	                                    operator): decisions, reviewed, escalated, dismissed, users
//	10 Session sharing invites by user  audit: actions that hand data out: export.create, report.create,
//	                                    subscription.create, webhook.deliver, token created
//	11 Session summary                  audit: dashboard sessions, session.start and session.end (who,
//	                                    from where, key fingerprint)
//	12 Sessions by server report        activity: every event grouped by vendor.name, vendor.service:
//	                                    events, failures, suspicious, users, first, last
//	13 User access report               activity: logins grouped by user.user_email: logins, failed,
//	                                    suspicious, distinct IPs, countries, last login
//	14 User activity report             activity: every event grouped by user.user_email, event_type:
//	                                    events, failures, services, first, last
//	15 User privilege report            activity: privilege and settings changes (event_type
//	                                    user_settings), one row each
//	16 User report                      activity: one row per user: events, logins, failures,
//	                                    suspicious, IPs, countries, first and last seen
//
// auditdeck's own predefined reports follow from 17 (Login activity,
// Failed logins, ... Ingestion consumption); stores made when they were
// 5-15 have their subscriptions and tasks moved to the same reports at
// 17-27 on the first open (core.Engine.InstallPredefined).
//
// The Clumio routes (/reports/downloads, /tasks) speak the Clumio SDK's
// task model: statuses queued, in_progress, completed, failed, aborted,
// with is_abortable, category (report_generation), genre, _etag and
// primary_entity, and answer with the vendor Content-Type their Accept
// asks for (application/api.clumio.tasks=v1+json). The Fudo routes keep
// the engine's names (queued, running, succeeded, failed, canceled).
//
// The seeds' own examples speak of other products' data (Fudo sessions
// and "system" reports, HSS asset columns, Clumio's placeholder filter
// "string"); sent verbatim they are answered with a 400 that names the
// unknown field, type or position. The same requests over activity fields
// answer with the seeds' shapes.
//
// HSS "Mandatory" marks: project_id (path) is required and checked (1-256
// letters, digits, '_' or '-'; there is one project, so any id reaches it);
// X-Auth-Token is required like every token; the column list body is
// required and must hold at least one [field, label]. category and event_id
// are marked mandatory in the seed but are optional here: an export of
// every category must be possible, and event_id (a "case code") would cut
// an export down to one event; when given, category filters
// event_category and event_id selects that event. HSS filters with no
// counterpart in activity events (host_name, severity, att_ck, ...) are a
// 400 when non-empty rather than ignored, so an export never holds more
// than asked; offset and limit are HSS list paging, checked and ignored;
// export_size caps the rows.
package api
