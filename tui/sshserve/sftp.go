package sshserve

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/auditdeck/auditdeck/core"
	"github.com/auditdeck/auditdeck/core/access"
	"github.com/charmbracelet/ssh"
	"github.com/pkg/sftp"
)

// serveSFTP serves a user's exports, read-only, on the sftp subsystem:
// `sftp` and OpenSSH's `scp` (which speaks SFTP since OpenSSH 9) download
// exports/TASK_ID/NAME. The login is checked as for the dashboard, and the
// connection takes a session slot while it lasts.
func (s *Server) serveSFTP(sess ssh.Session) {
	remote := sess.RemoteAddr().String()
	p, fp, tree, end, ok := s.openExports(sess, "sftp")
	if !ok {
		return
	}
	defer end()
	s.log.Info("ssh sftp started", "user", p.User, "remote", remote, "fingerprint", fp)
	srv := sftp.NewRequestServer(sess, sftp.Handlers{FileGet: tree, FilePut: tree, FileCmd: tree, FileList: tree})
	err := srv.Serve()
	// The exit status before the channel closes: scp reports a transfer
	// without one as failed.
	sess.Exit(0)
	if err != nil && !errors.Is(err, io.EOF) {
		s.log.Info("ssh sftp ended", "user", p.User, "remote", remote, "err", err)
		return
	}
	s.log.Info("ssh sftp ended", "user", p.User, "remote", remote)
}

// openExports admits a file session (sftp or scp) as every session is
// admitted, gives it a session slot and the user's export tree, whose
// downloads are audited with via. When ok, end frees it all.
func (s *Server) openExports(sess ssh.Session, via string) (p access.Principal, fp string, tree *exportTree, end func(), ok bool) {
	remote := sess.RemoteAddr().String()
	p, fp, done, ok := s.admitSession(sess, via)
	if !ok {
		return p, fp, nil, nil, false
	}
	se := &session{}
	if !s.acquire(se) {
		s.log.Warn("ssh "+via+" refused: session limit", "remote", remote, "user", p.User)
		s.deny(sess, fmt.Sprintf("the server is at its limit of %d sessions; try again later", s.opts.MaxSessions))
		done()
		return p, fp, nil, nil, false
	}
	actor := p.Actor()
	ctx, cancel := context.WithCancel(sess.Context())
	tree = &exportTree{ctx: ctx, eng: s.eng, actor: actor, opened: func(t core.Task, name string) {
		s.eng.Audit(context.Background(), actor, "export.download", t.ID, map[string]any{
			"remote": remote, "fingerprint": fp, "file": name, "via": via,
		})
	}}
	return p, fp, tree, func() { cancel(); s.release(se); done() }, true
}
