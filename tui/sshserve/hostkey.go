package sshserve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// maxHostKeySize bounds what is read from the key file: an OpenSSH ed25519
// key is about 400 bytes, an RSA one a few kilobytes.
const maxHostKeySize = 64 << 10

// loadOrCreateHostKey reads the host key at path, or generates an ed25519
// key there on first start. The key is the server's identity: a file that
// group or others can read is refused rather than used.
func loadOrCreateHostKey(path string) (gossh.Signer, error) {
	s, err := loadHostKey(path)
	if !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	if err := createHostKey(path); err != nil {
		return nil, err
	}
	return loadHostKey(path)
}

func loadHostKey(path string) (gossh.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("ssh host key %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("ssh host key %s: mode %04o lets group or others read it; run chmod 600 %s (and consider the key exposed)", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxHostKeySize+1))
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	if len(b) > maxHostKeySize {
		return nil, fmt.Errorf("ssh host key %s: larger than %d bytes: not a private key", path, maxHostKeySize)
	}
	s, err := gossh.ParsePrivateKey(b)
	if err != nil {
		var missing *gossh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("ssh host key %s: protected by a passphrase; the server needs an unprotected key", path)
		}
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	return s, nil
}

// createHostKey writes a new ed25519 key with mode 0600. It writes a
// temporary file and links it into place, so a crash leaves no half key and
// a key created meanwhile by another process is kept, not overwritten.
func createHostKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("ssh host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("ssh host key: generate: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "auditdeck host key")
	if err != nil {
		return fmt.Errorf("ssh host key: encode: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".hostkey-*") // mode 0600
	if err != nil {
		return fmt.Errorf("ssh host key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("ssh host key: %w", err)
	}
	if _, err := tmp.Write(pem.EncodeToMemory(block)); err != nil {
		tmp.Close()
		return fmt.Errorf("ssh host key: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("ssh host key: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("ssh host key: write %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("ssh host key: %w", err)
	}
	return nil
}
