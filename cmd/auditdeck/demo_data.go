package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// demoDir is where demo puts its store: the --data DIR when one is given
// (kept, like --keep), else a new temporary directory. A DIR that already
// holds files is refused, so demo data never lands in a real store.
func demoDir(cmd *cobra.Command, keep bool) (dir string, keepIt bool, err error) {
	if f := cmd.Flags().Lookup("data"); f != nil && f.Changed {
		dir = f.Value.String()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", false, fmt.Errorf("demo store %s: %w", dir, err)
		}
		d, err := os.Open(dir)
		if err != nil {
			return "", false, fmt.Errorf("demo store %s: %w", dir, err)
		}
		_, err = d.Readdirnames(1)
		d.Close()
		if err == nil {
			return "", false, &exitError{code: 2, msg: fmt.Sprintf("demo --data %s: the directory is not empty; give a new or empty directory for the demo store (demo writes generated events into it)", sanitizeLine(dir))}
		}
		if !errors.Is(err, io.EOF) {
			return "", false, fmt.Errorf("demo store %s: %w", dir, err)
		}
		return dir, true, nil
	}
	dir, err = os.MkdirTemp("", "auditdeck-demo-")
	if err != nil {
		return "", false, fmt.Errorf("create demo store: %w", err)
	}
	return dir, keep, nil
}
