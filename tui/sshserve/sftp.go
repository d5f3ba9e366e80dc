package sshserve

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/auditdeck/auditdeck/core"
	"github.com/charmbracelet/ssh"
	"github.com/pkg/sftp"
)

// serveSFTP serves a user's exports, read-only, on the sftp subsystem:
// `sftp` and OpenSSH's `scp` (which speaks SFTP since OpenSSH 9) download
// exports/TASK_ID/NAME. The login is checked as for the dashboard, and the
// connection takes a session slot while it lasts.
func (s *Server) serveSFTP(sess ssh.Session) {
	remote := sess.RemoteAddr().String()
	p, fp, end, ok := s.admitSession(sess, "sftp")
	if !ok {
		return
	}
	defer end()
	se := &session{}
	if !s.acquire(se) {
		s.log.Warn("ssh sftp refused: session limit", "remote", remote, "user", p.User)
		s.deny(sess, fmt.Sprintf("the server is at its limit of %d sessions; try again later", s.opts.MaxSessions))
		return
	}
	defer s.release(se)

	actor := p.Actor()
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	tree := &exportTree{ctx: ctx, eng: s.eng, actor: actor, opened: func(t core.Task, name string) {
		s.eng.Audit(context.Background(), actor, "export.download", t.ID, map[string]any{
			"remote": remote, "fingerprint": fp, "file": name, "via": "sftp",
		})
	}}
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
