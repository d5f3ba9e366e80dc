package reports

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core"
)

// auditTitles are the titles of the audit-type reports alice can list.
func auditTitles(t *testing.T, e *env) []string {
	t.Helper()
	rs, err := e.Eng.ListReports(context.Background(), e.Alice)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		if r.Type == core.TypeAudit {
			out = append(out, r.Title)
		}
	}
	if len(out) == 0 {
		t.Fatal("no audit report to check")
	}
	return out
}

// TestReportsAuditTrailForAdminsOnly: a non-admin (an operator here) is
// offered neither the audit reports nor the audit type in the form; an
// admin is offered both.
func TestReportsAuditTrailForAdminsOnly(t *testing.T) {
	e := newEnv(t, true)
	titles := auditTitles(t, e)
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "G")
	s := waitText(t, tm, "Ingestion consumption")
	for _, title := range titles {
		if strings.Contains(s, title) {
			t.Errorf("an operator is offered %q:\n%s", title, s)
		}
	}
	keys(tm, "c")
	waitText(t, tm, "New report")
	keys(tm, "tab") // to the type
	seen := map[string]bool{}
	for range 4 {
		s = waitText(t, tm, "◂ ")
		for _, typ := range []string{"activity", "audit", "consumption"} {
			if strings.Contains(s, "◂ "+typ+" ▸") {
				seen[typ] = true
			}
		}
		keys(tm, "right")
	}
	if seen["audit"] || !seen["activity"] || !seen["consumption"] {
		t.Errorf("types offered to an operator: %v", seen)
	}

	admin := newEnv(t, true)
	admin.Ctx.Actor.Admin = true
	tm = run(t, admin, New(admin.Ctx))
	waitText(t, tm, "Account access report")
	keys(tm, "G")
	waitText(t, tm, titles[len(titles)-1])
}

// TestReportsGenerateRefusedIsToast: a generation the engine refuses (the
// user's task limit here) shows as an error toast and in the form.
func TestReportsGenerateRefusedIsToast(t *testing.T) {
	e := newEnv(t, true)
	tr, err := e.Eng.StartTasks(core.TaskOptions{Dir: filepath.Join(t.TempDir(), "exports"), MaxActivePerUser: 1, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close() // the first task stays queued
	if _, err := tr.Submit(context.Background(), e.Alice, core.ExportRequest{Formats: []string{"csv"}, FileName: "first"}); err != nil {
		t.Fatal(err)
	}
	tm := run(t, e, New(e.Ctx))
	waitText(t, tm, "Account access report")
	toFailedLogins(tm)
	keys(tm, "g")
	waitText(t, tm, `Generate "Failed logins" now`)
	keys(tm, "enter")
	s := waitText(t, tm, "generate failed: too many tasks: alice has 1 queued")
	if !strings.Contains(s, `Generate "Failed logins" now`) {
		t.Errorf("the form closed on a refusal:\n%s", s)
	}
}
