package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newStatsCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "stats [--data DIR]",
		Short: "Show what the store holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			st := eng.Stats()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "data directory: %s\n", g.dataDir)
			fmt.Fprintf(w, "events:         %d in %d blocks\n", st.Events, st.Blocks)
			fmt.Fprintf(w, "triaged:        %d\n", st.Triaged)
			fmt.Fprintf(w, "disk:           %.1f MiB\n", float64(st.DiskBytes)/(1<<20))
			if st.Events > 0 {
				fmt.Fprintf(w, "time range:     %s .. %s\n", st.OldestEvent.Format(time.RFC3339), st.NewestEvent.Format(time.RFC3339))
			}
			return nil
		},
	}
}
