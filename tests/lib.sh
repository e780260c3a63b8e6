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
# check NAME CONDITION-COMMAND...: a plain assertion
check() {
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name" "expected true: $*"; fi
}
# in_range NAME VALUE LO HI: LO <= VALUE <= HI (decimals)
in_range() {
  if [ -n "$2" ] && awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN{exit !(v >= lo && v <= hi)}'; then
    ok "$1 ($2 in [$3, $4])"
  else
    bad "$1" "expected a value in [$3, $4], got '${2}'"
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
