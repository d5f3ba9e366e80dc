package sshserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/pkg/sftp"
)

// exportTree is what one SSH user may download: the files of their own
// finished tasks (admins too: the issue that asked for it says "own files
// only", and an admin reaches other users' files through the API), as
//
//	/exports/TASK_ID/NAME
//
// read-only. It is resolved through the task runner (the task record's
// output paths and its owner check), never by joining the client's path to
// a directory, so no path the client sends can reach another file, and
// where the runner keeps its files on disk does not matter.
type exportTree struct {
	ctx   context.Context
	eng   *core.Engine
	actor core.Actor
	// opened is told of each file a client opens, for the audit log.
	opened func(t core.Task, name string)
}

// exportsRoot is the one directory under / of the tree.
const exportsRoot = "exports"

// errReadOnly answers every change a client asks for.
var errReadOnly = fmt.Errorf("exports are read-only over SSH: %w", sftp.ErrSSHFxPermissionDenied)

// node is one entry of the tree: a directory or a task's file.
type node struct {
	info  fileInfo
	task  core.Task       // for a task's directory and its files
	files []core.TaskFile // the task's files, for its directory
	path  string          // on disk, for a file
}

// resolve finds the node at a client's path. Paths are cleaned as rooted
// paths first, so "..", "." and repeated slashes cannot leave the tree; a
// task the actor may not see is as absent as one that does not exist.
func (x *exportTree) resolve(p string) (node, error) {
	clean := path.Clean("/" + p)
	parts := strings.Split(strings.TrimPrefix(clean, "/"), "/")
	switch {
	case clean == "/":
		return node{info: dirInfo("/", time.Time{})}, nil
	case parts[0] != exportsRoot:
		return node{}, notFound(clean)
	case len(parts) == 1:
		return node{info: dirInfo(exportsRoot, time.Time{})}, nil
	case len(parts) > 3:
		return node{}, notFound(clean)
	}
	t, files, err := x.task(parts[1])
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return node{}, notFound(clean)
		}
		return node{}, err
	}
	if len(parts) == 2 {
		return node{info: dirInfo(t.ID, t.FinishedAt), task: t, files: files}, nil
	}
	for _, f := range files {
		if f.Name == parts[2] {
			return node{info: fileInfo{name: f.Name, size: f.Bytes, mode: 0o444, mod: t.FinishedAt}, task: t, path: f.Path}, nil
		}
	}
	return node{}, notFound(clean)
}

// task is a finished task of the actor's own with files, and its files as
// the task runner vouches for them (TaskRunner.Outputs), or
// fs.ErrNotExist.
func (x *exportTree) task(id string) (core.Task, []core.TaskFile, error) {
	tr := x.eng.Tasks()
	if tr == nil {
		return core.Task{}, nil, errors.New("exports: the task runner is not running")
	}
	t, files, err := tr.Outputs(x.ctx, x.actor, id)
	if errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrConflict) || (err == nil && (t.Owner != x.actor.User || len(t.Files) == 0)) {
		return core.Task{}, nil, fs.ErrNotExist
	}
	if err != nil {
		return core.Task{}, nil, err
	}
	out := make([]core.TaskFile, 0, len(files))
	for _, f := range files {
		f.Name = filepath.Base(f.Path)
		if f.Format == core.ManifestFormat {
			if st, err := os.Stat(f.Path); err == nil {
				f.Bytes = st.Size()
			}
		}
		out = append(out, f)
	}
	return t, out, nil
}

// list is the entries of a directory node.
func (x *exportTree) list(n node) ([]os.FileInfo, error) {
	switch {
	case n.info.name == "/":
		return []os.FileInfo{dirInfo(exportsRoot, time.Time{})}, nil
	case n.info.name == exportsRoot && n.task.ID == "":
		tr := x.eng.Tasks()
		if tr == nil {
			return nil, errors.New("exports: the task runner is not running")
		}
		ts, err := tr.List(x.ctx, x.actor)
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		var out []os.FileInfo
		for _, t := range ts {
			if t.Status == core.TaskSucceeded && len(t.Files) > 0 && t.Owner == x.actor.User {
				out = append(out, dirInfo(t.ID, t.FinishedAt))
			}
		}
		return out, nil
	}
	var out []os.FileInfo
	for _, f := range n.files {
		out = append(out, fileInfo{name: f.Name, size: f.Bytes, mode: 0o444, mod: n.task.FinishedAt})
	}
	return out, nil
}

// open opens a task's file for reading. The path comes from the task
// record; still, only a regular file inside the runner's directory is
// opened, and never through a symlink.
func (x *exportTree) open(n node) (*os.File, error) {
	if n.path == "" {
		return nil, fmt.Errorf("%s is a directory: %w", n.info.name, sftp.ErrSSHFxFailure)
	}
	tr := x.eng.Tasks()
	if tr == nil {
		return nil, errors.New("exports: the task runner is not running")
	}
	rel, err := filepath.Rel(tr.Dir(), n.path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return nil, fmt.Errorf("task %s: its file is outside the export directory: %w", n.task.ID, sftp.ErrSSHFxPermissionDenied)
	}
	f, err := os.OpenFile(n.path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("task %s: %s is gone (expired or removed): %w", n.task.ID, n.info.name, sftp.ErrSSHFxNoSuchFile)
	}
	if err != nil {
		return nil, fmt.Errorf("task %s: open %s: %w", n.task.ID, n.info.name, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("task %s: %s is not a regular file: %w", n.task.ID, n.info.name, sftp.ErrSSHFxPermissionDenied)
	}
	if x.opened != nil {
		x.opened(n.task, n.info.name)
	}
	return f, nil
}

func notFound(p string) error {
	return fmt.Errorf("%s: no such export (see exports/ for yours): %w", p, sftp.ErrSSHFxNoSuchFile)
}

// The sftp request server's handlers.

func (x *exportTree) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	n, err := x.resolve(r.Filepath)
	if err != nil {
		return nil, err
	}
	return x.open(n)
}

func (x *exportTree) Filewrite(*sftp.Request) (io.WriterAt, error) { return nil, errReadOnly }

func (x *exportTree) Filecmd(*sftp.Request) error { return errReadOnly }

func (x *exportTree) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	n, err := x.resolve(r.Filepath)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case "List":
		if !n.info.IsDir() {
			return nil, fmt.Errorf("%s is not a directory: %w", r.Filepath, sftp.ErrSSHFxFailure)
		}
		entries, err := x.list(n)
		return listing(entries), err
	case "Stat", "Lstat":
		return listing{n.info}, nil
	}
	return nil, fmt.Errorf("%s: %w", r.Method, sftp.ErrSSHFxOpUnsupported)
}

// listing is a directory's entries for the sftp server.
type listing []os.FileInfo

func (l listing) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if off+int64(n) >= int64(len(l)) {
		return n, io.EOF
	}
	return n, nil
}

// fileInfo describes a node; the tree has no owners, links or write bits.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func dirInfo(name string, mod time.Time) fileInfo {
	return fileInfo{name: name, mode: fs.ModeDir | 0o555, mod: mod}
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) Mode() fs.FileMode  { return f.mode }
func (f fileInfo) ModTime() time.Time { return f.mod }
func (f fileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fileInfo) Sys() any           { return nil }
