package tui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/goccy/go-yaml"
)

// MaxColumns bounds the Activities table's columns: more than a terminal
// shows is a config typo, not a wish.
const MaxColumns = 32

// ValidateColumns checks a column list: every entry a field path the
// activity schema knows (raw.* and the other open objects take any path),
// none twice.
func ValidateColumns(cols []string) error {
	if len(cols) > MaxColumns {
		return fmt.Errorf("%d columns: at most %d", len(cols), MaxColumns)
	}
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		if _, err := core.ActivitySchema.Lookup(c); err != nil {
			return fmt.Errorf("[%d] %q: %s", i, c, strings.TrimPrefix(err.Error(), "filter: "))
		}
		if seen[c] {
			return fmt.Errorf("[%d] %q: listed twice", i, c)
		}
		seen[c] = true
	}
	return nil
}

// SaveColumns writes the columns key of the YAML config at path and leaves
// the rest of the file as the user wrote it: only the lines of the
// top-level columns key are replaced (or the key is appended), so comments,
// order and formatting elsewhere survive. The file is replaced atomically
// (a temporary file in the same directory, synced, then renamed), so a
// crash leaves the old file or the new one, never half of one. A missing
// file (and its directory) is created.
func SaveColumns(path string, cols []string) error {
	if path == "" {
		return errors.New("save columns: no config file")
	}
	if err := ValidateColumns(cols); err != nil {
		return fmt.Errorf("save columns: %w", err)
	}
	// A config that is a symlink (into a dotfiles checkout, say) stays
	// one: the file it names is the one replaced, not the link.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("save columns to %s: %w", path, err)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("save columns to %s: %w", path, err)
	}
	var before Config
	if len(bytes.TrimSpace(old)) > 0 {
		if err := yaml.Unmarshal(old, &before); err != nil {
			return fmt.Errorf("save columns to %s: the file does not parse, so it is left alone: %s", path, yaml.FormatError(err, false, false))
		}
	}
	out := replaceColumnsKey(old, cols)
	// The edit is line-based; check that it changed the columns and
	// nothing else before the file is replaced.
	var after Config
	if err := yaml.Unmarshal(out, &after); err != nil || !slices.Equal(after.Columns, cols) ||
		fmt.Sprint(before.Keys, before.Theme, before.SavedFilters) != fmt.Sprint(after.Keys, after.Theme, after.SavedFilters) {
		return fmt.Errorf("save columns to %s: the file's layout (a flow mapping or several documents?) cannot be edited safely; add the columns key by hand", path)
	}
	if err := writeFileAtomic(path, out); err != nil {
		return fmt.Errorf("save columns to %s: %w", path, err)
	}
	return nil
}

// replaceColumnsKey returns src with its top-level columns key set to
// cols: the key's line and the value lines under it are replaced, blank and
// comment lines at the end of the old block (which belong to what
// follows) are kept; without the key, it is appended.
func replaceColumnsKey(src []byte, cols []string) []byte {
	block := renderColumns(cols)
	lines := strings.SplitAfter(string(src), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	start := -1
	for i, l := range lines {
		if isColumnsKey(l) {
			start = i
			break
		}
	}
	if start < 0 {
		var b strings.Builder
		b.Write(src)
		if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
			b.WriteByte('\n')
		}
		b.WriteString(block)
		return []byte(b.String())
	}
	end := start + 1
	for end < len(lines) && continuesBlock(lines[end]) {
		end++
	}
	// Trailing blank and comment lines stay: they introduce the next key.
	for end > start+1 {
		t := strings.TrimSpace(lines[end-1])
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		end--
	}
	var b strings.Builder
	for _, l := range lines[:start] {
		b.WriteString(l)
	}
	b.WriteString(block)
	for _, l := range lines[end:] {
		b.WriteString(l)
	}
	return []byte(b.String())
}

func isColumnsKey(line string) bool {
	rest, ok := strings.CutPrefix(line, "columns")
	if !ok {
		rest, ok = strings.CutPrefix(line, `"columns"`)
	}
	return ok && strings.HasPrefix(strings.TrimLeft(rest, " \t"), ":")
}

// continuesBlock reports whether a line belongs to the value of the
// top-level key above it: indented, blank, a comment, or a sequence item
// written at column 0.
func continuesBlock(line string) bool {
	t := strings.TrimRight(line, "\r\n")
	return t == "" || t[0] == ' ' || t[0] == '\t' || t[0] == '#' || t[0] == '-' && (len(t) == 1 || t[1] == ' ') && !strings.HasPrefix(t, "---")
}

func renderColumns(cols []string) string {
	if len(cols) == 0 {
		return "columns: []\n"
	}
	var b strings.Builder
	b.WriteString("columns:\n")
	for _, c := range cols {
		b.WriteString("  - ")
		b.WriteString(yamlScalar(c))
		b.WriteByte('\n')
	}
	return b.String()
}

// yamlScalar writes a field path plain when YAML reads it back as the same
// string, else double-quoted.
func yamlScalar(s string) string {
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c == '.' || c == '-' || c >= '0' && c <= '9')
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		plain = false
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// writeFileAtomic replaces path with data: a temporary file beside it,
// synced, renamed over it, keeping the old file's mode (0600 for a new one).
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	mode := os.FileMode(0o600)
	// Lstat: a symlink's mode is not the file's, and the link is replaced.
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename's durability; an error here loses nothing written
		d.Close()
	}
	return nil
}

// UserStateFile is the file under dir that keeps one SSH user's dashboard
// state (their columns). The name comes from the server's users directory,
// never from a path the client sent; still, only letters, digits, "-" and
// "_" are kept, and a hash of the whole name keeps two names that clean to
// the same text apart, so the file cannot leave dir.
func UserStateFile(dir, user string) string {
	var b strings.Builder
	for _, r := range user {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 48 {
			break
		}
	}
	sum := sha256.Sum256([]byte(user))
	return filepath.Join(dir, b.String()+"-"+hex.EncodeToString(sum[:4])+".yaml")
}

// SaveUserColumns writes a user state file: it holds the columns alone, so
// it is written whole, and the server's directory is its own, so whatever
// is at path (a symlink put there included) is replaced, never followed or
// read.
func SaveUserColumns(path string, cols []string) error {
	if err := ValidateColumns(cols); err != nil {
		return fmt.Errorf("save user state: %w", err)
	}
	if err := writeFileAtomic(path, []byte(renderColumns(cols))); err != nil {
		return fmt.Errorf("save user state %s: %w", path, err)
	}
	return nil
}

// LoadUserColumns reads the columns of a user state file; a missing file
// is no columns.
func LoadUserColumns(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("user state %s: %w", path, err)
	}
	var c struct {
		Columns []string `yaml:"columns"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("user state %s: %s", path, yaml.FormatError(err, false, false))
	}
	if err := ValidateColumns(c.Columns); err != nil {
		return nil, fmt.Errorf("user state %s: columns: %w", path, err)
	}
	return c.Columns, nil
}
