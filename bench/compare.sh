#!/usr/bin/env bash
# bench/compare.sh: auditdeck beside sqlite3 and DuckDB on the same synthetic
# Cloudlock events, in one run. DuckDB runs through its CLI when `duckdb` is on
# PATH, else through bench/duckdb (a bench-only Go module with
# github.com/duckdb/duckdb-go/v2; cgo, so it needs a C compiler; the main
# module stays cgo-free).
#
#   bench/compare.sh                 # 1,000,000 events, 5 runs per query
#   N=20000 RUNS=3 bench/compare.sh  # quick check
#
# Environment:
#   N=1000000        events to generate (auditdeck gen --events N --seed 1)
#   RUNS=5           runs per query and tool; the table shows medians
#   KEEP=1           keep the work directory (printed at the end)
#   TMPDIR           where the work directory is made (default /tmp)
#   EVENTS_FILE=F    use this NDJSON file instead of generating one
#   AUDITDECK_BIN=B  use this auditdeck binary instead of building ./cmd/auditdeck
#   SKIP_AUDITDECK=1 run the reference tools only (events then come from
#                    EVENTS_FILE, or from synthetic.Write through a temporary
#                    module outside the repository)
#   SQLITE_PRAGMAS   SQL run before the sqlite3 import and each query
#                    (default: none, i.e. sqlite3's defaults)
#   EXPORTS=1        0 skips the second part (exports: all events to CSV and
#                    NDJSON beside sqlite3, EXPORT_ROWS to HTML/PDF/XLSX, a
#                    grouped report)
#   EXPORT_RUNS=3    runs per export and tool; wall is the median, RSS the max
#   EXPORT_ROWS=100000  rows for the HTML, PDF and XLSX exports (--limit)
#   DUCKDB=auto      auto: the duckdb CLI if on PATH, else bench/duckdb built
#                    with go (needs cc); cli or go force one; 0 skips DuckDB
#   DUCKQ_BIN=B      use this build of bench/duckdb instead of building it
#   WORD=download    the word of the full-text query (raw contains WORD)
#   CITY=München     the city of the client_location.city eq query
#   AUTH_TYPE=mfa    the value of the extra.auth.auth_type eq query
#   REF=1            0 leaves out the reference tools (sqlite3 and DuckDB)
#   PIPE=0           1 pipes `auditdeck gen` into `auditdeck ingest -` (no
#                    file; implies REF=0, and the query parameters come from
#                    the store)
#   FRAME=auto       the dashboard's first frame in tmux (auto: when tmux is
#                    installed; 0 skips it); FRAME_RUNS=3 starts
#   RESULT_FILE=F    also append the results as key=value lines to F
#   SCALE="1M 10M 100M"  the scale curve: one run per size (EXPORTS=0), sizes
#                    up to SCALE_REF_MAX (default 10M) from a file beside the
#                    reference tools, larger ones piped, auditdeck only; then
#                    a table of the curve with ratios
#
# See bench/README.md for what is measured and how.
set -euo pipefail

N=${N:-1000000}
RUNS=${RUNS:-5}
KEEP=${KEEP:-0}
SKIP_AUDITDECK=${SKIP_AUDITDECK:-0}
SQLITE_PRAGMAS=${SQLITE_PRAGMAS:-}
EXPORTS=${EXPORTS:-1}
EXPORT_RUNS=${EXPORT_RUNS:-3}
EXPORT_ROWS=${EXPORT_ROWS:-100000}
DUCKDB=${DUCKDB:-auto}
WORD=${WORD:-download}
CITY=${CITY:-München}
AUTH_TYPE=${AUTH_TYPE:-mfa}
PIPE=${PIPE:-0}
REF=${REF:-1}
((PIPE == 1)) && REF=0
FRAME=${FRAME:-auto}
FRAME_RUNS=${FRAME_RUNS:-3}
RESULT_FILE=${RESULT_FILE:-}
SCALE=${SCALE:-}
SCALE_REF_MAX=${SCALE_REF_MAX:-10M}
REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n "$SCALE" ]]; then
	# one run of this script per size, then the curve (bench/scale.sh)
	export SCALE SCALE_REF_MAX
	exec "$REPO/bench/scale.sh"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/auditdeck-bench.XXXXXX")

cleanup() {
	if [[ "$KEEP" == 1 ]]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf -- "$WORK"
	fi
}
trap cleanup EXIT

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" | tee -a "$WORK/warnings.txt" >&2; }
die() {
	printf 'compare.sh: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------- tools

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required${2:+ ($2)}"; }
need go
if ((REF)); then
	need sqlite3 "apt-get install sqlite3"
	HAVE_SQLITE=1
else
	HAVE_SQLITE=0 DUCKDB=0
	[[ "$SKIP_AUDITDECK" != 1 ]] || die "REF=0 with SKIP_AUDITDECK=1 leaves nothing to run"
fi
if [[ ! -x /usr/bin/time ]]; then
	log "installing GNU time (/usr/bin/time)"
	if [[ $(id -u) == 0 ]]; then
		apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
	else
		sudo apt-get install -y -qq time >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null; }
	fi
	[[ -x /usr/bin/time ]] || die "could not install GNU time"
fi
# DuckDB: DK_ENGINE is cli (the duckdb CLI) or go ($DUCKQ, bench/duckdb)
HAVE_DUCKDB=0 DK_ENGINE="" DUCKQ="$WORK/duckq" DK_VERSION=""
case $DUCKDB in
0) ;;
auto | cli | go)
	if [[ $DUCKDB != go ]] && command -v duckdb >/dev/null 2>&1; then
		HAVE_DUCKDB=1 DK_ENGINE=cli
		DK_VERSION="duckdb CLI $(duckdb --version | head -n 1)"
	elif [[ $DUCKDB == cli ]]; then
		die "DUCKDB=cli: no duckdb on PATH"
	elif [[ -n "${DUCKQ_BIN:-}" ]]; then
		[[ -x "$DUCKQ_BIN" ]] || die "DUCKQ_BIN $DUCKQ_BIN is not executable"
		HAVE_DUCKDB=1 DK_ENGINE=go DUCKQ=$DUCKQ_BIN
	elif command -v cc >/dev/null 2>&1; then
		log "building bench/duckdb (github.com/duckdb/duckdb-go/v2, cgo)"
		if (cd "$REPO/bench/duckdb" && CGO_ENABLED=1 go build -o "$DUCKQ" .) >"$WORK/duckq-build.out" 2>&1; then
			HAVE_DUCKDB=1 DK_ENGINE=go
		else
			warn "building bench/duckdb failed, DuckDB skipped: $(tail -n 3 "$WORK/duckq-build.out" | tr '\n' ' ')"
		fi
	else
		warn "no duckdb CLI and no C compiler for bench/duckdb: DuckDB skipped"
	fi
	if [[ $DK_ENGINE == go ]]; then
		DK_VERSION="DuckDB $(echo 'SELECT version();' | "$DUCKQ" -db :memory: 2>/dev/null | head -n 1) via duckdb-go $(cd "$REPO/bench/duckdb" && go list -m -f '{{.Version}}' github.com/duckdb/duckdb-go/v2 2>/dev/null)"
	fi
	;;
*) die "DUCKDB=$DUCKDB: want auto, cli, go or 0" ;;
esac

now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000 )) | awk '{printf "%.1f", $1/1000}'; }

# median of the arguments (numbers); "n/a" if none
median() {
	if (($# == 0)); then
		echo n/a
		return
	fi
	printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) printf "%.2f", a[(NR+1)/2]; else printf "%.2f", (a[NR/2]+a[NR/2+1])/2}'
}

# ratio a/b with two decimals (three significant digits below 0.1), or "-" when not computable
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) {r = a/b; if (r > 0 && r < 0.1) printf "%.3g", r; else printf "%.2f", r} else printf "-"}'
}

