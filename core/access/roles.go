// Package access decides who may do what: the users file (names, roles and
// SSH public keys), API tokens kept as digests in the object store, and the
// permissions of each role. The HTTP API and the SSH dashboard both ask it.
package access

import (
	"fmt"

	"github.com/auditdeck/auditdeck/core"
)

// Role is what a user may do; each role includes the ones before it.
type Role string

// The three roles of the users file.
const (
	Viewer   Role = "viewer"   // reads activities, runs and reads their own exports
	Operator Role = "operator" // adds triage, defined reports and subscriptions
	Admin    Role = "admin"    // adds tokens, users and everyone's objects
)

// ParseRole accepts the three role names.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case Viewer, Operator, Admin:
		return Role(s), nil
	}
	return "", fmt.Errorf("unknown role %q (want viewer, operator or admin)", s)
}

// Permission is one kind of action a route or a view guards.
type Permission int

// The permissions, in the order the roles gain them.
const (
	Read       Permission = iota // activities, own tasks, reports and subscriptions
	Export                       // start exports and report generation of one's own
	Triage                       // change triage state and notes
	Manage                       // create, change and delete defined reports and subscriptions
	Administer                   // tokens, users, everyone's objects
)

func (p Permission) String() string {
	switch p {
	case Read:
		return "read"
	case Export:
		return "export"
	case Triage:
		return "triage"
	case Manage:
		return "manage reports and subscriptions"
	case Administer:
		return "administer"
	}
	return fmt.Sprintf("permission(%d)", int(p))
}

// Can reports whether the role has the permission.
func (r Role) Can(p Permission) bool {
	switch r {
	case Admin:
		return true
	case Operator:
		return p <= Manage
	case Viewer:
		return p <= Export
	}
	return false
}

// Principal is an authenticated user: who, with which role, from where.
type Principal struct {
	User string
	Role Role
	From string // "ssh 10.0.0.1:5555", "api 127.0.0.1:4242", "cli"
	Zone string // the users file's time_zone of the user ("": UTC)
}

// Can reports whether the principal's role has the permission.
func (p Principal) Can(perm Permission) bool { return p.Role.Can(perm) }

// Actor is the principal as the engine sees it: admins act on everyone's
// objects, everyone else on their own.
func (p Principal) Actor() core.Actor {
	return core.Actor{User: p.User, Admin: p.Role == Admin, From: p.From, Zone: p.Zone}
}

// Forbidden is the error for a principal lacking a permission.
func (p Principal) Forbidden(perm Permission) error {
	return fmt.Errorf("%w: user %s (role %s) may not %s", core.ErrForbidden, p.User, p.Role, perm)
}
