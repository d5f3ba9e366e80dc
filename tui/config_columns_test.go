package tui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSaveColumnsKeepsTheFile replaces or adds the columns key and leaves
// every other line, comments included, as it was.
func TestSaveColumnsKeepsTheFile(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"added", "# top\nkeys:\n  quit: [\"q\"] # q quits\n", "# top\nkeys:\n  quit: [\"q\"] # q quits\ncolumns:\n  - created_at\n  - raw.actor.email\n"},
		{"added without a final newline", "theme:\n  accent: \"#FF8800\"", "theme:\n  accent: \"#FF8800\"\ncolumns:\n  - created_at\n  - raw.actor.email\n"},
		{"replaced in the middle", "# cols\ncolumns:\n  - event_type # old\n  - client_ip\n\n# the filters\nsaved_filters:\n  - name: A\n    filter: event_type.eq(login)\n",
			"# cols\ncolumns:\n  - created_at\n  - raw.actor.email\n\n# the filters\nsaved_filters:\n  - name: A\n    filter: event_type.eq(login)\n"},
		{"replaced flow style", "columns: [event_type, client_ip]\nkeys:\n  quit: [\"q\"]\n", "columns:\n  - created_at\n  - raw.actor.email\nkeys:\n  quit: [\"q\"]\n"},
		{"replaced at column 0", "columns:\n- event_type\n- client_ip\n# end\n", "columns:\n  - created_at\n  - raw.actor.email\n# end\n"},
		{"new file", "", "columns:\n  - created_at\n  - raw.actor.email\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "sub", "config.yaml")
			if c.in != "" {
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(c.in), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			if err := SaveColumns(p, []string{"created_at", "raw.actor.email"}); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != c.want {
				t.Fatalf("file:\n%s\nwant:\n%s", b, c.want)
			}
			cfg, err := LoadConfig(p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Columns, []string{"created_at", "raw.actor.email"}) {
				t.Fatalf("read back %v", cfg.Columns)
			}
			fi, _ := os.Stat(p)
			if want := os.FileMode(0o640); c.in == "" {
				if fi.Mode().Perm() != 0o600 {
					t.Fatalf("new file mode %v", fi.Mode())
				}
			} else if fi.Mode().Perm() != want {
				t.Fatalf("mode %v, want %v", fi.Mode(), want)
			}
			// No temporary file is left beside it.
			ents, _ := os.ReadDir(filepath.Dir(p))
			if len(ents) != 1 {
				t.Fatalf("directory holds %d files", len(ents))
			}
		})
	}
}

func TestSaveColumnsRefuses(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("keys: [1, 2\n"), 0o600)
	if err := SaveColumns(bad, []string{"created_at"}); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Fatalf("unparsable file: %v", err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "keys: [1, 2\n" {
		t.Fatalf("file changed: %q", b)
	}
	flow := filepath.Join(dir, "flow.yaml")
	os.WriteFile(flow, []byte("{keys: {quit: [q]}, columns: [a]}\n"), 0o600)
	if err := SaveColumns(flow, []string{"created_at"}); err == nil || !strings.Contains(err.Error(), "cannot be edited safely") {
		t.Fatalf("flow mapping: %v", err)
	}
	if err := SaveColumns(filepath.Join(dir, "x.yaml"), []string{"created_at", "created_at"}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("duplicate: %v", err)
	}
	if err := SaveColumns(filepath.Join(dir, "x.yaml"), []string{"no_such_field"}); err == nil {
		t.Fatal("unknown field saved")
	}
	if _, err := LoadConfig(writeConfig(t, "columns:\n  - created_at\n  - bogus_field\n")); err == nil || !strings.Contains(err.Error(), "line 1: columns: [1] \"bogus_field\"") {
		t.Fatalf("config with a bad column: %v", err)
	}
}

func TestUserStateFile(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]string{}
	for _, u := range []string{"alice", "../../etc/passwd", "a/b", "a_b", "", ".", "..", strings.Repeat("x", 300), "émile"} {
		p := UserStateFile(dir, u)
		if filepath.Dir(p) != dir || strings.HasPrefix(filepath.Base(p), ".") {
			t.Fatalf("%q: file %s leaves %s", u, p, dir)
		}
		if o, ok := seen[p]; ok {
			t.Fatalf("%q and %q share %s", u, o, p)
		}
		seen[p] = u
	}
	p := UserStateFile(dir, "alice")
	if cols, err := LoadUserColumns(p); err != nil || cols != nil {
		t.Fatalf("missing file: %v %v", cols, err)
	}
	if err := SaveColumns(p, []string{"event_type", "raw.x"}); err != nil {
		t.Fatal(err)
	}
	if cols, err := LoadUserColumns(p); err != nil || !slices.Equal(cols, []string{"event_type", "raw.x"}) {
		t.Fatalf("read back: %v %v", cols, err)
	}
}

// TestSaveColumnsThroughSymlink: a config file that is a symlink (a
// dotfiles checkout) stays a symlink; the file it names gets the columns.
// A user state file is the server's own, so a symlink put in its place is
// replaced, never followed.
func TestSaveColumnsThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "auditdeck.yaml")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("# mine\nkeys:\n  quit: [\"q\"]\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../dotfiles/auditdeck.yaml", link); err != nil {
		t.Fatal(err)
	}
	if err := SaveColumns(link, []string{"created_at"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the config symlink was replaced: %v %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(target)
	if want := "# mine\nkeys:\n  quit: [\"q\"]\ncolumns:\n  - created_at\n"; string(b) != want {
		t.Fatalf("target:\n%s\nwant:\n%s", b, want)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Fatalf("target mode %v", fi.Mode())
	}
	if ents, _ := os.ReadDir(filepath.Dir(link)); len(ents) != 1 {
		t.Fatalf("a temporary file was left beside the link: %d files", len(ents))
	}

	state := filepath.Join(dir, "ssh-users")
	os.MkdirAll(state, 0o700)
	p := UserStateFile(state, "alice")
	victim := filepath.Join(dir, "victim.yaml")
	os.WriteFile(victim, []byte("keys:\n  quit: [\"q\"]\n"), 0o600)
	if err := os.Symlink(victim, p); err != nil {
		t.Fatal(err)
	}
	if err := SaveUserColumns(p, []string{"event_type"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keys:\n  quit: [\"q\"]\n" {
		t.Fatalf("the state file's symlink was followed: %q", b)
	}
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("state file: %v %v", fi, err)
	}
	if cols, err := LoadUserColumns(p); err != nil || !slices.Equal(cols, []string{"event_type"}) {
		t.Fatalf("read back %v %v", cols, err)
	}
}
