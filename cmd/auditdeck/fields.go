package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// fieldRecord is one field of `fields --format json`, the same shape as the
// API's GET /fields. Distinct is -1 when the store does not count it.
type fieldRecord struct {
	Path      string    `json:"path"`
	Types     []string  `json:"types"`
	Rows      int64     `json:"rows"`
	Distinct  int64     `json:"distinct"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

func newFieldsCmd(g *globalFlags) *cobra.Command {
	var prefix, format string
	cmd := &cobra.Command{
		Use:   "fields [--data DIR] [--filter-prefix PREFIX] [--format table|json]",
		Short: "List the fields of the stored events, for filters",
		Long: `fields lists every field path the stored events have (array elements
transparent: raw.events.name for the names of raw.events[]), with the types
of its values, how many events have it, about how many distinct values it
takes (- when not counted) and when it was first and last seen. Any of them
can be named in a filter.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: expected table or json", format)
			}
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			cat, err := eng.Fields(cmd.Context())
			if err != nil {
				return err
			}
			fields := cat.WithPrefix(prefix)
			w := cmd.OutOrStdout()
			if format == "json" {
				recs := make([]fieldRecord, 0, len(fields))
				for _, f := range fields {
					recs = append(recs, fieldRecord{Path: f.Path, Types: f.Types, Rows: f.Rows, Distinct: f.Distinct, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen})
				}
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Fields   []fieldRecord `json:"fields"`
					Complete bool          `json:"complete"`
				}{recs, cat.Complete})
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "PATH\tTYPES\tROWS\tDISTINCT\tFIRST SEEN\tLAST SEEN")
			for _, f := range fields {
				distinct := "-"
				if f.Distinct >= 0 {
					distinct = "~" + strconv.FormatInt(f.Distinct, 10)
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", f.Path, strings.Join(f.Types, ","), f.Rows, distinct,
					f.FirstSeen.Format(time.RFC3339), f.LastSeen.Format(time.RFC3339))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if !cat.Complete {
				fmt.Fprintf(cmd.ErrOrStderr(), "the events have more fields than the catalog keeps; some are not listed\n")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&prefix, "filter-prefix", "", "list only the paths starting with PREFIX")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
