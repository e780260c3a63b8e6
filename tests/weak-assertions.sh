#!/usr/bin/env bash
# tests/weak-assertions.sh — counts the assertions of the shell suites and
# the weak ones among them (issue 14), so that the share can be measured
# again after any change. Not part of make test.
#
#   tests/weak-assertions.sh [-v] [SUITE.sh...]   (default: cli, lm, world, train)
#
# An assertion is one call site of expect, expect_err, expect_out,
# expect_line, expect_first, expect_same, check, in_range or ok (an
# `if ...; then ok` block is one assertion: its `if` condition is what is
# judged). Sites are counted in the source, so a check
# in a loop counts once. A site is weak when it asserts only:
#   exit    an exit code: `expect`, or a condition that is only `$rc`
#   file    that a file exists or is not empty (-s, -e, -f; `! -e` is an
#           exact claim, nothing written, and is not weak)
#   count   a count (wc -l, wc -c, grep -c) where the content is known
#   substr  a substring shorter than 30 characters of stdout or a file
#           (expect_out, or an unanchored grep -q), such as a header word
# Exact messages (expect_err), exact lines (expect_line, expect_first,
# grep -x, grep '^...$', = "..."), stdout equal to a file (expect_same),
# JSON rows equal to their CSV (json_matches_csv), cmp, diff, decoded
# values, values recounted from the inputs (recount: tests/recount.py) and
# numbers in a stated range are not weak. A check
# whose condition mixes a weak test with a strong one (a count beside a cmp)
# is judged by its strongest part. -v lists the weak sites, FILE:LINE KIND NAME.
set -u
cd "$(dirname "$0")/.."
verbose=0
[ "${1:-}" = -v ] && { verbose=1; shift; }
[ $# = 0 ] && set -- tests/cli.sh tests/lm.sh tests/world.sh tests/train.sh
for f in "$@"; do
  awk -v file="$f" -v verbose="$verbose" '
    # join continued lines; remember where each statement starts
    function flush(   s) {
      if (stmt == "") return
      judge(stmt, start)
      stmt = ""
    }
    # an exact line (^...$) or a text of 30 characters or more given to grep -q
    function exact_grep(c,   t, p) {
      t = c
      while (match(t, /grep -q[a-zA-Z]* (-[ef] |-- )?("([^"\\]|\\.)*"|\x27[^\x27]*\x27)/)) {
        p = substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH)
        if (p ~ /^grep -q[a-zA-Z]*x/) return 1
        sub(/^grep -q[a-zA-Z]* (-[ef] |-- )?/, "", p); p = substr(p, 2, length(p) - 2)
        if (p ~ /^\^.*\$$/ || length(p) >= 30) return 1
      }
      return 0
    }
    function strong(c) {
      gsub(/"\$rc" *(=|!=) *[0-9]+/, "", c)
      return c ~ /cmp -s|(^|[^a-z])diff |python3 -c|od -|json\.load|(^|[ (])recount / || exact_grep(c) ||
             c ~ /(test|\[) "\$\([^)]*\)" = "[^"]/ && c !~ /wc -|grep -c/ ||
             c ~ /= "(\$\{?h\}?|[^"$][^"]*)"/ && c !~ /wc -|grep -c|"\$rc" = /
    }
    function kind(c,   r) {
      if (c ~ /json_rows /) return "substr"
      if (strong(c) || c ~ /json_matches_csv /) return ""
      if (c ~ /wc -[lc]|grep -c/) return "count"
      if (c ~ /(^|[^!] )-[sef] "?\$/ || c ~ /\[ -[sef] /) return "file"
      r = c; gsub(/"\$rc" *(=|!=) *[0-9]+|\$rc/, "", r)
      if (c ~ /\$rc/ && r !~ /grep|test -z|test -n|=|cmp|\]\]/) return "exit"
      if (c ~ /grep -q/) return "substr"
      return ""
    }
    function judge(s, line,   name, k, t) {
      if (s ~ /^[ \t]*(expect_err|expect_line|expect_first|expect_same) /) k = ""
      else if (s ~ /^[ \t]*expect /) k = "exit"
      else if (s ~ /^[ \t]*expect_out /) {
        # the text is the second argument
        t = s; sub(/^[ \t]*expect_out +("[^"]*"|\x27[^\x27]*\x27|[^ ]+) +/, "", t)
        if (match(t, /^"[^"]*"/) || match(t, /^\x27[^\x27]*\x27/)) t = substr(t, 2, RLENGTH - 2)
        else { sub(/ .*/, "", t) }
        k = length(t) < 30 ? "substr" : ""
      } else if (s ~ /^[ \t]*in_range /) k = (s ~ /wc -[lc]|grep -c/) ? "count" : ""
      else if (s ~ /^[ \t]*check /) k = kind(s)
      else if (s ~ /(^|[;&|]|then|else)[ \t]*ok "/) k = kind(cond)
      else return
      n++
      name = s; if (s ~ /ok "/) sub(/^.*ok "/, "", name); else sub(/^[^"]*"/, "", name)
      sub(/".*/, "", name)
      if (k != "") { w++; if (verbose) printf "%s:%d %-6s %s\n", file, line, k, name }
    }
    {
      line = $0
      if (stmt == "") start = NR
      if (line ~ /^[ \t]*(if|elif) /) cond = line
      else if (line ~ /^[ \t]*(\[|&&|\|\||!)/ && cond != "") cond = cond " " line
      if (line ~ /\\$/) { sub(/\\$/, "", line); stmt = stmt line " "; next }
      stmt = stmt line
      # an if block whose ok is on the same line as its condition
      if (stmt ~ /^[ \t]*(if|elif) / && stmt ~ /then[ \t]+ok "/) cond = stmt
      flush()
    }
    END {
      printf "%-16s %4d assertions, %3d weak (%.0f%%)\n", file, n, w, n ? 100 * w / n : 0
    }' "$f"
done
