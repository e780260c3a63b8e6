# tests/lib.sh — what the shell test scripts share: a temporary folder,
# counters, and assertions that say what they expected and what they got.
# Sourced by the tests/*.sh scripts (cli, world, lm, train, tour); finish NAME prints
# "NAME: N passed, N failed, N skipped" and sets the exit status.
set -u
T=${TLDRLAB:-bin/tldrlab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1)); echo "FAIL $1"; shift
  for l in "$@"; do printf '  %s\n' "$l"; done
  printf '  stderr was: %s\n' "$(head -c 600 "$tmp/err")"
}
skipped() { skip=$((skip + 1)); echo "skip $1: $2"; }
run() { "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

# expect NAME CODE CMD...: exit code
expect() {
  local name=$1 code=$2; shift 2
  run "$@"
  if [ "$rc" = "$code" ]; then ok "$name"; else bad "$name" "expected exit $code, got $rc: $*"; fi
}
# expect_err NAME CODE MESSAGE CMD...: exit code and exact stderr
expect_err() {
  local name=$1 code=$2 msg=$3; shift 3
  run "$@"
  local got; got=$(cat "$tmp/err")
  if [ "$rc" = "$code" ] && [ "$got" = "$msg" ]; then ok "$name"
  else bad "$name" "expected exit $code and stderr: $msg" "got exit $rc and stderr: $got"; fi
}
# expect_out NAME TEXT CMD...: exit 0 and stdout contains TEXT
expect_out() {
  local name=$1 text=$2; shift 2
  run "$@"
  if [ "$rc" = 0 ] && grep -qF -- "$text" "$tmp/out"; then ok "$name"
  else bad "$name" "expected exit 0 and stdout containing: $text" "got exit $rc, stdout: $(head -c 400 "$tmp/out")"; fi
}
# expect_line NAME LINES CMD...: exit 0 and each line of LINES is a whole line of stdout
expect_line() {
  local name=$1 lines=$2; shift 2
  run "$@"
  local missing; missing=$(printf '%s\n' "$lines" | while IFS= read -r l; do grep -qxF -- "$l" "$tmp/out" || printf '%s\n' "$l"; done)
  if [ "$rc" = 0 ] && [ -z "$missing" ]; then ok "$name"
  else bad "$name" "expected exit 0 and these whole lines on stdout: $lines" "got exit $rc; missing: $missing" "stdout began: $(head -c 400 "$tmp/out")"; fi
}
# expect_first NAME LINE CMD...: exit 0 and the first line of stdout is LINE
expect_first() {
  local name=$1 line=$2; shift 2
  run "$@"
  local got; got=$(head -1 "$tmp/out")
  if [ "$rc" = 0 ] && [ "$got" = "$line" ]; then ok "$name"
  else bad "$name" "expected exit 0 and a first line: $line" "got exit $rc and: $got"; fi
}
# expect_same NAME FILE CMD...: exit 0 and stdout byte for byte FILE
expect_same() {
  local name=$1 want=$2; shift 2
  run "$@"
  if [ "$rc" = 0 ] && cmp -s "$want" "$tmp/out"; then ok "$name"
  else bad "$name" "expected exit 0 and stdout as $want" "got exit $rc; diff expected got: $(diff "$want" "$tmp/out" | head -6)"; fi
}
# json_matches_csv JSON CSV: the JSON is an array of one object per CSV row,
# with the CSV's header as keys and equal values (numbers to 1e-12
# relative; an empty cell or NA is null); prints what differs
json_matches_csv() {
  python3 - "$1" "$2" <<'PY'
import csv, json, math, sys
rows = json.load(open(sys.argv[1]))
table = list(csv.DictReader(open(sys.argv[2], newline="")))
def same(j, c):
    if j is None:
        return c in ("", "NA")
    if isinstance(j, bool):
        return c == str(j).lower()
    if isinstance(j, (int, float)):
        try:
            x = float(c)
        except ValueError:
            return False
        return x == j or (math.isfinite(x) and abs(x - j) <= 1e-12 * max(1.0, abs(j)))
    return c == str(j)
if not isinstance(rows, list) or len(rows) != len(table) or not table:
    sys.exit(f"expected {len(table)} rows (one per CSV row), got {len(rows) if isinstance(rows, list) else type(rows).__name__}")
for i, (j, c) in enumerate(zip(rows, table)):
    if list(j) != list(c):
        sys.exit(f"row {i + 1}: expected the keys {list(c)}, got {list(j)}")
    for k in c:
        if not same(j[k], c[k]):
            sys.exit(f"row {i + 1}, {k}: CSV {c[k]!r}, JSON {j[k]!r}")
PY
}
# recount ACTION ARGS...: tests/recount.py, values recounted from the inputs
# apart from the program (n and wins, workers and pairs, a world's files,
# baselines, labels); says what it expected and what it got
recount() { python3 "$(dirname "${BASH_SOURCE[0]}")/recount.py" "$@"; }
# check NAME CONDITION-COMMAND...: a plain assertion; what the condition says
# on stderr (recount's expected and got) is shown as what it got
check() {
  local name=$1; shift
  if "$@" 2>"$tmp/check.err"; then ok "$name"
  elif [ -s "$tmp/check.err" ]; then bad "$name" "expected true: $*" "got: $(head -c 600 "$tmp/check.err")"
  else bad "$name" "expected true: $*"; fi
}
# in_range NAME VALUE LO HI: LO <= VALUE <= HI (decimals)
in_range() {
  if [ -n "$2" ] && awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN{exit !(v >= lo && v <= hi)}'; then
    ok "$1 ($2 in [$3, $4])"
  else
    bad "$1" "expected a value in [$3, $4], got '${2}'"
  fi
}
# near NAME VALUE WANT RTOL: |VALUE - WANT| <= RTOL * |WANT| (decimals)
near() {
  if [ -n "$2" ] && awk -v v="$2" -v w="$3" -v t="$4" 'BEGIN{d = v - w; if (d < 0) d = -d; a = w < 0 ? -w : w; exit !(d <= t * a)}'; then
    ok "$1 ($2)"
  else
    bad "$1" "expected $3 (rel tol $4), got '${2}'"
  fi
}
# csv_get FILE KEYCOL KEY COL: column COL of the row whose column KEYCOL is KEY (quotes dropped)
csv_get() {
  awk -F, -v kc="$2" -v key="$3" -v col="$4" '
    { gsub(/"/, "") }
    NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h[kc] == key { print $h[col]; exit }' "$1"
}
# The real released records (never committed): ../shared/data/real, or
# $TLDRLAB_REAL_DATA. A test that needs them and finds no folder calls
# real_missing NAME: a skip, or a failure when the run requires them
# (real_required).
REAL=${TLDRLAB_REAL_DATA:-../shared/data/real}
# real_required: prints why this run requires the real records and returns
# 0, or returns 1. TLDRLAB_REQUIRE_REAL=1 requires them and =0 does not;
# unset, they are required when CI is set (not 0 or false) and ../shared is
# beside the clone, as CI lays it out: there a skip means the data went
# missing, not that it was never there.
real_required() {
  case ${TLDRLAB_REQUIRE_REAL:-} in
    0) return 1 ;;
    ?*) echo "TLDRLAB_REQUIRE_REAL=$TLDRLAB_REQUIRE_REAL"; return 0 ;;
  esac
  case ${CI:-} in '' | 0 | false) return 1 ;; esac
  [ -d ../shared ] || return 1
  echo "CI=$CI and ../shared is beside the clone"
}
real_missing() {
  local why
  : >"$tmp/err"
  if why=$(real_required); then bad "$1" "expected the real records in $REAL ($why), got no such folder"
  else skipped "$1" "$REAL not found (set TLDRLAB_REAL_DATA; TLDRLAB_REQUIRE_REAL=1 fails instead of skipping)"; fi
}
finish() {
  echo "$1: $pass passed, $fail failed, $skip skipped"
  [ "$fail" = 0 ]
}

