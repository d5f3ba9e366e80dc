package render

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDump writes one sample file per format to $RENDER_DUMP, for a look.
func TestDump(t *testing.T) {
	dir := os.Getenv("RENDER_DUMP")
	if dir == "" {
		t.Skip("set RENDER_DUMP=dir to write sample reports")
	}
	meta := testMeta(300)
	meta.RowLimit = 300
	for _, f := range Formats {
		rows := testRows(300)
		if f == "ndjson" || f == "json" {
			rows = jsonRows(300)
		}
		if err := os.WriteFile(filepath.Join(dir, "sample"+Extension(f)), write(t, f, meta, rows), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
