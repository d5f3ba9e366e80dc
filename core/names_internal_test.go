package core

import (
	"strings"
	"testing"
)

func TestReportFileTitleIsAlwaysAValidName(t *testing.T) {
	for _, title := range []string{"Logins v1..v2", "東京 ログイン", strings.Repeat("long title ", 20), "../../etc/passwd", " .hidden", "a\x1b[2Jb", ""} {
		name := reportFileTitle(title) + " 2026-11-01 r123-456"
		if _, err := ValidateFileName(name); err != nil || len(name) > 128 {
			t.Errorf("%q -> %q: %v", title, name, err)
		}
	}
	if _, err := ValidateFileName("q.manifest"); err == nil {
		t.Error(`"q.manifest" accepted: it would collide with the manifest of "q"`)
	}
}
