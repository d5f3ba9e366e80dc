package sshserve

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish/scp"
)

// scpDownload reads an exec request as a legacy scp download ("scp [-r]
// [-p] [-v] [-d] -f [--] PATH", what `scp -O` and OpenSSH before 9 run on
// the server) and returns it in the one form wish's scp code reads
// (["scp", "-f", PATH] or ["scp", "-r", "-f", PATH]): that code takes the
// argument after -f as the path (a "--" there) and indexes past a trailing
// -f. Uploads (-t) and anything else are not downloads.
func scpDownload(cmd []string) ([]string, bool) {
	if len(cmd) < 3 || cmd[0] != "scp" {
		return nil, false
	}
	from, recursive := false, false
	for _, a := range cmd[1 : len(cmd)-1] {
		switch a {
		case "-f":
			from = true
		case "-r":
			recursive = true
		case "-p", "-v", "-d", "--":
		default:
			return nil, false
		}
	}
	p := cmd[len(cmd)-1]
	if !from || strings.HasPrefix(p, "-") {
		return nil, false
	}
	if recursive {
		return []string{"scp", "-r", "-f", p}, true
	}
	return []string{"scp", "-f", p}, true
}

// scpSession is a session whose command is the normalised scp download,
// and which keeps the protocol's acknowledgements: wish's scp code writes
// its records without reading the client's "\0" after each, and a client
// whose acknowledgements were never read can find the channel closed under
// it ("lost connection"). So every record (a T, C, D or E line, and the
// "\0" that ends a file's data) waits for the client's answer first, as
// OpenSSH's own scp source does.
type scpSession struct {
	ssh.Session
	cmd     []string
	started bool  // the client's first "\0" was read
	data    int64 // bytes of the current file still to pass through
	inFile  bool  // a C record was sent: the next 1-byte write ends its data
}

func (s *scpSession) Command() []string { return s.cmd }

func (s *scpSession) Write(p []byte) (int, error) {
	if s.data > 0 {
		n := int(min(int64(len(p)), s.data))
		w, err := s.Session.Write(p[:n])
		s.data -= int64(w)
		if err != nil || n == len(p) {
			return w, err
		}
		w2, err := s.Write(p[n:])
		return w + w2, err
	}
	if !s.started {
		if err := s.ack(); err != nil {
			return 0, err
		}
		s.started = true
	}
	if len(p) > 0 && p[0] == 'C' && !s.inFile {
		// "C0444 SIZE NAME\n": the data that follows is SIZE bytes.
		if f := strings.Fields(string(p)); len(f) >= 2 {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil && n >= 0 {
				s.data = n
			}
		}
	}
	n, err := s.Session.Write(p)
	if err != nil {
		return n, err
	}
	switch {
	case len(p) > 0 && p[0] == 'C' && !s.inFile:
		s.inFile = true
	case s.inFile && len(p) == 1 && p[0] == 0:
		s.inFile = false
	}
	return n, s.ack()
}

// ack reads the client's answer to a record: "\0", or 1 or 2 and a
// message when it refuses.
func (s *scpSession) ack() error {
	var b [1]byte
	if _, err := io.ReadFull(s.Session, b[:]); err != nil {
		return fmt.Errorf("scp: the client went away: %w", err)
	}
	if b[0] == 0 {
		return nil
	}
	msg, _ := bufio.NewReader(io.LimitReader(s.Session, 1024)).ReadString('\n')
	return fmt.Errorf("scp: the client refused: %s", strings.TrimSpace(msg))
}

// serveSCP serves a legacy scp download of the user's exports, checked
// as the dashboard and sftp are.
func (s *Server) serveSCP(sess ssh.Session) {
	remote := sess.RemoteAddr().String()
	p, _, tree, end, ok := s.openExports(sess, "scp")
	if !ok {
		return
	}
	defer end()
	cmd, ok := scpDownload(sess.Command())
	if !ok { // SessionRequestCallback let only downloads through
		s.deny(sess, "only scp downloads of your exports are served")
		return
	}
	s.log.Info("ssh scp download", "user", p.User, "remote", remote, "path", cmd[len(cmd)-1])
	scp.Middleware(scpExports{tree}, nil)(func(ssh.Session) {})(&scpSession{Session: sess, cmd: cmd})
}

// scpExports is the export tree as wish's scp download handler.
type scpExports struct{ tree *exportTree }

// Glob expands a pattern in the last element of a path; the tree's
// directories are small.
func (h scpExports) Glob(_ ssh.Session, p string) ([]string, error) {
	dir, pat := path.Split(path.Clean("/" + p))
	if !strings.ContainsAny(pat, `*?[\`) {
		return []string{p}, nil
	}
	n, err := h.tree.resolve(dir)
	if err != nil {
		return nil, err
	}
	entries, err := h.tree.list(n)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if ok, err := path.Match(pat, e.Name()); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", pat, err)
		} else if ok {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	return out, nil
}

func (h scpExports) WalkDir(_ ssh.Session, p string, fn fs.WalkDirFunc) error {
	n, err := h.tree.resolve(p)
	if err != nil {
		return fn(p, nil, err)
	}
	return h.walk(p, n, fn)
}

func (h scpExports) walk(p string, n node, fn fs.WalkDirFunc) error {
	if err := fn(p, fs.FileInfoToDirEntry(n.info), nil); err != nil || !n.info.IsDir() {
		return err
	}
	entries, err := h.tree.list(n)
	if err != nil {
		return fn(p, fs.FileInfoToDirEntry(n.info), err)
	}
	for _, e := range entries {
		child := path.Join(p, e.Name())
		cn, err := h.tree.resolve(child)
		if err != nil {
			return err
		}
		if err := h.walk(child, cn, fn); err != nil {
			return err
		}
	}
	return nil
}

func (h scpExports) NewDirEntry(_ ssh.Session, p string) (*scp.DirEntry, error) {
	n, err := h.tree.resolve(p)
	if err != nil {
		return nil, err
	}
	if !n.info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", p)
	}
	name := n.info.name
	if name == "/" {
		name = "exports-root"
	}
	return &scp.DirEntry{Name: name, Filepath: p, Mode: 0o555, Mtime: n.info.mod.Unix(), Atime: n.info.mod.Unix()}, nil
}

func (h scpExports) NewFileEntry(_ ssh.Session, p string) (*scp.FileEntry, func() error, error) {
	n, err := h.tree.resolve(p)
	if err != nil {
		return nil, nil, err
	}
	f, err := h.tree.open(n)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("stat %s: %w", n.info.name, err)
	}
	return &scp.FileEntry{Name: n.info.name, Filepath: p, Mode: 0o444, Size: st.Size(), Reader: f, Mtime: st.ModTime().Unix(), Atime: st.ModTime().Unix()}, f.Close, nil
}
