package access_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/auditdeck/auditdeck/store"
	"golang.org/x/crypto/ssh"
)

func newKey(t *testing.T) (ssh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

func TestRolesAreOrdered(t *testing.T) {
	want := map[access.Role][]access.Permission{
		access.Viewer:   {access.Read, access.Export},
		access.Operator: {access.Read, access.Export, access.Triage, access.Manage},
		access.Admin:    {access.Read, access.Export, access.Triage, access.Manage, access.Administer},
	}
	for role, perms := range want {
		for p := access.Read; p <= access.Administer; p++ {
			has := false
			for _, q := range perms {
				has = has || q == p
			}
			if role.Can(p) != has {
				t.Errorf("%s.Can(%s) = %v", role, p, !has)
			}
		}
	}
	if access.Role("root").Can(access.Read) {
		t.Error("an unknown role may read")
	}
	if _, err := access.ParseRole("superuser"); err == nil {
		t.Error("ParseRole accepted superuser")
	}
	p := access.Principal{User: "vic", Role: access.Viewer}
	if a := p.Actor(); a.Admin || a.User != "vic" {
		t.Errorf("viewer actor %+v", a)
	}
	if !errors.Is(p.Forbidden(access.Triage), core.ErrForbidden) {
		t.Error("Forbidden does not wrap core.ErrForbidden")
	}
}

func TestParseUsers(t *testing.T) {
	ka, la := newKey(t)
	kb, lb := newKey(t)
	unknown, _ := newKey(t)
	doc := "users:\n  - name: alice\n    role: admin\n    keys: [\"" + la + " alice@laptop\"]\n  - name: bob\n    role: viewer\n    keys:\n      - " + lb + "\n"
	u, err := access.ParseUsers("users.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if usr, ok := u.ByKey(ka); !ok || usr.Name != "alice" || usr.Role != access.Admin {
		t.Errorf("alice's key: %+v %v", usr, ok)
	}
	if usr, ok := u.ByKey(kb); !ok || usr.Name != "bob" || usr.Role != access.Viewer {
		t.Errorf("bob's key: %+v %v", usr, ok)
	}
	if _, ok := u.ByKey(unknown); ok {
		t.Error("an unknown key found a user")
	}
	if got := strings.Join(u.Names(), ","); got != "alice,bob" {
		t.Errorf("names %s", got)
	}
	// A user's time zone reaches the engine's actor (their exports' zone).
	zoned, err := access.ParseUsers("users.yaml", []byte("users:\n  - name: carol\n    role: operator\n    time_zone: Europe/Berlin\n"))
	if err != nil {
		t.Fatal(err)
	}
	if usr, _ := zoned.Lookup("carol"); usr.Zone != "Europe/Berlin" {
		t.Errorf("carol's zone %q", usr.Zone)
	}
	if a := (access.Principal{User: "carol", Role: access.Operator, Zone: "Europe/Berlin"}).Actor(); a.Zone != "Europe/Berlin" {
		t.Errorf("actor zone %q", a.Zone)
	}
	bad := []struct{ doc, want string }{
		{"users:\n  - name: alice\n    role: root\n", "users[0].role (line 3, column 11): unknown role \"root\""},
		{"users:\n  - name: alice\n    role: admin\n    keys: [\"ssh-ed25519 notbase64\"]\n", "users[0].keys[0] (line 4, column"},
		{"users:\n  - name: alice\n    role: admin\n  - name: alice\n    role: viewer\n", "alice is listed twice"},
		{"users:\n  - name: \"al\\u001bice\"\n    role: admin\n", "users[0].name"},
		{"users:\n  - name: alice\n    role: admin\n    colour: red\n", "colour"},
		{"users:\n  - name: a\n    role: admin\n    keys: [\"" + la + "\"]\n  - name: b\n    role: admin\n    keys: [\"" + la + "\"]\n", "already belongs to a"},
		{"users: [\n", "users file"},
		{"users:\n  - name: alice\n    role: admin\n    time_zone: Mars/Olympus\n", "users[0].time_zone (line 4, column 16)"},
	}
	for _, c := range bad {
		_, err := access.ParseUsers("users.yaml", []byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.doc, err, c.want)
		}
	}
}

func TestDirectoryReloadKeepsOldOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(path, []byte("users:\n  - name: alice\n    role: operator\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := access.OpenDirectory(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("users:\n  - name: alice\n    role: wizard\n"), 0o600)
	if err := d.Reload(); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("reload of a broken file: %v", err)
	}
	if u, ok := d.Users().Lookup("alice"); !ok || u.Role != access.Operator {
		t.Fatalf("old users lost: %+v", u)
	}
	os.WriteFile(path, []byte("users:\n  - name: alice\n    role: viewer\n  - name: carol\n    role: admin\n"), 0o600)
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	if u, _ := d.Users().Lookup("alice"); u.Role != access.Viewer {
		t.Fatalf("reload did not apply: %+v", u)
	}
	if _, err := access.OpenDirectory(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Fatal("a missing users file opened")
	}
}

func TestTokens(t *testing.T) {
	s, err := store.Open(store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	eng := core.NewEngine(s, s, core.WithClock(func() time.Time { return now }))
	defer eng.Close()
	ctx := context.Background()
	toks := access.NewTokens(eng)
	admin := core.Actor{User: "root", Admin: true, From: "cli"}
	plain, rec, err := toks.Create(ctx, admin, access.TokenRequest{User: "alice", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, access.TokenPrefix) || len(plain) != 47 {
		t.Fatalf("token %q", plain)
	}
	got, err := toks.Verify(ctx, plain)
	if err != nil || got.ID != rec.ID || got.User != "alice" {
		t.Fatalf("verify: %+v %v", got, err)
	}
	// The store holds the digest only.
	list, err := toks.List(ctx)
	if err != nil || len(list) != 1 || strings.Contains(list[0].Digest, plain) || list[0].Digest == "" {
		t.Fatalf("list: %+v %v", list, err)
	}
	for _, bad := range []string{"", "adk_", plain[:len(plain)-1], plain + "x", strings.ToUpper(plain), "Bearer " + plain} {
		if _, err := toks.Verify(ctx, bad); !errors.Is(err, access.ErrUnauthorized) {
			t.Errorf("verify %q: %v", bad, err)
		}
	}
	// Roles come from the users file, capped by the token's own role.
	dir := filepath.Join(t.TempDir(), "users.yaml")
	os.WriteFile(dir, []byte("users:\n  - name: alice\n    role: admin\n"), 0o600)
	users, err := access.OpenDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := toks.Authenticate(ctx, users, plain, "api 127.0.0.1:1")
	if err != nil || p.Role != access.Admin || p.User != "alice" {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	capped, _, err := toks.Create(ctx, admin, access.TokenRequest{User: "alice", Role: access.Viewer})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := toks.Authenticate(ctx, users, capped, "api"); err != nil || p.Role != access.Viewer {
		t.Fatalf("capped token: %+v %v", p, err)
	}
	ghost, _, _ := toks.Create(ctx, admin, access.TokenRequest{User: "ghost"})
	if _, err := toks.Authenticate(ctx, users, ghost, "api"); !errors.Is(err, access.ErrUnauthorized) {
		t.Fatalf("a user missing from the users file authenticated: %v", err)
	}
	if p, err := toks.Authenticate(ctx, access.NewDirectory(nil), ghost, "api"); err != nil || p.Role != access.Viewer {
		t.Fatalf("without a users file a token is a viewer: %+v %v", p, err)
	}
	// Expiry and revocation.
	now = now.Add(time.Hour)
	if _, err := toks.Verify(ctx, plain); !errors.Is(err, access.ErrUnauthorized) {
		t.Fatalf("expired token verified: %v", err)
	}
	if err := toks.Revoke(ctx, admin, rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := toks.Revoke(ctx, admin, rec.ID); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
	if _, _, err := toks.Create(ctx, admin, access.TokenRequest{User: "bad user"}); err == nil {
		t.Fatal("a user name with a space got a token")
	}
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "12h": 12 * time.Hour, "": 0, "1h30m": 90 * time.Minute} {
		if got, err := access.ParseTTL(in); err != nil || got != want {
			t.Errorf("ParseTTL(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"-1h", "0d", "x", "99999d"} {
		if _, err := access.ParseTTL(in); err == nil {
			t.Errorf("ParseTTL(%q) accepted", in)
		}
	}
}
