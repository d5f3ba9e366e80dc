package access

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/auditdeck/auditdeck/core/schedule"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
	"golang.org/x/crypto/ssh"
)

// User is one entry of the users file.
type User struct {
	Name string
	Role Role
	Keys []ssh.PublicKey
	// Zone is the IANA time zone the user's reports show times in ("":
	// UTC); a subscription's own zone still wins for its reports.
	Zone string
}

// Users is a parsed users file: who has which role and which SSH keys.
type Users struct {
	byName map[string]User
	byKey  map[[sha256.Size]byte]string // digest of the key's wire form -> user
	names  []string
}

type usersDoc struct {
	Users []struct {
		Name     string   `yaml:"name"`
		Role     string   `yaml:"role"`
		Keys     []string `yaml:"keys"`
		TimeZone string   `yaml:"time_zone"`
	} `yaml:"users"`
}

var userName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ParseUsers reads a users file:
//
//	users:
//	  - name: alice
//	    role: admin
//	    keys: ["ssh-ed25519 AAAA... alice@laptop"]
//	    time_zone: Europe/Berlin   # optional: the zone of alice's reports
//
// Every error names the file position of the value at fault.
func ParseUsers(name string, b []byte) (*Users, error) {
	var doc usersDoc
	if err := yaml.UnmarshalWithOptions(b, &doc, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("users file %s: %s", name, yaml.FormatError(err, false, true))
	}
	at := func(path string) string {
		p, err := yaml.PathString(path)
		if err != nil {
			return ""
		}
		f, err := parser.ParseBytes(b, 0)
		if err != nil {
			return ""
		}
		n, err := p.FilterFile(f)
		if err != nil || n == nil || n.GetToken() == nil {
			return ""
		}
		pos := n.GetToken().Position
		return fmt.Sprintf(" (line %d, column %d)", pos.Line, pos.Column)
	}
	u := &Users{byName: map[string]User{}, byKey: map[[sha256.Size]byte]string{}}
	for i, e := range doc.Users {
		if !userName.MatchString(e.Name) {
			return nil, fmt.Errorf("users file %s: users[%d].name %q%s: want 1-64 letters, digits, '.', '_', '@' or '-'", name, i, e.Name, at(fmt.Sprintf("$.users[%d].name", i)))
		}
		if _, dup := u.byName[e.Name]; dup {
			return nil, fmt.Errorf("users file %s: users[%d].name%s: %s is listed twice", name, i, at(fmt.Sprintf("$.users[%d].name", i)), e.Name)
		}
		role, err := ParseRole(e.Role)
		if err != nil {
			return nil, fmt.Errorf("users file %s: users[%d].role%s: %v", name, i, at(fmt.Sprintf("$.users[%d].role", i)), err)
		}
		if e.TimeZone != "" {
			if _, err := schedule.LoadZone(e.TimeZone); err != nil {
				return nil, fmt.Errorf("users file %s: users[%d].time_zone%s: %v", name, i, at(fmt.Sprintf("$.users[%d].time_zone", i)), err)
			}
		}
		usr := User{Name: e.Name, Role: role, Zone: e.TimeZone}
		for k, line := range e.Keys {
			pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				return nil, fmt.Errorf("users file %s: users[%d].keys[%d]%s: not an SSH public key in authorized_keys form: %v", name, i, k, at(fmt.Sprintf("$.users[%d].keys[%d]", i, k)), err)
			}
			d := sha256.Sum256(pub.Marshal())
			if other, dup := u.byKey[d]; dup {
				return nil, fmt.Errorf("users file %s: users[%d].keys[%d]%s: key %s already belongs to %s", name, i, k, at(fmt.Sprintf("$.users[%d].keys[%d]", i, k)), ssh.FingerprintSHA256(pub), other)
			}
			u.byKey[d] = e.Name
			usr.Keys = append(usr.Keys, pub)
		}
		u.byName[e.Name] = usr
		u.names = append(u.names, e.Name)
	}
	sort.Strings(u.names)
	return u, nil
}

// Lookup returns the user with this name.
func (u *Users) Lookup(name string) (User, bool) {
	if u == nil {
		return User{}, false
	}
	usr, ok := u.byName[name]
	return usr, ok
}

// ByKey returns the user who owns this public key, found by the digest
// of its wire form.
func (u *Users) ByKey(pub ssh.PublicKey) (User, bool) {
	if u == nil || pub == nil {
		return User{}, false
	}
	name, ok := u.byKey[sha256.Sum256(pub.Marshal())]
	if !ok {
		return User{}, false
	}
	return u.byName[name], true
}

// Names lists the users in name order.
func (u *Users) Names() []string {
	if u == nil {
		return nil
	}
	return append([]string(nil), u.names...)
}

// Directory is the users file as the running daemon sees it: loaded at
// start and swapped whole on Reload, so a request sees either the old or
// the new file, never a mix, and a broken file keeps the old one.
type Directory struct {
	path string
	mu   sync.Mutex // serialises reloads
	cur  atomic.Pointer[Users]
}

// OpenDirectory loads the users file at path. An empty path gives a
// directory with no users (only local commands and tokens of no one).
func OpenDirectory(path string) (*Directory, error) {
	d := &Directory{path: path}
	if path == "" {
		d.cur.Store(&Users{byName: map[string]User{}, byKey: map[[sha256.Size]byte]string{}})
		return d, nil
	}
	if err := d.Reload(); err != nil {
		return nil, err
	}
	return d, nil
}

// NewDirectory wraps already parsed users (tests, demo).
func NewDirectory(u *Users) *Directory {
	d := &Directory{}
	d.cur.Store(u)
	return d
}

// Path is the users file the directory reads.
func (d *Directory) Path() string { return d.path }

// Reload reads the file again; on any error the previous users stay.
func (d *Directory) Reload() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.path == "" {
		return nil
	}
	b, err := os.ReadFile(d.path)
	if err != nil {
		return fmt.Errorf("read users file: %w", err)
	}
	u, err := ParseUsers(d.path, bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	if err != nil {
		return err
	}
	d.cur.Store(u)
	return nil
}

// Users is the current users file.
func (d *Directory) Users() *Users { return d.cur.Load() }