# timev NAME CMD...: run CMD under /usr/bin/time -v; sets TV_WALL (s) and TV_RSS (MiB)
timev() {
	local name=$1
	shift
	local tf="$WORK/time.$name.txt" rc=0
	/usr/bin/time -v -o "$tf" "$@" || rc=$?
	TV_WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for (i=1;i<=n;i++) s=s*60+p[i]; printf "%.2f", s}' "$tf")
	TV_RSS=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$tf")
	return $rc
}

# percent-encode a DSL argument (everything but [A-Za-z0-9._@-])
pct() {
	# bytes, not characters: a UTF-8 letter becomes %C3%BC, not %FC
	local LC_ALL=C
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._@-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

# rows in an output file: lines for ndjson, last integer for counts, data
# lines for csv (a first line without digits is taken as the header)
count_rows() {
	local kind=$1 f=$2
	case $kind in
	ndjson) grep -c '' "$f" || true ;;
	count) grep -Eo '[0-9]+' "$f" | tail -n 1 || true ;;
	csv)
		local n
		n=$(grep -c '' "$f" || true)
		if ((n > 0)) && ! head -n 1 "$f" | grep -q '[0-9]'; then n=$((n - 1)); fi
		echo "$n"
		;;
	esac
}

# ---------------------------------------------------------------- build and generate

EV="$WORK/events.ndjson"
AD="$WORK/auditdeck"
if [[ "$SKIP_AUDITDECK" == 1 ]]; then
	:
elif [[ -n "${AUDITDECK_BIN:-}" ]]; then
	[[ -x "$AUDITDECK_BIN" ]] || die "AUDITDECK_BIN $AUDITDECK_BIN is not executable"
	AD=$AUDITDECK_BIN
else
	log "building ./cmd/auditdeck"
	(cd "$REPO" && go build -o "$AD" ./cmd/auditdeck) || die "go build ./cmd/auditdeck failed (SKIP_AUDITDECK=1 runs the reference tools only)"
fi

DATA="$WORK/auditdeck-data"
declare -A INGEST_WALL INGEST_RSS INGEST_SIZE
# ad_ingested: records auditdeck's ingest (TV_WALL, TV_RSS from timev) and its size on disk
ad_ingested() {
	INGEST_WALL[auditdeck]=$TV_WALL
	INGEST_RSS[auditdeck]=$TV_RSS
	INGEST_SIZE[auditdeck]=$(du -sm "$DATA" | cut -f1)
}

if ((PIPE)); then
	[[ -z "${EVENTS_FILE:-}" && "$SKIP_AUDITDECK" != 1 ]] || die "PIPE=1 generates its events: no EVENTS_FILE, no SKIP_AUDITDECK"
	# No file: gen writes into a pipe that ingest reads ("-"). Only the
	# ingest runs under time -v, so the RSS is its own; its wall time
	# includes waiting for gen when gen is the slower of the two.
	log "auditdeck gen --events $N --seed 1 | auditdeck ingest - (no file)"
	timev ad-ingest "$AD" ingest --no-progress --data "$DATA" - < <("$AD" gen --events "$N" --seed 1) >"$WORK/ad-ingest.out" 2>&1 ||
		die "piped ingest failed: $(tail -n 3 "$WORK/ad-ingest.out" | tr '\n' ' ')"
	ad_ingested
	grep -q "^ingested $N," "$WORK/ad-ingest.out" || warn "piped ingest: $(grep '^ingested' "$WORK/ad-ingest.out" || echo 'no ingested line'), expected $N"
elif [[ -n "${EVENTS_FILE:-}" ]]; then
	[[ -r "$EVENTS_FILE" ]] || die "EVENTS_FILE $EVENTS_FILE is not readable"
	EV=$EVENTS_FILE
	N=$(grep -c '' "$EV")
	log "using $EV ($N events)"
elif [[ "$SKIP_AUDITDECK" != 1 ]]; then
	log "generating $N events: auditdeck gen --events $N --seed 1"
	t0=$(now_ns)
	"$AD" gen --events "$N" --seed 1 --out "$EV"
	log "generated in $(ms_since "$t0") ms"
else
	# No CLI: call synthetic.Write from a throwaway module outside the repository.
	log "generating $N events with synthetic.Write (temporary module in $WORK/gen)"
	mkdir -p "$WORK/gen"
	cat >"$WORK/gen/go.mod" <<EOF
module benchgen

go 1.26

require github.com/auditdeck/auditdeck v0.0.0

replace github.com/auditdeck/auditdeck => $REPO
EOF
	cat >"$WORK/gen/main.go" <<'EOF'
package main

