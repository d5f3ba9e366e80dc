package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/auditdeck/auditdeck/synthetic"
	"github.com/spf13/cobra"
)

func newGenCmd() *cobra.Command {
	var o synthetic.Options
	var out, end string
	cmd := &cobra.Command{
		Use:   "gen --events N [--seed S] [--out FILE]",
		Short: "Generate deterministic Cloudlock-shaped events as NDJSON",
		Long: `gen writes realistic synthetic activity events (about 1 KB each, about
5,000 users, google/aws/microsoft365, some failed and suspicious logins)
over the --days before --end. The same flags give the same bytes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Events < 0 {
				return fmt.Errorf("--events must not be negative")
			}
			o.End = time.Now().UTC().Truncate(time.Minute)
			if end != "" {
				t, err := time.Parse(time.RFC3339, end)
				if err != nil {
					return fmt.Errorf("--end: expected RFC 3339 like 2026-11-01T00:00:00Z: %w", err)
				}
				o.End = t
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("create output: %w", err)
				}
				defer f.Close()
				w = f
			}
			bw := bufio.NewWriterSize(w, 1<<20)
			if err := synthetic.Write(bw, o); err != nil {
				return fmt.Errorf("generate: %w", err)
			}
			return bw.Flush()
		},
	}
	cmd.Flags().IntVar(&o.Events, "events", 10000, "number of events")
	cmd.Flags().Int64Var(&o.Seed, "seed", 1, "random seed")
	cmd.Flags().StringVar(&out, "out", "", "output file (default standard output)")
	cmd.Flags().StringVar(&end, "end", "", "end of the time window, RFC 3339 (default: now, to the minute)")
	cmd.Flags().IntVar(&o.Days, "days", 90, "length of the time window in days")
	cmd.Flags().IntVar(&o.Users, "users", 5000, "number of distinct users")
	return cmd
}
