package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// ErrDamagedManifest means the data directory holds store files whose
// Badger MANIFEST is missing or damaged. Badger would open such a directory
// as an empty store and reuse the file names: every event would be lost, so
// the store refuses to open it and writes nothing.
var ErrDamagedManifest = errors.New("refusing to open a store whose MANIFEST is missing or damaged")

// checkManifest looks at the directory before Badger does, reading only.
// The MANIFEST lists Badger's tables: without it Badger starts a new one,
// and with a cut-off tail it truncates the file to its last whole entry and
// deletes the tables the lost entries named.
func checkManifest(dir string, bopts badger.Options) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var tables, logs []string
	for _, e := range entries {
		switch name := e.Name(); {
		case strings.HasSuffix(name, ".sst"):
			tables = append(tables, name)
		case strings.HasSuffix(name, ".vlog"), strings.HasSuffix(name, ".mem"):
			logs = append(logs, name)
		}
	}
	path := filepath.Join(dir, badger.ManifestFilename)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		if len(tables)+len(logs) == 0 {
			return nil // a new store
		}
		return fmt.Errorf("%w: no %s beside %d table and %d log files%s",
			ErrDamagedManifest, badger.ManifestFilename, len(tables), len(logs), unchanged)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	m, end, err := badger.ReplayManifestFile(f, bopts.ExternalMagicVersion, bopts)
	if err != nil {
		return fmt.Errorf("%w: %s: %v%s", ErrDamagedManifest, badger.ManifestFilename, err, unchanged)
	}
	if end != info.Size() {
		return fmt.Errorf("%w: %s is cut off in an entry at byte %d of %d%s",
			ErrDamagedManifest, badger.ManifestFilename, end, info.Size(), unchanged)
	}
	// Tables the MANIFEST does not name are normally leftovers of a crash
	// between writing a table and recording it, and Badger removes them. A
	// MANIFEST naming no table at all beside existing tables, with no memtable
	// log that could hold their data, was cut back to its header.
	if len(m.Tables) == 0 && len(tables) > 0 && !hasSuffix(logs, ".mem") {
		return fmt.Errorf("%w: %s names no table but the directory has %d%s",
			ErrDamagedManifest, badger.ManifestFilename, len(tables), unchanged)
	}
	for id, tm := range m.Tables {
		name := fmt.Sprintf("%06d.sst", id)
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%w: %s names table %s, which is missing%s",
				ErrDamagedManifest, badger.ManifestFilename, name, unchanged)
		}
		if err := verifyTable(filepath.Join(dir, name), tm, bopts); err != nil {
			return fmt.Errorf("table %s: %w: %v (nothing was changed; restore the directory from a backup)", name, core.ErrDamaged, err)
		}
	}
	return nil
}

// verifyTable checks every block checksum of one table, read-only. Badger's
// own check at open skips a damaged table and goes on without its keys, and
// an unchecked table panics in the first read of a damaged block.
func verifyTable(path string, tm badger.TableManifest, bopts badger.Options) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("unreadable block (%v)", v)
		}
	}()
	mf, err := z.OpenMmapFile(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	// NoVerification here: Badger's VerifyChecksum reports a mismatch
	// itself only in that mode (in the others it dereferences a nil block).
	t, err := table.OpenTable(mf, table.Options{ReadOnly: true, BlockSize: bopts.BlockSize,
		BloomFalsePositive: bopts.BloomFalsePositive, Compression: tm.Compression, ChkMode: options.NoVerification})
	if err != nil {
		return err
	}
	defer t.Close(-1) // closes the mapping only; DecrRef would delete the file
	return t.VerifyChecksum()
}

const unchanged = " (nothing was changed; restore the directory from a backup)"

func hasSuffix(names []string, suffix string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}