import (
	"bufio"
	"os"
	"strconv"
	"time"

	"github.com/auditdeck/auditdeck/synthetic"
)

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	f, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	o := synthetic.Options{Events: n, Seed: 1, End: time.Now().UTC().Truncate(time.Minute)}
	if err := synthetic.Write(w, o); err != nil {
		panic(err)
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
EOF
	(cd "$WORK/gen" && GOFLAGS=-mod=mod go run . "$N" "$EV")
fi
if ((PIPE)); then
	EV_BYTES=0
else
	[[ -s "$EV" ]] || die "no events in $EV"
	EV_BYTES=$(stat -c %s "$EV")
fi

# ---------------------------------------------------------------- query parameters from the data

# ad_page ARGS...: the NDJSON of an auditdeck query (parameters of a piped run come from the store)
ad_page() { "$AD" query --data "$DATA" --format ndjson "$@" 2>/dev/null; }

# The window: the last 7 days before the newest event (the file is oldest first).
if ((PIPE)); then
	LAST=$(ad_page --limit 1 | grep -o '"created_at":"[^"]*"' | head -n 1 | cut -d'"' -f4 || true)
else
	LAST=$(tail -n 1 "$EV" | grep -o '"created_at":"[^"]*"' | head -n 1 | cut -d'"' -f4 || true)
fi
[[ -n "$LAST" ]] || die "cannot read created_at of the last event"
T2S=$(($(date -u -d "${LAST%%.*}Z" +%s) + 1))
T1S=$((T2S - 7 * 86400))
T1=$(date -u -d "@$T1S" +%Y-%m-%dT%H:%M:%S.000Z)
T2=$(date -u -d "@$T2S" +%Y-%m-%dT%H:%M:%S.000Z)

# A user that occurs in the data (from the middle of the file; no apostrophe, so no quoting games).
# A piped run has no file: the user of the 1000th newest event instead.
MID=$(((N + 1) / 2))
if ((PIPE)); then
	EMAIL=$(ad_page --limit 1000 | tail -n 200 | grep -o -m 1 "\"user_email\":\"[^\"']*\"" | head -n 1 | cut -d'"' -f4 || true)
else
	EMAIL=$(sed -n "${MID},\$p" "$EV" | grep -o -m 1 "\"user_email\":\"[^\"']*\"" | head -n 1 | cut -d'"' -f4 || true)
fi
[[ -n "$EMAIL" ]] || die "cannot pick a user_email"

# A needle inside raw that hits a small fraction: a Google profile id (raw.actor.profileId),
# else a client IP (raw ipAddress / sourceIPAddress / ClientIP).
if ((PIPE)); then
	NEEDLE=$(ad_page --filter 'vendor.name.eq(google)' --limit 1000 | tail -n 1 | grep -o '"profileId":"[0-9]*"' | head -n 1 | cut -d'"' -f4 || true)
	[[ -n "$NEEDLE" ]] || NEEDLE=$(ad_page --limit 1 | grep -o '"client_ip":"[^"]*"' | head -n 1 | cut -d'"' -f4 || true)
else
	NEEDLE=$(sed -n "${MID},\$p" "$EV" | grep -m 1 '"vendor":{"name":"google"' | grep -o '"profileId":"[0-9]*"' | head -n 1 | cut -d'"' -f4 || true)
fi
if [[ -z "$NEEDLE" ]]; then
	NEEDLE=$(sed -n "${MID}p" "$EV" | grep -o '"client_ip":"[^"]*"' | head -n 1 | cut -d'"' -f4 || true)
fi

log "window [$T1, $T2), user $EMAIL, needle $NEEDLE"

# ---------------------------------------------------------------- ingest

DB="$WORK/sqlite.db"
DUCK="$WORK/duck.db"

if [[ "$SKIP_AUDITDECK" != 1 ]] && ((!PIPE)); then
	log "auditdeck ingest"
	if timev ad-ingest "$AD" ingest --data "$DATA" "$EV" >"$WORK/ad-ingest.out" 2>&1; then
		ad_ingested
	else
		warn "auditdeck ingest failed: $(tail -n 3 "$WORK/ad-ingest.out" | tr '\n' ' ')"
	fi
fi

# sqlite3: the CLI's .import in ascii mode with the unit separator (0x1F) as
# the column separator and '\n' as the row separator. A JSON text can never
# contain a raw 0x1F (control characters must be escaped inside strings and
# are not whitespace outside them) and ascii mode does no quote processing,
# so each NDJSON line lands verbatim in the one TEXT column. The indexed
# fields are VIRTUAL generated columns added afterwards (ALTER TABLE can add
# virtual, not stored, columns), and the indexes store their values.
sqlite_import() {
log "sqlite3 import + indexes"
cat >"$WORK/sqlite-import.sql" <<EOF
$SQLITE_PRAGMAS
.timer on
CREATE TABLE ev(doc TEXT NOT NULL);
.mode ascii
.separator "\037" "\n"
.import "$EV" ev
.mode list
ALTER TABLE ev ADD COLUMN created_at TEXT GENERATED ALWAYS AS (json_extract(doc, '\$.created_at')) VIRTUAL;
ALTER TABLE ev ADD COLUMN event_type TEXT GENERATED ALWAYS AS (json_extract(doc, '\$.event_type')) VIRTUAL;
ALTER TABLE ev ADD COLUMN operation_successful INTEGER GENERATED ALWAYS AS (json_extract(doc, '\$.operation_successful')) VIRTUAL;
ALTER TABLE ev ADD COLUMN user_email TEXT GENERATED ALWAYS AS (json_extract(doc, '\$.user.user_email')) VIRTUAL;
CREATE INDEX ev_type_time ON ev(event_type, created_at);
CREATE INDEX ev_user_time ON ev(user_email, created_at);
CREATE INDEX ev_time ON ev(created_at);
ANALYZE;
SELECT 'rows', count(*) FROM ev;
EOF
timev sqlite-import sqlite3 -batch -bail "$DB" <"$WORK/sqlite-import.sql" >"$WORK/sqlite-import.out" 2>&1 ||
	die "sqlite3 import failed: $(tail -n 5 "$WORK/sqlite-import.out")"
INGEST_WALL[sqlite3]=$TV_WALL
INGEST_RSS[sqlite3]=$TV_RSS
INGEST_SIZE[sqlite3]=$(du -sm "$DB" | cut -f1)
SQ_SQL_S=$(grep -Eo 'real [0-9.]+' "$WORK/sqlite-import.out" | awk '{s+=$2} END {printf "%.2f", s}')
SQ_ROWS=$(grep '^rows|' "$WORK/sqlite-import.out" | cut -d'|' -f2)
[[ "$SQ_ROWS" == "$N" ]] || warn "sqlite3 imported $SQ_ROWS rows, the file has $N lines"
}
SQ_SQL_S=""
((HAVE_SQLITE)) && sqlite_import

# dk_run DB MODE OUT: DuckDB runs the SQL on stdin, rows to OUT in MODE
# (list, or csv with a header), "Run Time (s): real S" per statement on stderr
dk_run() {
	local db=$1 mode=$2 out=$3
	if [[ $DK_ENGINE == cli ]]; then
		{
			case $mode in
			csv) printf '.mode csv\n.headers on\n' ;;
			*) printf '.mode list\n.headers off\n' ;;
			esac
			printf '.output %s\n.timer on\n' "$out"
			cat
		} | duckdb -batch "$db"
	else
		local -a h=()
		[[ $mode == csv ]] && h=(-headers)
		"$DUCKQ" -db "$db" -mode "$mode" "${h[@]}" -out "$out"
	fi
}

# DuckDB gets a native table: read_ndjson with the events' schema, every
# top-level field a column (nested objects as STRUCTs, extra too, created_at
# a TIMESTAMP), the vendor payload (raw) as JSON. Auto-detection
# cannot load these events ("Duplicate name id in struct": raw holds keys that
# differ in case only). No copy of the line is kept: a page rebuilds the event
# with to_json.
if ((HAVE_DUCKDB)); then
	log "duckdb load ($DK_ENGINE)"
	cat >"$WORK/duck-import.sql" <<EOF
CREATE TABLE ev AS SELECT * FROM read_ndjson('$EV', columns = {event_id: 'VARCHAR', client_ip: 'VARCHAR', event_type: 'VARCHAR', created_at: 'TIMESTAMP', operation_successful: 'BOOLEAN', client_location: 'STRUCT(lat DOUBLE, lng DOUBLE, country STRUCT(code VARCHAR, name VARCHAR), region STRUCT(code VARCHAR, name VARCHAR), city VARCHAR)', event_category: 'VARCHAR', origin_id: 'VARCHAR', "user": 'STRUCT(vendor_id VARCHAR, user_email VARCHAR)', user_agent: 'VARCHAR', vendor: 'STRUCT(name VARCHAR, service VARCHAR)', extra: 'STRUCT(auth STRUCT(auth_type VARCHAR, is_suspicious BOOLEAN))', raw: 'JSON'});
SELECT 'rows', count(*) FROM ev;
EOF
	# /usr/bin/time runs a program, not dk_run: the same two ways spelled out
	if [[ $DK_ENGINE == cli ]]; then
		dk_load=(duckdb -batch -cmd ".output $WORK/duck-import.rows" -cmd ".timer on" "$DUCK")
	else
		dk_load=("$DUCKQ" -db "$DUCK" -out "$WORK/duck-import.rows")
	fi
	if timev duck-import "${dk_load[@]}" <"$WORK/duck-import.sql" >"$WORK/duck-import.out" 2>&1; then
		INGEST_WALL[duckdb]=$TV_WALL
		INGEST_RSS[duckdb]=$TV_RSS
		INGEST_SIZE[duckdb]=$(du -sm "$DUCK" | cut -f1)
		DK_ROWS=$(grep '^rows|' "$WORK/duck-import.rows" | cut -d'|' -f2)
		[[ "$DK_ROWS" == "$N" ]] || warn "duckdb loaded $DK_ROWS rows, the file has $N lines"
	else
		warn "duckdb load failed: $(tail -n 3 "$WORK/duck-import.out" | tr '\n' ' ')"
		HAVE_DUCKDB=0
	fi
fi

# ---------------------------------------------------------------- queries

