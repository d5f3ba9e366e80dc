// Command duckq runs SQL on a DuckDB database file for bench/compare.sh, in
// place of the duckdb CLI: the machine has no such CLI, and the driver
// (github.com/duckdb/duckdb-go/v2, cgo with DuckDB's bundled static library)
// comes from the Go module proxy. It lives in its own module so that the
// main module stays cgo-free and `go test ./...` there never builds it.
//
//	duckq -db FILE [-mode list|csv] [-headers] [-out FILE] < script.sql
//
// The script holds statements that each end with ';' at the end of a line.
// Each statement's rows go to -out (default stdout) as the duckdb CLI's
// .mode list ('|' between columns, NULL empty) or .mode csv would write them,
// and one "Run Time (s): real S" line per statement goes to stderr, as the
// CLI's .timer on prints it: from sending the statement to its last row
// written, so fetching and formatting are inside, as in the CLI.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "duckq: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	dbPath := flag.String("db", "", "DuckDB database file")
	mode := flag.String("mode", "list", "output mode: list or csv")
	headers := flag.Bool("headers", false, "write a header line of column names")
	outPath := flag.String("out", "", "write rows to this file (default stdout)")
	flag.Parse()
	if *dbPath == "" {
		return errors.New("-db is required")
	}
	if *mode != "list" && *mode != "csv" {
		return fmt.Errorf("-mode %q: want list or csv", *mode)
	}
	script, err := io.ReadAll(os.Stdin)
	if err != nil {
		return fmt.Errorf("read script: %w", err)
	}
	db, err := sql.Open("duckdb", *dbPath)
	if err != nil {
		return fmt.Errorf("open %s: %w", *dbPath, err)
	}
	defer db.Close()
	// One connection: a session's settings (SET threads, ...) hold for the
	// statements after them.
	db.SetMaxOpenConns(1)

	out := os.Stdout
	if *outPath != "" {
		f, err := os.Create(*outPath)
		if err != nil {
			return fmt.Errorf("create %s: %w", *outPath, err)
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriterSize(out, 1<<20)
	ctx := context.Background()
	for _, stmt := range statements(string(script)) {
		t0 := time.Now()
		if err := query(ctx, db, stmt, *mode, *headers, w); err != nil {
			return fmt.Errorf("%s: %w", firstLine(stmt), err)
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write rows: %w", err)
		}
		fmt.Fprintf(os.Stderr, "Run Time (s): real %.6f\n", time.Since(t0).Seconds())
	}
	if out != os.Stdout {
		if err := out.Close(); err != nil {
			return fmt.Errorf("close %s: %w", *outPath, err)
		}
	}
	return nil
}

// statements splits a script at lines that end with ';' (the scripts
// compare.sh writes; no parser for ';' inside literals is needed there).
func statements(script string) []string {
	var (
		out []string
		cur strings.Builder
	)
	for _, line := range strings.Split(script, "\n") {
		if strings.TrimSpace(line) == "" && cur.Len() == 0 {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

func query(ctx context.Context, db *sql.DB, stmt, mode string, headers bool, w *bufio.Writer) error {
	rows, err := db.QueryContext(ctx, stmt)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	cells := make([]string, len(cols))
	var cw *csv.Writer
	if mode == "csv" {
		cw = csv.NewWriter(w)
	}
	write := func(rec []string) error {
		if cw != nil {
			return cw.Write(rec)
		}
		_, err := w.WriteString(strings.Join(rec, "|") + "\n")
		return err
	}
	if headers && len(cols) > 0 {
		if err := write(cols); err != nil {
			return err
		}
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			cells[i] = cell(v)
		}
		if err := write(cells); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cw != nil {
		cw.Flush()
		return cw.Error()
	}
	return nil
}

// cell formats a value as the CLI does in list and csv modes: NULL empty,
// booleans true/false, times as ISO 8601 with milliseconds (the events' own form).
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	default:
		return fmt.Sprint(x)
	}
}
