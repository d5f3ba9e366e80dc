package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/auditdeck/auditdeck/core"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newIngestCmd(g *globalFlags) *cobra.Command {
	var verbose, noProgress bool
	cmd := &cobra.Command{
		Use:   "ingest [--data DIR] FILE|- ...",
		Short: "Store activity events from NDJSON or Cloudlock pages (plain or gzip)",
		Long: `ingest reads activity items as NDJSON (one item per line) or Cloudlock
pages ({limit, offset, total, results, items:[...]}), plain or gzip, from
files or standard input ("-"). It is idempotent on event_id: re-ingesting a
file changes nothing; an event whose content changed replaces the old one.
Bad lines are skipped and reported with their line numbers.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := g.interruptible(cmd.Context())
			defer stop()
			boundIngestMemory()
			eng, release, err := g.engine()
			if err != nil {
				return err
			}
			defer release()
			files := make([]string, len(args))
			for i, a := range args {
				files[i] = g.path(a)
			}
			return runIngest(ctx, eng, files, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), verbose, !noProgress)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "report each durable batch on stderr")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "never draw a progress bar")
	return cmd
}

func runIngest(ctx context.Context, eng *core.Engine, args []string, stdin io.Reader, stdout, stderr io.Writer, verbose, progress bool) error {
	var total core.IngestReport
	var problems []string
	more := 0
	for _, name := range args {
		var in io.Reader
		var size int64
		if name == "-" {
			in = stdin
		} else {
			f, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("open input: %w", err)
			}
			defer f.Close()
			if st, err := f.Stat(); err == nil {
				if st.IsDir() {
					return fmt.Errorf("open input %s: is a directory", name)
				}
				size = st.Size()
			}
			in = f
		}
		bar := newProgressBar(stderr, name, size, progress && isTerminal(stderr) && (size == 0 || size > 8<<20))
		opts := core.IngestOptions{OnBatch: func(a core.BatchAck) {
			if verbose {
				fmt.Fprintf(stderr, "batch %d durable: %s through line %d, %d events (ingested %d, updated %d, unchanged %d)\n",
					a.Batch, name, a.LastLine, a.Events, a.Result.Inserted, a.Result.Updated, a.Result.Unchanged)
			}
			bar.update(a.BytesRead, a.Events)
		}}
		rep, err := eng.Ingest(ctx, in, opts)
		bar.done()
		total.Ingested += rep.Ingested
		total.Updated += rep.Updated
		total.Unchanged += rep.Unchanged
		total.Skipped += rep.Skipped
		for _, p := range rep.Problems {
			if len(problems) < 20 {
				prefix := ""
				if len(args) > 1 {
					prefix = name + " "
				}
				problems = append(problems, prefix+p.String())
			} else {
				more++
			}
		}
		more += rep.Skipped - len(rep.Problems)
		if err != nil {
			printIngestSummary(stdout, total, problems, more)
			return fmt.Errorf("ingest %s: %w", name, err)
		}
	}
	printIngestSummary(stdout, total, problems, more)
	return nil
}

func printIngestSummary(w io.Writer, r core.IngestReport, problems []string, more int) {
	fmt.Fprintf(w, "ingested %d, updated %d, skipped %d", r.Ingested, r.Updated, r.Skipped)
	if r.Unchanged > 0 {
		fmt.Fprintf(w, " (%d already stored, unchanged)", r.Unchanged)
	}
	fmt.Fprintln(w)
	for _, p := range problems {
		fmt.Fprintln(w, "  skipped "+sanitizeLine(p))
	}
	if more > 0 {
		fmt.Fprintf(w, "  ... and %d more skipped\n", more)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar draws one self-overwriting line on a terminal, at most ten times a second.
type progressBar struct {
	w      io.Writer
	name   string
	size   int64
	on     bool
	start  time.Time
	last   time.Time
	events int
	drawn  bool
}

func newProgressBar(w io.Writer, name string, size int64, on bool) *progressBar {
	return &progressBar{w: w, name: name, size: size, on: on, start: time.Now()}
}

func (p *progressBar) update(bytesRead int64, events int) {
	p.events += events
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	rate := float64(p.events) / time.Since(p.start).Seconds()
	if p.size > 0 {
		frac := min(1, float64(bytesRead)/float64(p.size))
		const width = 30
		filled := int(frac * width)
		fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d events %.0f/s", truncateName(p.name), strings.Repeat("=", filled), strings.Repeat(" ", width-filled), frac*100, p.events, rate)
	} else {
		fmt.Fprintf(p.w, "\r%s %d events %.0f/s", truncateName(p.name), p.events, rate)
	}
	p.drawn = true
}

func (p *progressBar) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func truncateName(s string) string {
	s = sanitizeLine(s)
	if len(s) > 30 {
		return "..." + s[len(s)-27:]
	}
	return s
}

// ingestMemoryLimit is the heap size the garbage collector aims to stay
// under while ingesting, unless GOMEMLIMIT says otherwise: by default Go
// lets the heap grow to twice what is live, which put a 100M-event ingest
// over its memory budget. A soft limit: the process never fails for it.
const ingestMemoryLimit = 384 << 20

func boundIngestMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(ingestMemoryLimit)
	}
}