# 1-5 are the engine-foundation issue's queries; 6-9 the Store v2 issue's:
# two any-field counts (fields that are no column of auditdeck's today), a
# full-text count of a word, and a top 10 (users by failed logins, through
# the aggregation: `auditdeck top`). 13-15 are issue 11's: the same top 10
# as the grouped export it was before (auditdeck alone), and what opening
# the fields panel asks the engine: the field catalog and a top 10 of a
# field for the current filter (a field column, not a typed one).
QNAMES=(
	"1 newest 50 failed logins"
	"2 count logins in 7 days"
	"3 one user's last 50"
	"4 failed logins 7d to CSV"
	"5 raw contains id, count"
	"6 user_agent icontains"
	"7 city eq, count"
	"8 raw contains word, count"
	"9 top 10 users, failed"
	"10 auth_type eq, count"
	"11 bare word, count"
	"12 first page, no filter"
	"13 top 10 users, export"
	"14 fields catalog"
	"15 top 10 cities, failed"
)
QKIND=(ndjson count ndjson csv count count count count top count count ndjson topx fields top)
FAILED_LOGINS="event_type.eq(login),operation_successful.eq(false)"
AD_ARGS=(
	"--filter $FAILED_LOGINS --limit 50 --format ndjson"
	"--filter event_type.eq(login),created_at.ge($(pct "$T1")),created_at.lt($(pct "$T2")) --count"
	"--filter user.user_email.eq($(pct "$EMAIL")) --limit 50 --format ndjson"
	"--filter $FAILED_LOGINS,created_at.ge($(pct "$T1")) --limit 0 --format csv"
	"--filter raw.contains($(pct "$NEEDLE")) --count"
	"--filter user_agent.icontains(python) --count"
	"--filter client_location.city.eq($(pct "$CITY")) --count"
	"--filter raw.contains($(pct "$WORD")) --count"
	"user.user_email --filter $FAILED_LOGINS --n 10"
	"--filter extra.auth.auth_type.eq($(pct "$AUTH_TYPE")) --count"
	"--filter $(pct "$WORD") --count"
	"--limit 50 --format ndjson"
	"--filter $FAILED_LOGINS --group-by user.user_email --format csv"
	""
	"client_location.city --filter $FAILED_LOGINS --n 10"
)
# sqlite3's LIKE ignores ASCII case (icontains); instr is the case-sensitive contains
CSV_COLS="json_extract(doc, '\$.event_id') AS event_id, created_at, event_type, operation_successful, user_email, json_extract(doc, '\$.client_ip') AS client_ip, json_extract(doc, '\$.client_location.country.code') AS country, json_extract(doc, '\$.vendor.name') AS vendor, json_extract(doc, '\$.vendor.service') AS service"
SQ_SQL=(
	"SELECT doc FROM ev WHERE event_type = 'login' AND operation_successful = 0 ORDER BY created_at DESC LIMIT 50;"
	"SELECT count(*) FROM ev WHERE event_type = 'login' AND created_at >= '$T1' AND created_at < '$T2';"
	"SELECT doc FROM ev WHERE user_email = '$EMAIL' ORDER BY created_at DESC LIMIT 50;"
	"SELECT $CSV_COLS FROM ev WHERE event_type = 'login' AND operation_successful = 0 AND created_at >= '$T1' ORDER BY created_at DESC;"
	"SELECT count(*) FROM ev WHERE json_extract(doc, '\$.raw') LIKE '%$NEEDLE%';"
	"SELECT count(*) FROM ev WHERE json_extract(doc, '\$.user_agent') LIKE '%python%';"
	"SELECT count(*) FROM ev WHERE json_extract(doc, '\$.client_location.city') = '$CITY';"
	"SELECT count(*) FROM ev WHERE instr(json_extract(doc, '\$.raw'), '$WORD') > 0;"
	"SELECT user_email AS \"user.user_email\", count(*) AS \"Events\" FROM ev WHERE event_type = 'login' AND operation_successful = 0 GROUP BY user_email ORDER BY 2 DESC, 1 LIMIT 10;"
	"SELECT count(*) FROM ev WHERE json_extract(doc, '\$.extra.auth.auth_type') = '$AUTH_TYPE';"
	"SELECT count(*) FROM ev WHERE doc LIKE '%$WORD%';"
	"SELECT doc FROM ev ORDER BY created_at DESC LIMIT 50;"
	""
	""
	""
)
# Full text in DuckDB: every string column and the text of raw, in one
# string (raw's text holds its keys too; no key of the generator's holds WORD).
DK_ALL_TEXT="concat_ws(' ', event_id, client_ip, event_type, event_category, origin_id, user_agent, \"user\".vendor_id, \"user\".user_email, vendor.name, vendor.service, client_location.city, client_location.country.code, client_location.country.name, client_location.region.code, client_location.region.name, extra.auth.auth_type, CAST(raw AS VARCHAR))"
DK_SQL=(
	"SELECT CAST(to_json(ev) AS VARCHAR) FROM ev WHERE event_type = 'login' AND NOT operation_successful ORDER BY created_at DESC LIMIT 50;"
	"SELECT count(*) FROM ev WHERE event_type = 'login' AND created_at >= TIMESTAMP '$T1' AND created_at < TIMESTAMP '$T2';"
	"SELECT CAST(to_json(ev) AS VARCHAR) FROM ev WHERE \"user\".user_email = '$EMAIL' ORDER BY created_at DESC LIMIT 50;"
	"SELECT event_id, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS created_at, event_type, operation_successful, \"user\".user_email AS user_email, client_ip, client_location.country.code AS country, vendor.name AS vendor, vendor.service AS service FROM ev WHERE event_type = 'login' AND NOT operation_successful AND created_at >= TIMESTAMP '$T1' ORDER BY created_at DESC;"
	"SELECT count(*) FROM ev WHERE contains(CAST(raw AS VARCHAR), '$NEEDLE');"
	"SELECT count(*) FROM ev WHERE user_agent ILIKE '%python%';"
	"SELECT count(*) FROM ev WHERE client_location.city = '$CITY';"
	"SELECT count(*) FROM ev WHERE contains(CAST(raw AS VARCHAR), '$WORD');"
	"SELECT \"user\".user_email AS \"user.user_email\", count(*) AS \"Events\" FROM ev WHERE event_type = 'login' AND NOT operation_successful GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10;"
	"SELECT count(*) FROM ev WHERE extra.auth.auth_type = '$AUTH_TYPE';"
	"SELECT count(*) FROM ev WHERE $DK_ALL_TEXT ILIKE '%$WORD%';"
	"SELECT CAST(to_json(ev) AS VARCHAR) FROM ev ORDER BY created_at DESC LIMIT 50;"
	""
	""
	""
)

declare -A MS WALL ROWS

# task_ms MANIFEST: finished_at - started_at of an export task, in ms (nothing when unreadable)
task_ms() {
	local s f
	s=$(grep -o '"started_at": *"[^"]*"' "$1" 2>/dev/null | cut -d'"' -f4 || true)
	f=$(grep -o '"finished_at": *"[^"]*"' "$1" 2>/dev/null | cut -d'"' -f4 || true)
	[[ -n $s && -n $f ]] || return 0
	s=$(date -u -d "$s" +%s%N 2>/dev/null) && f=$(date -u -d "$f" +%s%N 2>/dev/null) || return 0
	awk -v s="$s" -v f="$f" 'BEGIN {printf "%.3f", (f - s) / 1e6}'
}

# top10 FILE: the first 10 data rows of a CSV of key,count, without quotes and CRs (sqlite3 ends rows with CRLF)
top10() { awk 'NR > 11 {exit} NR > 1 {gsub(/["\r]/, ""); print}' "$1"; }

# top10ad FILE: the first 10 rows of `auditdeck top --format csv` as top10
# gives them, without the share column
top10ad() { top10 "$1" | sed 's/,[^,]*$//'; }

