package sshserve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditdeck/auditdeck/core/access"
	gossh "golang.org/x/crypto/ssh"
)

// TestHostKey: generated with mode 0600 on first start, the same key on the
// next, refused when group or others can read it or when it is not a key.
func TestHostKey(t *testing.T) {
	eng := newEngine(t)
	users := access.NewDirectory(&access.Users{})
	path := filepath.Join(t.TempDir(), "data", "ssh_host_ed25519_key")
	first, err := New(Options{Engine: eng, Users: users, HostKeyPath: path})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", fi.Mode().Perm())
	}
	if first.HostKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key type %s", first.HostKey().Type())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the data directory holds %d files, want the key alone", len(entries))
	}
	again, err := New(Options{Engine: eng, Users: users, HostKeyPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if gossh.FingerprintSHA256(again.HostKey()) != gossh.FingerprintSHA256(first.HostKey()) {
		t.Error("a second start made a new host key")
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Engine: eng, Users: users, HostKeyPath: path})
	if err == nil || !strings.Contains(err.Error(), "mode 0644 lets group or others read it; run chmod 600 "+path) {
		t.Errorf("a world-readable key: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "not-a-key")
	if err := os.WriteFile(bad, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Engine: eng, Users: users, HostKeyPath: bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a file that is not a key: %v", err)
	}
	if _, err := New(Options{Engine: eng, Users: users, HostKeyPath: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory as the key: %v", err)
	}
}

func TestOptionsChecked(t *testing.T) {
	eng := newEngine(t)
	users := access.NewDirectory(&access.Users{})
	key := filepath.Join(t.TempDir(), "k")
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Users: users, HostKeyPath: key}, "no engine"},
		{Options{Engine: eng, HostKeyPath: key}, "no users directory"},
		{Options{Engine: eng, Users: users}, "no host key path"},
		{Options{Engine: eng, Users: users, HostKeyPath: key, IdleTimeout: -1}, "idle timeout -1ns is negative"},
		{Options{Engine: eng, Users: users, HostKeyPath: key, MaxSessions: -2}, "maximum sessions -2 is negative"},
	} {
		if _, err := New(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	s, err := New(Options{Engine: eng, Users: users, HostKeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.IdleTimeout != DefaultIdleTimeout || s.opts.MaxTimeout != DefaultMaxTimeout || s.opts.MaxSessions != DefaultMaxSessions ||
		s.opts.ConnectionsPerMinute != DefaultConnectionsPerMinute || s.opts.LoginTimeout != DefaultLoginTimeout {
		t.Errorf("defaults: %+v", s.opts)
	}
}
