package main

import (
	"fmt"
	"os"
	"os/user"
	"strings"

	"github.com/auditdeck/auditdeck/core"
	"github.com/spf13/cobra"
)

func newTriageCmd(g *globalFlags) *cobra.Command {
	var state, note, filter, filterJSON, actor string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "triage (--state new|reviewed|escalated|dismissed [--note TEXT] | --note TEXT) (ID... | --filter DSL [--dry-run])",
		Short: "Set the triage state and note of events",
		Long: `triage sets the operator-owned state (new, reviewed, escalated, dismissed)
and an optional note on the events named by id (put -- before ids that
start with "-", as Cloudlock ids do), or on every event that
matches --filter / --filter-json. --note without --state keeps each
event's state; --state without --note keeps each note. Each change is recorded in the audit log
with the acting user (--user, default the login name). With --filter,
--dry-run prints how many events would be triaged and changes nothing.`,
		RunE: func(cmd *cobra.Command, ids []string) error {
			noteSet := cmd.Flags().Changed("note")
			var st core.TriageState
			if cmd.Flags().Changed("state") || !noteSet {
				if !noteSet && state == "" {
					return fmt.Errorf("give --state, --note or both")
				}
				var err error
				if st, err = core.ParseTriageState(state); err != nil {
					return fmt.Errorf("--state: %w", err)
				}
			}
			hasFilter := filter != "" || filterJSON != ""
			if hasFilter == (len(ids) > 0) {
				return fmt.Errorf("name event ids or give --filter, not both and not neither")
			}
			if dryRun && !hasFilter {
				return fmt.Errorf("--dry-run counts the events a --filter matches; with event ids there is nothing to count")
			}
			if actor == "" {
				actor = currentUser()
			}
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			// Without --note each event keeps its note; --note '' clears it.
			req := core.TriageRequest{Actor: actor, From: "cli", State: st, Note: note, NoteSet: noteSet}
			var res core.TriageResult
			if hasFilter {
				f, err := parseFilters(filter, filterJSON)
				if err != nil {
					return err
				}
				printFilterWarnings(cmd.Context(), eng, f, cmd.ErrOrStderr())
				if dryRun {
					n, err := eng.Count(cmd.Context(), f)
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "would triage %d events%s (dry run: nothing changed)\n", n, triageAs(st))
					return nil
				}
				res, err = eng.TriageFilter(cmd.Context(), req, f)
				if err != nil {
					return err
				}
			} else {
				res, err = eng.Triage(cmd.Context(), req, ids)
				if err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "triaged %d events%s\n", res.Changed, triageAs(st))
			if len(res.Unknown) > 0 {
				quoted := make([]string, len(res.Unknown))
				for i, id := range res.Unknown {
					quoted[i] = fmt.Sprintf("%q", sanitizeLine(id))
				}
				return &exitError{code: 1, msg: "unknown event ids: " + strings.Join(quoted, ", ")}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "new, reviewed, escalated or dismissed (without it each event keeps its state)")
	cmd.Flags().StringVar(&note, "note", "", "note to keep with the state (without it each event keeps its note; '' clears it)")
	cmd.Flags().StringVar(&filter, "filter", "", "triage every event matching this DSL filter")
	cmd.Flags().StringVar(&filterJSON, "filter-json", "", "triage every event matching this JSON filter")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "with --filter: print how many events match and change nothing")
	cmd.Flags().StringVar(&actor, "user", "", "acting user recorded in the audit log (default: login name)")
	_ = cmd.RegisterFlagCompletionFunc("state", cobra.FixedCompletions([]string{"new", "reviewed", "escalated", "dismissed"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// triageAs names the state a triage set, or that states were kept.
func triageAs(st core.TriageState) string {
	if st == "" {
		return " (states kept, notes set)"
	}
	return " as " + string(st)
}