# run_ad I: auditdeck query I, RUNS times. A top 10 (top) is `auditdeck top
# --timing`, its in-process time the aggregation's; the same as a grouped
# export (topx) is timed by the task's time in the manifest, its rows the
# export's first 10; the field catalog (fields) has its wall time only.
run_ad() {
	local i=$1 r t0 el out="$WORK/ad.q$(($1 + 1)).out" err="$WORK/ad.q$(($1 + 1)).err" ms=() wall=() dir f
	local -a args
	read -r -a args <<<"${AD_ARGS[$i]}"
	for ((r = 0; r < RUNS; r++)); do
		t0=$(now_ns)
		if [[ ${QKIND[$i]} == top ]]; then
			if ! "$AD" top --data "$DATA" "${args[@]}" --format csv --timing >"$out.csv" 2>"$err"; then
				warn "auditdeck query $((i + 1)) (top) failed: $(tail -n 2 "$err" | tr '\n' ' ')"
				return 0
			fi
			wall+=("$(ms_since "$t0")")
			el=$(grep -o 'elapsed_ms=[0-9.eE+-]*' "$err" | tail -n 1 | cut -d= -f2 || true)
			top10ad "$out.csv" >"$out"
		elif [[ ${QKIND[$i]} == fields ]]; then
			if ! "$AD" fields --data "$DATA" --format json >"$out" 2>"$err"; then
				warn "auditdeck query $((i + 1)) (fields) failed: $(tail -n 2 "$err" | tr '\n' ' ')"
				return 0
			fi
			wall+=("$(ms_since "$t0")")
			el=""
		elif [[ ${QKIND[$i]} == topx ]]; then
			dir="$WORK/ad.q$((i + 1)).exports"
			rm -rf -- "$dir"
			if ! "$AD" export --data "$DATA" --exports "$dir" --file-name top "${args[@]}" >"$out.export" 2>"$err"; then
				warn "auditdeck query $((i + 1)) (export) failed: $(tail -n 2 "$err" | tr '\n' ' ')"
				return 0
			fi
			wall+=("$(ms_since "$t0")")
			f=$(head -n 1 "$out.export" | cut -f1)
			el=$(task_ms "${f%.*}.manifest.json")
			top10 "$f" >"$out"
		else
			if ! "$AD" query --data "$DATA" "${args[@]}" --timing >"$out" 2>"$err"; then
				warn "auditdeck query $((i + 1)) failed: $(tail -n 2 "$err" | tr '\n' ' ')"
				return 0
			fi
			wall+=("$(ms_since "$t0")")
			el=$(grep -o 'elapsed_ms=[0-9.eE+-]*' "$err" | tail -n 1 | cut -d= -f2 || true)
		fi
		[[ -n "$el" ]] && ms+=("$el")
	done
	[[ ${#ms[@]} -gt 0 || ${QKIND[$i]} == fields ]] || warn "auditdeck query $((i + 1)): no in-process time (--timing elapsed_ms, or the export's manifest)"
	MS[ad,$i]=$(median "${ms[@]}")
	WALL[ad,$i]=$(median "${wall[@]}")
	if [[ ${QKIND[$i]} == top || ${QKIND[$i]} == topx ]]; then
		ROWS[ad,$i]=$(grep -c '' "$out" || true)
	elif [[ ${QKIND[$i]} == fields ]]; then
		ROWS[ad,$i]=$(grep -c '"path":' "$out" || true)
	else
		ROWS[ad,$i]=$(count_rows "${QKIND[$i]}" "$out")
	fi
}

# run_sql TOOL I: sqlite3 or duckdb query I, RUNS times
run_sql() {
	local tool=$1 i=$2 r t0 out="$WORK/$1.q$(($2 + 1)).out" tf="$WORK/$1.q$(($2 + 1)).timer" ms=() wall=() sql mode=list
	case ${QKIND[$i]} in
	csv | top) mode=csv ;;
	esac
	for ((r = 0; r < RUNS; r++)); do
		t0=$(now_ns)
		if [[ $tool == sq ]]; then
			sql=${SQ_SQL[$i]}
			local sqmode=$'.mode list\n.headers off'
			[[ $mode == csv ]] && sqmode=$'.mode csv\n.headers on'
			if ! printf '%s\n%s\n.output %s\n.timer on\n%s\n' "$SQLITE_PRAGMAS" "$sqmode" "$out" "$sql" | sqlite3 -batch "$DB" >"$tf" 2>&1; then
				warn "sqlite3 query $((i + 1)) failed: $(tail -n 2 "$tf" | tr '\n' ' ')"
				return 0
			fi
		else
			sql=${DK_SQL[$i]}
			if ! printf '%s\n' "$sql" | dk_run "$DUCK" "$mode" "$out" >"$tf" 2>&1; then
				warn "duckdb query $((i + 1)) failed: $(tail -n 2 "$tf" | tr '\n' ' ')"
				return 0
			fi
		fi
		wall+=("$(ms_since "$t0")")
		# sqlite3: "Run Time: real 0.012 user ...", duckdb: "Run Time (s): real 0.012 user ..."
		ms+=("$(grep -Eo 'real [0-9.]+' "$tf" | tail -n 1 | awk '{printf "%.3f", $2*1000}')")
	done
	MS[$tool,$i]=$(median "${ms[@]}")
	WALL[$tool,$i]=$(median "${wall[@]}")
	if [[ ${QKIND[$i]} == top ]]; then
		top10 "$out" >"$out.top"
		ROWS[$tool,$i]=$(grep -c '' "$out.top" || true)
	else
		ROWS[$tool,$i]=$(count_rows "${QKIND[$i]}" "$out")
	fi
}

for i in "${!QNAMES[@]}"; do
	log "query ${QNAMES[$i]}"
	[[ "$SKIP_AUDITDECK" != 1 ]] && run_ad "$i"
	((HAVE_SQLITE)) || continue
	[[ -n "${SQ_SQL[$i]}" ]] || continue # auditdeck alone
	run_sql sq "$i"
	((HAVE_DUCKDB)) && run_sql dk "$i"
	if [[ "$SKIP_AUDITDECK" != 1 && -n "${ROWS[ad,$i]:-}" && "${ROWS[ad,$i]}" != "${ROWS[sq,$i]:-}" ]]; then
		warn "query $((i + 1)) (${QNAMES[$i]}): auditdeck returned ${ROWS[ad,$i]} rows, sqlite3 ${ROWS[sq,$i]:-?}"
	fi
	if ((HAVE_DUCKDB)) && [[ -n "${ROWS[dk,$i]:-}" && "${ROWS[dk,$i]}" != "${ROWS[sq,$i]:-}" ]]; then
		warn "query $((i + 1)) (${QNAMES[$i]}): duckdb returned ${ROWS[dk,$i]} rows, sqlite3 ${ROWS[sq,$i]:-?}"
	fi
	# what the pair of result sets is, beyond the count: newest-first pages must start alike
	q=$((i + 1))
	if [[ "$SKIP_AUDITDECK" != 1 && ${QKIND[$i]} == ndjson && -s "$WORK/ad.q$q.out" ]]; then
		a=$(head -n 1 "$WORK/ad.q$q.out" | grep -o '"created_at":"[^"]*"' | head -n 1 || true)
		s=$(head -n 1 "$WORK/sq.q$q.out" | grep -o '"created_at":"[^"]*"' | head -n 1 || true)
		[[ "$a" == "$s" ]] || warn "query $((i + 1)): first row differs: auditdeck $a, sqlite3 $s"
	fi
	# a top 10 must be the same ten users with the same counts (ties by user)
	if [[ ${QKIND[$i]} == top && -f "$WORK/sq.q$q.out.top" ]]; then
		if [[ "$SKIP_AUDITDECK" != 1 && -f "$WORK/ad.q$q.out" ]] && ! cmp -s "$WORK/ad.q$q.out" "$WORK/sq.q$q.out.top"; then
			warn "query $q: auditdeck's top 10 differs from sqlite3's: $(diff "$WORK/ad.q$q.out" "$WORK/sq.q$q.out.top" | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
		fi
		if ((HAVE_DUCKDB)) && [[ -f "$WORK/dk.q$q.out.top" ]] && ! cmp -s "$WORK/dk.q$q.out.top" "$WORK/sq.q$q.out.top"; then
			warn "query $q: duckdb's top 10 differs from sqlite3's: $(diff "$WORK/dk.q$q.out.top" "$WORK/sq.q$q.out.top" | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
		fi
	fi
done

# ---------------------------------------------------------------- the dashboard's first frame

# The TUI in a detached tmux server of its own (160x45): from the start of
# the process to the first frame showing rows ("1/N" in the status line), as
# bench/tui-latency.sh measures it, FRAME_RUNS times; the RSS right after the
# frame. Each run waits for the TUI to exit before the next, as only one
# process opens the store for writing.
FRAME_MS=() FRAME_RSS=0
FRAME_TIMEOUT=${FRAME_TIMEOUT:-300}
frame_once() {
	local sock="adbench$$" t0 deadline pane tui="" rss k
	t0=$(now_ns)
	tmux -L "$sock" new-session -d -s p -x 160 -y 45 "$(printf '%q' "$AD") --data $(printf '%q' "$DATA") --user bench; sleep 30"
	deadline=$((t0 + FRAME_TIMEOUT * 1000000000))
	while ! tmux -L "$sock" capture-pane -p -t p 2>/dev/null | grep -q '^1/[0-9,]'; do
		if (($(now_ns) > deadline)); then
			warn "dashboard: no first frame with rows within ${FRAME_TIMEOUT} s"
			tmux -L "$sock" kill-server 2>/dev/null || true
			return 1
		fi
		sleep 0.005
	done
	FRAME_MS+=("$(ms_since "$t0")")
	pane=$(tmux -L "$sock" display-message -p -t p '#{pane_pid}')
	tui=$(pgrep -P "$pane" | head -n 1 || true)
	if [[ -n $tui ]]; then
		rss=$(awk '/^VmRSS:/ {printf "%.0f", $2/1024}' "/proc/$tui/status" 2>/dev/null || echo 0)
		((rss > FRAME_RSS)) && FRAME_RSS=$rss
	fi
	tmux -L "$sock" kill-server 2>/dev/null || true
	# the TUI gets SIGHUP with its terminal: wait (at most 30 s) until it is gone
	for ((k = 0; k < 3000; k++)); do
		[[ -n $tui ]] && kill -0 "$tui" 2>/dev/null || break
		sleep 0.01
	done
}
if [[ "$FRAME" == auto ]]; then
	FRAME=0
	command -v tmux >/dev/null 2>&1 && FRAME=1
fi
if [[ "$FRAME" == 1 && "$SKIP_AUDITDECK" != 1 && -n "${INGEST_WALL[auditdeck]:-}" ]]; then
	need tmux "apt-get install tmux"
	log "dashboard first frame (tmux, $FRAME_RUNS starts)"
	for ((r = 0; r < FRAME_RUNS; r++)); do
		frame_once || break
	done
fi

# ---------------------------------------------------------------- exports

# The second part: exports, each as one process under /usr/bin/time -v (wall
# from the shell's clock around it, max RSS from time -v), EXPORT_RUNS times.
#   csv     all events to CSV: auditdeck export vs sqlite3 -csv -header, same 11 columns, same order
#   ndjson  all events to NDJSON: auditdeck export vs sqlite3 SELECT doc, same order
#   html, pdf, xlsx  EXPORT_ROWS rows (--limit), auditdeck only
#   group   --group-by user.user_email vs sqlite3 GROUP BY user_email, to CSV
XNAMES=(csv ndjson html pdf xlsx group)
XROWS=$((EXPORT_ROWS < N ? EXPORT_ROWS : N))
declare -A XLABEL=(
	[csv]="1 all $N to CSV"
	[ndjson]="2 all $N to NDJSON"
	[html]="3 $XROWS to HTML"
	[pdf]="4 $XROWS to PDF"
	[xlsx]="5 $XROWS to XLSX"
	[group]="6 grouped by user, CSV"
)
# XW wall s, XR max RSS MiB, XN rows (groups for group), XF output file; keyed by ad|sq,NAME;
# XT auditdeck's task time (s, from the manifest), XSAME the file comparison; keyed by NAME
declare -A XW XR XN XF XT XSAME
SQ_EXPORT_SQL=$(
	cat <<'SQL'
SELECT created_at AS "Time", json_extract(doc, '$.event_id') AS "Event ID", event_type AS "Type",
  user_email AS "User", json_extract(doc, '$.client_ip') AS "Client IP",
  json_extract(doc, '$.client_location.country.code') AS "Country",
  json_extract(doc, '$.vendor.name') AS "Vendor", json_extract(doc, '$.vendor.service') AS "Service",
  CASE operation_successful WHEN 1 THEN 'true' WHEN 0 THEN 'false' END AS "Successful",
  CASE json_extract(doc, '$.extra.auth.is_suspicious') WHEN 1 THEN 'true' WHEN 0 THEN 'false' END AS "Suspicious",
  'new' AS "Triage"
FROM ev ORDER BY created_at DESC, json_extract(doc, '$.event_id') DESC;
SQL
)
SQ_NDJSON_SQL="SELECT doc FROM ev ORDER BY created_at DESC, json_extract(doc, '\$.event_id') DESC;"
SQ_GROUP_SQL='SELECT user_email AS "user.user_email", count(*) AS "Events" FROM ev GROUP BY user_email ORDER BY 2 DESC, 1;'

# x_record TOOL NAME MS... : median wall (s, from ms) of the runs
x_record() {
	local key=$1,$2
	shift 2
	XW[$key]=$(median "$@" | awk '{printf "%.3f", $1/1000}')
}

# run_ad_export NAME ARGS...: auditdeck export ARGS, EXPORT_RUNS times
run_ad_export() {
	local name=$1 r t0 ms f dir="$WORK/exports-$1" out="$WORK/ad.x-$1.out" err="$WORK/ad.x-$1.err" rss=0 wall=() task=()
	shift
	for ((r = 1; r <= EXPORT_RUNS; r++)); do
		rm -rf -- "$dir"
		t0=$(now_ns)
		if ! timev "ad-x-$name" "$AD" export --data "$DATA" --exports "$dir" --file-name "bench-$name-$r" "$@" >"$out" 2>"$err"; then
			warn "auditdeck export $name failed: $(tail -n 2 "$err" | tr '\n' ' ')"
			return 0
		fi
		wall+=("$(ms_since "$t0")")
		((TV_RSS > rss)) && rss=$TV_RSS
		# exports land in a directory per task: the manifest sits beside the file
		f=$(head -n 1 "$out" | cut -f1)
		ms=$(task_ms "${f%.*}.manifest.json")
		[[ -n $ms ]] && task+=("$ms")
	done
	x_record ad "$name" "${wall[@]}"
	if ((${#task[@]})); then
		XT[$name]=$(median "${task[@]}" | awk '{printf "%.3f", $1/1000}')
	else
		warn "export $name: no started_at/finished_at in the manifests under $dir"
	fi
	XR[ad,$name]=$rss
	# stdout: PATH<TAB>N rows<TAB>B bytes<TAB>sha256 HEX, one line per file
	XF[ad,$name]=$(head -n 1 "$out" | cut -f1)
	XN[ad,$name]=$(head -n 1 "$out" | cut -f2 | grep -Eo '^[0-9]+' || true)
}

# run_sq_export NAME MODE SQL: sqlite3 writing the result of SQL to a file, EXPORT_RUNS times
run_sq_export() {
	local name=$1 mode=$2 sql=$3 r t0 script="$WORK/sq.x-$1.sql" out="$WORK/sq.x-$1.$2" err="$WORK/sq.x-$1.err" rss=0 wall=()
	((HAVE_SQLITE)) || return 0
	case $mode in
	csv) printf '%s\n.mode csv\n.headers on\n.output "%s"\n%s\n' "$SQLITE_PRAGMAS" "$out" "$sql" >"$script" ;;
	*) printf '%s\n.mode list\n.headers off\n.output "%s"\n%s\n' "$SQLITE_PRAGMAS" "$out" "$sql" >"$script" ;;
	esac
	for ((r = 1; r <= EXPORT_RUNS; r++)); do
		rm -f -- "$out"
		t0=$(now_ns)
		if ! timev "sq-x-$name" sqlite3 -batch -bail "$DB" <"$script" >"$err" 2>&1; then
			warn "sqlite3 export $name failed: $(tail -n 2 "$err" | tr '\n' ' ')"
			return 0
		fi
		wall+=("$(ms_since "$t0")")
		((TV_RSS > rss)) && rss=$TV_RSS
	done
	x_record sq "$name" "${wall[@]}"
	XR[sq,$name]=$rss
	XF[sq,$name]=$out
	XN[sq,$name]=$(count_rows "$mode" "$out")
}

# x_compare NAME KIND WANT: row counts of both files against WANT, and whether the bytes match
x_compare() {
	local name=$1 kind=$2 want=$3 fa=${XF[ad,$1]:-} fs=${XF[sq,$1]:-} n c line
	if [[ -n "$fa" && -f "$fa" ]]; then
		n=$(count_rows "$kind" "$fa")
		[[ "$n" == "${XN[ad,$name]}" ]] || warn "export $name: auditdeck reported ${XN[ad,$name]} rows, its file has $n"
		[[ -z "$want" || "$n" == "$want" ]] || warn "export $name: auditdeck wrote $n rows, expected $want"
	fi
	if [[ -n "$fs" && -f "$fs" ]]; then
		[[ -z "$want" || "${XN[sq,$name]}" == "$want" ]] || warn "export $name: sqlite3 wrote ${XN[sq,$name]} rows, expected $want"
	fi
	if [[ -n "$fa" && -f "$fa" && -n "$fs" && -f "$fs" ]]; then
		[[ "${XN[ad,$name]}" == "${XN[sq,$name]}" ]] || warn "export $name: auditdeck wrote ${XN[ad,$name]} rows, sqlite3 ${XN[sq,$name]}"
		if c=$(cmp -- "$fa" "$fs" 2>&1); then
			XSAME[$name]=yes
		elif [[ $kind == csv ]] && c=$(cmp <(tr -d '"' <"$fa") <(tr -d '"' <"$fs") 2>&1); then
			# sqlite3 quotes every field holding a space or an apostrophe, auditdeck
			# (as encoding/csv) only those that need it: equal once quotes are dropped
			XSAME[$name]=text
		else
			XSAME[$name]=no
			# "A B differ: byte X, line L" or "cmp: EOF on A after byte X, line L"
			line=$(grep -Eo 'line [0-9]+' <<<"$c" | grep -Eo '[0-9]+' || true)
			if [[ -n "$line" ]]; then
				printf 'export %s: the files differ from line %s on\n  auditdeck: %s\n  sqlite3:   %s\n' "$name" "$line" \
					"$(sed -n "${line}{p;q}" "$fa" | cut -c1-160)" "$(sed -n "${line}{p;q}" "$fs" | cut -c1-160)" >>"$WORK/export-notes.txt"
			fi
		fi
	fi
}

if [[ "$EXPORTS" != 0 ]]; then
	[[ "$EXPORT_RUNS" =~ ^[1-9][0-9]*$ ]] || die "EXPORT_RUNS must be a positive integer"
	[[ "$EXPORT_ROWS" =~ ^[1-9][0-9]*$ ]] || die "EXPORT_ROWS must be a positive integer"
	: >"$WORK/export-notes.txt"
	AD_X=0
	[[ "$SKIP_AUDITDECK" != 1 && -n "${INGEST_WALL[auditdeck]:-}" ]] && AD_X=1

	log "export all $N to CSV"
	((AD_X)) && run_ad_export csv --filter '' --format csv
	run_sq_export csv csv "$SQ_EXPORT_SQL"
	x_compare csv csv "$N"

	log "export all $N to NDJSON"
	((AD_X)) && run_ad_export ndjson --filter '' --format ndjson
	run_sq_export ndjson ndjson "$SQ_NDJSON_SQL"
	x_compare ndjson ndjson "$N"
	# the NDJSON outputs are as large as the input: keep them with KEEP=1 only
	[[ "$KEEP" == 1 ]] || rm -f -- "${XF[ad,ndjson]:-}" "${XF[sq,ndjson]:-}"

	for f in html pdf xlsx; do
		log "export $XROWS to ${f^^}"
		if ((AD_X)); then
			run_ad_export "$f" --filter '' --format "$f" --limit "$EXPORT_ROWS"
			[[ -z "${XN[ad,$f]:-}" || "${XN[ad,$f]}" == "$XROWS" ]] || warn "export $f: auditdeck wrote ${XN[ad,$f]} rows, expected $XROWS"
		fi
	done

	log "grouped report over $N events"
	((AD_X)) && run_ad_export group --filter '' --group-by user.user_email --format csv
	run_sq_export group csv "$SQ_GROUP_SQL"
	x_compare group csv ""
fi

# ---------------------------------------------------------------- report

echo
if ((PIPE)); then
	echo "auditdeck alone: $N events piped from auditdeck gen into ingest - (no file), median of $RUNS runs"
elif ((HAVE_SQLITE)); then
	echo "auditdeck vs sqlite3$( ((HAVE_DUCKDB)) && echo ' vs duckdb'): $N events ($((EV_BYTES / 1048576)) MiB NDJSON), median of $RUNS runs"
else
	echo "auditdeck alone: $N events ($((EV_BYTES / 1048576)) MiB NDJSON), median of $RUNS runs"
fi
echo "host: $(nproc) cores, $(uname -sr)$( ((HAVE_SQLITE)) && echo ", sqlite3 $(sqlite3 --version | cut -d' ' -f1)")$( ((HAVE_DUCKDB)) && echo ", $DK_VERSION")"
echo "window [$T1, $T2)  user $EMAIL  needle $NEEDLE  word $WORD  city $CITY  auth_type $AUTH_TYPE"
echo
printf '%-26s %12s %12s %9s\n' "ingest" "wall s" "max RSS MiB" "size MiB"
for t in auditdeck sqlite3 duckdb; do
	[[ -n "${INGEST_WALL[$t]:-}" ]] || continue
	printf '%-26s %12s %12s %9s' "$t" "${INGEST_WALL[$t]}" "${INGEST_RSS[$t]}" "${INGEST_SIZE[$t]}"
	[[ $t == sqlite3 ]] && printf '   (.import, then %s s of SQL: columns, indexes, ANALYZE)' "$SQ_SQL_S"
	echo
done
if [[ -n "${INGEST_WALL[auditdeck]:-}" ]]; then
	for t in sqlite3 duckdb; do
		[[ -n "${INGEST_WALL[$t]:-}" ]] || continue
		printf '%-26s %12s %12s %9s\n' "ratio $t/auditdeck" "$(ratio "${INGEST_WALL[$t]}" "${INGEST_WALL[auditdeck]}")" \
			"$(ratio "${INGEST_RSS[$t]}" "${INGEST_RSS[auditdeck]}")" "$(ratio "${INGEST_SIZE[$t]}" "${INGEST_SIZE[auditdeck]}")"
	done
fi
echo
echo "in-process ms (auditdeck --timing elapsed_ms; sqlite3/duckdb .timer real)"
hdr=$(printf '%-26s %12s %12s %9s' query auditdeck sqlite3 "sq/ad")
((HAVE_DUCKDB)) && hdr+=$(printf ' %12s %9s' duckdb "dk/ad")
hdr+=$(printf ' %20s' "rows ad/sq$( ((HAVE_DUCKDB)) && echo /dk)")
echo "$hdr"
for i in "${!QNAMES[@]}"; do
	line=$(printf '%-26s %12s %12s %9s' "${QNAMES[$i]}" "${MS[ad,$i]:--}" "${MS[sq,$i]:--}" "$(ratio "${MS[sq,$i]:-}" "${MS[ad,$i]:-}")")
	((HAVE_DUCKDB)) && line+=$(printf ' %12s %9s' "${MS[dk,$i]:--}" "$(ratio "${MS[dk,$i]:-}" "${MS[ad,$i]:-}")")
	line+=$(printf ' %20s' "${ROWS[ad,$i]:--}/${ROWS[sq,$i]:--}$( ((HAVE_DUCKDB)) && echo "/${ROWS[dk,$i]:--}")")
	echo "$line"
done
echo "(sq/ad, dk/ad: their time over auditdeck's, above 1 auditdeck is faster; query 9's auditdeck time is the"
echo " aggregation's (top --timing), 13's the same top 10 as an export task's, finished_at - started_at; rows of a"
echo " count are the count, of a top 10 its first 10 groups, of 14 the fields listed; 14 has a wall time only)"
echo
echo "wall ms per process (start to exit)"
hdr=$(printf '%-26s %12s %12s %9s' query auditdeck sqlite3 "sq/ad")
((HAVE_DUCKDB)) && hdr+=$(printf ' %12s %9s' duckdb "dk/ad")
echo "$hdr"
for i in "${!QNAMES[@]}"; do
	line=$(printf '%-26s %12s %12s %9s' "${QNAMES[$i]}" "${WALL[ad,$i]:--}" "${WALL[sq,$i]:--}" "$(ratio "${WALL[sq,$i]:-}" "${WALL[ad,$i]:-}")")
	((HAVE_DUCKDB)) && line+=$(printf ' %12s %9s' "${WALL[dk,$i]:--}" "$(ratio "${WALL[dk,$i]:-}" "${WALL[ad,$i]:-}")")
	echo "$line"
done
echo "(query 12's wall time is the process-level first page: start, open the store, 50 newest events, exit)"
AD_EPS=""
if [[ -n "${INGEST_WALL[auditdeck]:-}" ]]; then
	AD_EPS=$(awk -v n="$N" -v s="${INGEST_WALL[auditdeck]}" 'BEGIN {if (s > 0) printf "%.0f", n/s}')
	echo
	echo "auditdeck ingest: $AD_EPS events/s$( ((PIPE)) && echo ' (piped from gen)'), max RSS ${INGEST_RSS[auditdeck]} MiB, disk ${INGEST_SIZE[auditdeck]} MiB"
fi
FRAME_MED=""
if ((${#FRAME_MS[@]})); then
	FRAME_MED=$(median "${FRAME_MS[@]}")
	echo "dashboard first frame: $FRAME_MED ms (median of ${#FRAME_MS[@]} starts: ${FRAME_MS[*]}), RSS after it $FRAME_RSS MiB"
fi
if [[ -n "$RESULT_FILE" ]]; then
	# key=value lines for bench/scale.sh
	{
		echo "n=$N"
		echo "mode=$( ((PIPE)) && echo pipe || echo file)"
		echo "ref=$( ((HAVE_SQLITE)) && echo sqlite3)$( ((HAVE_DUCKDB)) && echo ',duckdb')"
		echo "host=$(nproc) cores, $(uname -sr)$( ((HAVE_DUCKDB)) && echo ", $DK_VERSION")"
		for t in auditdeck sqlite3 duckdb; do
			[[ -n "${INGEST_WALL[$t]:-}" ]] || continue
			echo "ingest.$t.wall=${INGEST_WALL[$t]}"
			echo "ingest.$t.rss=${INGEST_RSS[$t]}"
			echo "ingest.$t.size=${INGEST_SIZE[$t]}"
		done
		echo "ingest.auditdeck.eps=$AD_EPS"
		for i in "${!QNAMES[@]}"; do
			echo "q.$i.name=${QNAMES[$i]}"
			for t in ad sq dk; do
				[[ -n "${MS[$t,$i]:-}" ]] && echo "q.$i.$t.ms=${MS[$t,$i]}"
				[[ -n "${WALL[$t,$i]:-}" ]] && echo "q.$i.$t.wall=${WALL[$t,$i]}"
			done
		done
		echo "frame.ms=$FRAME_MED"
		((${#FRAME_MS[@]})) && echo "frame.rss=$FRAME_RSS"
		if [[ -s "$WORK/warnings.txt" ]]; then echo "warnings=$(grep -c '' "$WORK/warnings.txt")"; else echo "warnings=0"; fi
	} >>"$RESULT_FILE"
fi
if [[ "$EXPORTS" != 0 ]]; then
	# rows per second from rows and wall s; "-" when not computable
	per_s() { awk -v n="$1" -v s="$2" 'BEGIN {if (n ~ /^[0-9]+$/ && s ~ /^[0-9.]+$/ && s > 0) printf "%.0f", n/s; else printf "-"}'; }
	echo
	echo "exports: one process each under /usr/bin/time -v; wall s start to exit (median of $EXPORT_RUNS runs), max RSS over the runs"
	fmt='%-26s %10s %10s %6s %9s %9s %9s %7s %7s %15s %5s\n'
	# shellcheck disable=SC2059
	printf "$fmt" export "ad rows/s" "sq rows/s" "sq/ad" "ad wall s" "ad task s" "sq wall s" "ad MiB" "sq MiB" "rows ad/sq" same
	for x in "${XNAMES[@]}"; do
		if [[ $x == group ]]; then
			# throughput of the grouped report: events read per second; rows are groups
			ar=$(per_s "$N" "${XW[ad,$x]:-}") sr=$(per_s "$N" "${XW[sq,$x]:-}")
		else
			ar=$(per_s "${XN[ad,$x]:-}" "${XW[ad,$x]:-}") sr=$(per_s "${XN[sq,$x]:-}" "${XW[sq,$x]:-}")
		fi
		case $x in
		html | pdf | xlsx) sr="none" ;;
		esac
		# shellcheck disable=SC2059
		printf "$fmt" "${XLABEL[$x]}" "$ar" "$sr" "$(ratio "${XW[sq,$x]:-}" "${XW[ad,$x]:-}")" \
			"${XW[ad,$x]:--}" "${XT[$x]:--}" "${XW[sq,$x]:--}" "${XR[ad,$x]:--}" "${XR[sq,$x]:--}" \
			"${XN[ad,$x]:--}/${XN[sq,$x]:--}" "${XSAME[$x]:--}"
	done
	echo "rows/s = rows / wall s; sq/ad = sq wall / ad wall (above 1: auditdeck faster); ad task s = finished_at - started_at"
	echo "in the export's manifest (no process start, no wait for the CLI to notice the end); HTML, PDF and XLSX have no"
	echo "sqlite3 counterpart; the grouped report's rows/s are events read per second and its rows are groups;"
	echo "same: yes = byte for byte identical files, text = identical once CSV double quotes are dropped"
	if [[ -s "$WORK/export-notes.txt" ]]; then
		cat "$WORK/export-notes.txt"
	fi
	# the issue's targets: CSV at least as fast as sqlite3 and >= 300,000 rows/s; peak RSS < 150 MiB for every auditdeck export
	t_sq="n/a" t_rate="n/a" t_rss="n/a"
	csv_ad=$(per_s "${XN[ad,csv]:-}" "${XW[ad,csv]:-}") csv_sq=$(per_s "${XN[sq,csv]:-}" "${XW[sq,csv]:-}")
	if [[ $csv_ad != - && $csv_sq != - ]]; then
		if ((csv_ad >= csv_sq)); then t_sq="met"; else t_sq="NOT met"; fi
		t_sq+=" ($csv_ad vs $csv_sq rows/s)"
	fi
	if [[ $csv_ad != - ]]; then
		if ((csv_ad >= 300000)); then t_rate="met"; else t_rate="NOT met"; fi
		t_rate+=" ($csv_ad rows/s; $(per_s "${XN[ad,csv]:-}" "${XT[csv]:-}") in the task)"
	fi
	peak=0 peak_x=""
	for x in "${XNAMES[@]}"; do
		v=${XR[ad,$x]:-}
		[[ -n $v ]] || continue
		if ((v > peak)); then peak=$v peak_x=$x; fi
	done
	if [[ -n $peak_x ]]; then
		if ((peak < 150)); then t_rss="met"; else t_rss="NOT met"; fi
		t_rss+=" (max $peak MiB, $peak_x)"
	fi
	echo "targets: CSV >= sqlite3: $t_sq; CSV >= 300,000 rows/s: $t_rate; peak RSS < 150 MiB: $t_rss"
	if ((N < 1000000)); then
		echo "(N=$N: process start and opening the store weigh more than at 1,000,000 events, which the targets are set for)"
	fi
fi
if [[ -s "$WORK/warnings.txt" ]]; then
	echo
	echo "$(grep -c '' "$WORK/warnings.txt") warning(s):"
	cat "$WORK/warnings.txt"
fi