# train_world DIR: the small world the training suites (train, mpi_train)
# share: 240 training posts, 40 valid1, 24 valid2, news 16 + 8; and
# TINY_MODEL, their model's flags
train_world() {
  printf '%s\n' '{"world": {"splits": {"tldr": {"train": 240, "valid1": 40, "valid2": 24, "test": 0}, "news": {"train": 16, "test": 8}}}}' >"$tmp/train_world.json"
  $T world generate --config "$tmp/train_world.json" --out "$1" --quiet >/dev/null
}
TINY_MODEL="--layers 1 --channels 32 --heads 2 --context 128 --vocab 400"

# MPI (docs/scale-out.md): mpi_ready says whether bin/tldrlab was built with
# MPI and mpirun is here (else it prints why not, for skip messages); mpirun_np K CMD...
# runs CMD on K ranks of this machine (--oversubscribe: 2 ranks on fewer
# cores; --allow-run-as-root when root, as in CI's container).
mpi_ready() {
  if ! command -v mpirun >/dev/null 2>&1; then echo "mpirun not found (scripts/install-deps.sh --mpi)"; return 1; fi
  if ! "$T" --version 2>/dev/null | grep -q '^mpi: yes'; then echo "$T was built without MPI (make MPI=1)"; return 1; fi
  return 0
}
# mpi_or_skip SUITE NAME...: without MPI (mpi_ready's reason), every named
# test is skipped with the reason and the suite ends here
mpi_or_skip() {
  local suite=$1 why n
  shift
  why=$(mpi_ready) && return 0
  for n in "$@"; do skipped "$n" "$why"; done
  finish "$suite"
  exit
}
mpirun_np() {
  local k=$1; shift
  local root=""
  [ "$(id -u)" = 0 ] && root=--allow-run-as-root
  # one thread per rank unless the test says otherwise; no core binding, so
  # oversubscribed ranks share the cores fairly
  OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} mpirun $root --oversubscribe --bind-to none -np "$k" "$@"
}
