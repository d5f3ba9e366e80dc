#!/usr/bin/env bash
# bench/scale.sh: the scale curve. One run of bench/compare.sh per size
# (EXPORTS=0), then one table: auditdeck's ingest rate, RSS and disk, the
# query times and the dashboard's first frame at every size, with the ratios
# to DuckDB (and sqlite3) where they ran and each time's growth over the
# smallest size.
#
#   SCALE="1M 10M 100M" bench/compare.sh     # or bench/scale.sh directly
#   SCALE="100k 1M" RUNS=3 bench/scale.sh    # a quick check
#
# Sizes up to SCALE_REF_MAX (default 10M) are generated into a file that
# auditdeck, sqlite3 and DuckDB all load; larger ones are piped from
# `auditdeck gen` into `auditdeck ingest -` with no file, auditdeck alone
# (100M events are about 117 GB of NDJSON, and sqlite3's import of that more
# again). Every other variable of compare.sh (RUNS, TMPDIR, DUCKDB, FRAME...)
# passes through; KEEP=1 keeps this script's work directory (the runs' output
# and results).
set -euo pipefail

SCALE=${SCALE:-1M 10M 100M}
SCALE_REF_MAX=${SCALE_REF_MAX:-10M}
KEEP=${KEEP:-0}
REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/auditdeck-scale.XXXXXX")
cleanup() {
	if [[ "$KEEP" == 1 ]]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf -- "$WORK"
	fi
}
trap cleanup EXIT
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	printf 'scale.sh: %s\n' "$*" >&2
	exit 1
}

# count 100k / 1M / 10M / 100000: the number of events
count() {
	local s=${1,,} m=1
	case $s in
	*k) m=1000 s=${s%k} ;;
	*m) m=1000000 s=${s%m} ;;
	esac
	[[ $s =~ ^[0-9]+$ ]] || die "size $1: want a number, optionally with k or M"
	echo $((s * m))
}

REF_MAX=$(count "$SCALE_REF_MAX")
SIZES=()
for s in $SCALE; do SIZES+=("$(count "$s")"); done
((${#SIZES[@]})) || die "SCALE is empty"

# Build once for all sizes.
if [[ -z "${AUDITDECK_BIN:-}" ]]; then
	log "building ./cmd/auditdeck"
	(cd "$REPO" && go build -o "$WORK/auditdeck" ./cmd/auditdeck) || die "go build ./cmd/auditdeck failed"
	export AUDITDECK_BIN="$WORK/auditdeck"
fi
if [[ -z "${DUCKQ_BIN:-}" && "${DUCKDB:-auto}" != 0 && "${DUCKDB:-auto}" != cli ]] && ! command -v duckdb >/dev/null 2>&1 && command -v cc >/dev/null 2>&1; then
	log "building bench/duckdb"
	if (cd "$REPO/bench/duckdb" && CGO_ENABLED=1 go build -o "$WORK/duckq" .) >"$WORK/duckq-build.out" 2>&1; then
		export DUCKQ_BIN="$WORK/duckq"
	else
		log "building bench/duckdb failed: compare.sh tries again per size"
	fi
fi

for n in "${SIZES[@]}"; do
	pipe=0
	((n > REF_MAX)) && pipe=1
	log "size $n: $( ((pipe)) && echo 'piped, auditdeck only' || echo 'from a file, with the reference tools')"
	if ! SCALE="" N=$n PIPE=$pipe EXPORTS=0 KEEP=0 RESULT_FILE="$WORK/result.$n" "$REPO/bench/compare.sh" >"$WORK/run.$n.txt"; then
		log "size $n: compare.sh failed (its output: $WORK/run.$n.txt)"
		KEEP=1
	fi
	cat "$WORK/run.$n.txt"
done

# get N KEY: a value of the run at size N ("" when missing)
get() { grep -m 1 "^$2=" "$WORK/result.$1" 2>/dev/null | cut -d= -f2- || true; }
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) {r = a/b; if (r > 0 && r < 0.1) printf "%.3g", r; else printf "%.2f", r} else printf "-"}'
}
# cell VALUE DK SQ: "VALUE (dk DK/VALUE,sq SQ/VALUE)", the ratios of the tools that ran
cell() {
	local r=()
	[[ -n "$1" && -n "$2" ]] && r+=("dk $(ratio "$2" "$1")")
	[[ -n "$1" && -n "$3" ]] && r+=("sq $(ratio "$3" "$1")")
	if ((${#r[@]})); then
		local IFS=,
		printf '%s (%s)' "$1" "${r[*]}"
	else
		printf '%s' "${1:--}"
	fi
}

first=${SIZES[0]}
echo
echo "scale curve: $(get "$first" host)"
printf '%-28s' "size"
for n in "${SIZES[@]}"; do printf ' %30s' "$n ($(get "$n" mode))"; done
printf ' %12s\n' "last/first"
row() { # LABEL KEY [DK_KEY [SQ_KEY]]: auditdeck's value per size, the tools' ratios in parentheses
	local label=$1 key=$2 dkkey=${3:-} sqkey=${4:-} n v d q
	printf '%-28s' "$label"
	for n in "${SIZES[@]}"; do
		v=$(get "$n" "$key") d="" q=""
		[[ -n $dkkey ]] && d=$(get "$n" "$dkkey")
		[[ -n $sqkey ]] && q=$(get "$n" "$sqkey")
		printf ' %30s' "$(cell "$v" "$d" "$q")"
	done
	printf ' %12s\n' "$(ratio "$(get "${SIZES[-1]}" "$key")" "$(get "$first" "$key")")"
}
row "ingest events/s" ingest.auditdeck.eps
row "ingest wall s" ingest.auditdeck.wall ingest.duckdb.wall ingest.sqlite3.wall
row "ingest max RSS MiB" ingest.auditdeck.rss ingest.duckdb.rss ingest.sqlite3.rss
row "disk MiB" ingest.auditdeck.size ingest.duckdb.size ingest.sqlite3.size
row "duckdb load wall s" ingest.duckdb.wall
row "sqlite3 ingest wall s" ingest.sqlite3.wall
nq=$(grep -c '^q\.[0-9]*\.name=' "$WORK/result.$first" || true)
for ((i = 0; i < nq; i++)); do
	row "$(get "$first" "q.$i.name") ms" "q.$i.ad.ms" "q.$i.dk.ms" "q.$i.sq.ms"
done
row "12 first page, process ms" q.11.ad.wall q.11.dk.wall q.11.sq.wall
row "dashboard first frame ms" frame.ms
row "dashboard RSS MiB" frame.rss
echo "(auditdeck's value at each size; in parentheses DuckDB's (dk) and sqlite3's (sq) over auditdeck's, above 1"
echo " auditdeck is faster (smaller); in-process ms for the queries; last/first: auditdeck's value at the largest"
echo " size over the smallest's; piped sizes ran auditdeck alone)"
for n in "${SIZES[@]}"; do
	w=$(get "$n" warnings)
	[[ -z $w || $w == 0 ]] || echo "size $n: $w warning(s), listed in its run above"
done
