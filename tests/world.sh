#!/usr/bin/env bash
# tests/world.sh — the in-silico world end to end through bin/tldrlab:
# determinism, scale (100,000 posts without duplicates), the judge's orderings on baselines,
# the labelers' calibration over 5,000 pairs, the analysis commands on
# generated records, and bad input. Prints one line per test
# and "world: N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/lib.sh"

# ---- help and usage
for c in "world ACTION [options] [FILE...]" "label compare|rate --world DIR --out FILE [options] FILE..." \
         "baseline ref|lead3|title|random-sentence|author|probes --world DIR --out FILE [--split S] [--dataset D]"; do
  expect_first "${c%% *} --help: the usage line" "usage: tldrlab $c" $T ${c%% *} --help
done
expect_err "world: unknown action" 2 "tldrlab world: unknown action 'frob': expected generate, stats, judge or lint (see tldrlab world --help)" $T world frob
expect_err "generate needs --out" 2 "tldrlab world: generate: --out DIR is required: where to write the world" $T world generate
expect_err "baseline: unknown kind" 2 "tldrlab baseline: unknown baseline 'lead4': expected ref, lead3, title, random-sentence, author or probes" $T baseline lead4 --world x --out y
expect_err "world: not a world" 2 "$tmp/none: not a world (no world.json: No such file or directory); make one with tldrlab world generate --out $tmp/none" $T world stats "$tmp/none"

# ---- the built-in lexicon is clean
run $T world lint
lint="built-in lexicon: [0-9]* sections, [0-9]* events, [0-9]* details, [0-9]* asks and outcomes, [0-9]* keys, [0-9]* templates: 0 problems"
if [ "$rc" = 0 ] && [ "$(grep -cvx "$lint" "$tmp/out")" = 0 ] && grep -qx "$lint" "$tmp/out"; then ok "world lint: built-in lexicon, one line, 0 problems"
else bad "world lint: built-in lexicon, one line, 0 problems" "expected exit 0 and the one line: $lint" "got exit $rc and: $(tail -3 "$tmp/out")"; fi

# ---- determinism
cat >"$tmp/small.json" <<'EOF'
{"world": {"splits": {"tldr": {"train": 5000, "valid1": 100, "valid2": 1000, "test": 100},
                      "news": {"train": 200, "test": 500}}}}
EOF
run $T world generate --config "$tmp/small.json" --out "$tmp/w" --quiet
check "generate: exit 0, the configured documents per split, a fact line each, no id twice" test "$rc" = 0 -a -z "$(recount world "$tmp/w" "$tmp/small.json" 2>&1)"
$T world generate --config "$tmp/small.json" --out "$tmp/w2" --quiet >/dev/null 2>&1
if diff -r "$tmp/w" "$tmp/w2" >/dev/null; then ok "same seed, byte-identical world"; else bad "same seed, byte-identical world" "$(diff -rq "$tmp/w" "$tmp/w2" | head -3)"; fi
$T world generate --config "$tmp/small.json" --seed 7 --out "$tmp/w3" --quiet >/dev/null 2>&1
if ! cmp -s "$tmp/w/tldr/train.jsonl" "$tmp/w3/tldr/train.jsonl"; then ok "another seed, another world"; else bad "another seed, another world" "identical"; fi
files=$(cd "$tmp/w" && find . -type f | sort | tr '\n' ' ')
if [ "$files" = "./facts.jsonl ./lexicon.json ./news/test.jsonl ./news/train.jsonl ./tldr/test.jsonl ./tldr/train.jsonl ./tldr/valid1.jsonl ./tldr/valid2.jsonl ./world.json " ]; then ok "generate writes every file, and no other"
else bad "generate writes every file, and no other" "expected facts.jsonl, lexicon.json, news/{test,train}.jsonl, tldr/{test,train,valid1,valid2}.jsonl, world.json" "got $files"; fi
if head -1 "$tmp/w/tldr/valid2.jsonl" | grep -q '^{"id":"t3_[0-9a-z]\{6\}","subreddit":"[a-z_]*","title":".*","post":".*","summary":".*"}$'; then
  ok "posts in the tldr_3_filtered format"; else bad "posts in the tldr_3_filtered format" "$(head -c 300 "$tmp/w/tldr/valid2.jsonl")"; fi
if head -1 "$tmp/w/news/test.jsonl" | grep -q '^{"id":"[0-9a-f]\{40\}","site":"[a-z]*","title":".*","article":".*","highlights":".*"}$'; then
  ok "news in the CNN/DM format"; else bad "news in the CNN/DM format" "$(head -c 300 "$tmp/w/news/test.jsonl")"; fi

# ---- scale: 100,000 posts, no duplicates (how fast they are generated and
# judged is a benchmark: bench/judge_bench.py, docs/benchmarks.md)
cat >"$tmp/big.json" <<'EOF'
{"world": {"splits": {"tldr": {"train": 100000, "valid1": 0, "valid2": 0, "test": 0}, "news": {"train": 0, "test": 0}}}}
EOF
run $T world generate --config "$tmp/big.json" --out "$tmp/big" --quiet
[ "$rc" = 0 ] || bad "generate 100,000 posts" "expected exit 0, got $rc"
run $T world stats --format csv "$tmp/big"
in_range "no duplicate posts among 100,000" "$(csv_get "$tmp/out" split train duplicates)" 0 0
rm -rf "$tmp/big"

# ---- stats
run $T world stats --format csv "$tmp/w"
in_range "stats: no duplicate posts" "$(csv_get "$tmp/out" split all duplicates)" 0 0
in_range "stats: post length (mean words, default 80-250)" "$(csv_get "$tmp/out" split valid2 words_mean)" 120 210
in_range "stats: reference length (min words)" "$(csv_get "$tmp/out" split valid2 ref_words_min)" 8 40
in_range "stats: reference length (max words)" "$(csv_get "$tmp/out" split valid2 ref_words_max)" 8 40
news_words=$(awk -F, '{gsub(/"/, "")} NR>1 && $1=="news" && $2=="all" {print $4}' "$tmp/out")
tldr_words=$(awk -F, '{gsub(/"/, "")} NR>1 && $1=="tldr" && $2=="all" {print $4}' "$tmp/out")
in_range "stats: articles are 2-4x longer than posts" "$(awk -v a="$news_words" -v b="$tldr_words" 'BEGIN{printf "%.2f", a/b}')" 2 4

# ---- baselines and the judge's orderings on them
ndocs=$(cat "$tmp/w/tldr/valid2.jsonl" "$tmp/w/news/test.jsonl" | grep -c .)
for k in ref lead3 title random-sentence; do
  run $T baseline $k --world "$tmp/w" --out "$tmp/b_$k.jsonl"
  msg=$(recount samples "$tmp/w" $k "$tmp/b_$k.jsonl" 2>&1)
  if [ "$rc" = 0 ] && [ "$(cat "$tmp/out")" = "wrote $ndocs $k samples to $tmp/b_$k.jsonl" ] && [ -z "$msg" ]; then
    ok "baseline $k: exit 0, a sample of each of the $ndocs documents (tldr valid2, news test), its text"
  else bad "baseline $k: exit 0, a sample of each of the $ndocs documents (tldr valid2, news test), its text" "expected exit 0 and: wrote $ndocs $k samples to $tmp/b_$k.jsonl" "got exit $rc; $msg"; fi
done
pol=$(head -1 "$tmp/b_random-sentence.jsonl" | sed -n 's/.*"policy":"\([^"]*\)".*/\1/p')
if [ "$pol" = random-sentence ]; then ok "baseline random-sentence: the policy is spelt as the command"
else bad "baseline random-sentence: the policy is spelt as the command" "expected policy random-sentence, got '$pol'"; fi
if head -1 "$tmp/b_ref.jsonl" | grep -q '^{"id":"t3_[0-9a-z]*","policy":"ref","text":".*","split":"valid2","dataset":"tldr"}$'; then
  ok "samples format"; else bad "samples format" "$(head -c 300 "$tmp/b_ref.jsonl")"; fi
run $T world judge --world "$tmp/w" --summary --format csv "$tmp"/b_*.jsonl
cp "$tmp/out" "$tmp/judged.csv"
get() { awk -F, -v d="$1" -v p="$2" -v c="$3" '{gsub(/"/, "")} NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $1==d && $2==p {print $h[c]}' "$tmp/judged.csv"; }
in_range "lead-3 coverage is high on news" "$(get news lead3 coverage)" 0.6 1
in_range "lead-3 coverage is low on posts" "$(get tldr lead3 coverage)" 0 0.4
in_range "references state no invented fact" "$(get tldr ref invented)" 0 0
in_range "lead-3 is copied from the document" "$(get news lead3 copied)" 1 1
in_range "the ceiling less the amounts lost is overall (reference, posts)" "$(awk -F, '{gsub(/"/, "")} NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $1=="tldr" && $2=="ref" {s=$h["ceiling"]; for(k in h) if (k ~ /^lost_/) s-=$h[k]; printf "%.6f", s-$h["overall"]}' "$tmp/judged.csv")" -0.000001 0.000001
ref_o=$(get tldr ref overall) title_o=$(get tldr title overall)
in_range "the reference scores above the title on posts (overall difference)" "$(awk -v a="$ref_o" -v b="$title_o" 'BEGIN{print a-b}')" 0.1 1
expect_first "baseline probes: exit 0 and says what it wrote" "wrote 8 probes for each of $ndocs documents to $tmp/p_probes.jsonl" $T baseline probes --world "$tmp/w" --out "$tmp/p_probes.jsonl"
check "probes: the eight of docs/world.md for each document, once" recount probes "$tmp/w" "$tmp/p_probes.jsonl"
run $T world judge --world "$tmp/w" --summary --format csv "$tmp/p_probes.jsonl" "$tmp/b_ref.jsonl"
cp "$tmp/out" "$tmp/judged.csv"
in_range "probes: a key-phrase list scores far below the reference (difference)" "$(awk -v a="$(get tldr ref overall)" -v b="$(get tldr probe_keylist overall)" 'BEGIN{print a-b}')" 0.2 1
in_range "probes: a negated reference loses to contradictions" "$(get tldr probe_ref_negated lost_contradicted)" 0.05 1
run $T world judge --world "$tmp/w" "$tmp/b_ref.jsonl"
cp "$tmp/out" "$tmp/judged_ref.jsonl"
if head -1 "$tmp/out" | grep -q '"facts":{"covered":\[.*\],"missed":\[.*\],"invented":\[\],"contradicted":\[\],"incoherent":\[.*\]}'; then
  ok "judge explains the facts"; else bad "judge explains the facts" "$(head -c 400 "$tmp/out")"; fi
run $T world judge --world "$tmp/w" --format csv "$tmp/b_ref.jsonl"
check "judge --format csv: exit 0, and the JSON lines' values, row for row" test "$rc" = 0 -a -z "$(recount judge-csv "$tmp/out" "$tmp/judged_ref.jsonl" 2>&1)"
if [ "$(head -1 "$tmp/out")" = "id,policy,split,dataset,overall,accuracy,coverage,coherence,words,invented,contradicted,lm_nll,repetition,truncated,negated,coverage_keys,copied,ceiling,lost_length,lost_invented,lost_contradicted,lost_repetition,lost_truncation,lost_incoherent" ]; then
  ok "judge CSV header"; else bad "judge CSV header" "$(head -1 "$tmp/out")"; fi
expect_err "judge --format md per sample is refused, not ignored" 2 \
  "tldrlab world: judge: --format md: one line per sample comes as JSON lines (the default) or --format csv; --summary gives the Markdown table" \
  $T world judge --world "$tmp/w" --format md "$tmp/b_ref.jsonl"

# ---- labelers: calibration over 5,000 pairs of two reference-author drafts
$T baseline author --seed 1 --world "$tmp/w" --split train --out "$tmp/a1.jsonl" >/dev/null
$T baseline author --seed 2 --world "$tmp/w" --split train --out "$tmp/a2.jsonl" >/dev/null
run $T label compare --world "$tmp/w" --labels 2 --gold --out "$tmp/cal.json" "$tmp/a1.jsonl" "$tmp/a2.jsonl"
rc_cal=$rc
$T world judge --world "$tmp/w" "$tmp/a1.jsonl" "$tmp/a2.jsonl" >"$tmp/judged_a.jsonl" 2>/dev/null
check "label compare --labels 2 --gold: exit 0; per document both drafts, two workers, and gold's choice the draft the judge scores higher (none on a tie)" \
  test "$rc_cal" = 0 -a -z "$(recount compare "$tmp/cal.json" "$tmp/judged_a.jsonl" "$tmp/a1.jsonl" "$tmp/a2.jsonl" 2 2>&1)"
run $T agreement --split train --expert gold --bootstrap 0 --format csv "$tmp/cal.json"
check "agreement --expert gold: a row per worker but gold, with its labels" recount workers "$tmp/out" --split train --expert gold "$tmp/cal.json"
run $T agreement --split train --expert gold --bootstrap 0 "$tmp/cal.json"
ww=$(sed -n 's/^inter-labeler agreement \([0-9.]*\)%.*/\1/p' "$tmp/out")
gold=$(sed -n 's/^agreement with the expert gold: \([0-9.]*\)%.*/\1/p' "$tmp/out")
in_range "labelers agree with the gold judge 73-77% (%)" "$gold" 73 77
in_range "labelers agree with each other 70-75% (%)" "$ww" 70 75
if grep -q '"extra":{"confidence":[1-46-9]}' "$tmp/cal.json" && ! grep -q '"confidence":5' "$tmp/cal.json"; then
  ok "confidence 1-9 without 5"; else bad "confidence 1-9 without 5" "$(head -c 300 "$tmp/cal.json")"; fi

# ---- the analysis commands on generated records
run $T label compare --world "$tmp/w" --out "$tmp/vs.json" "$tmp/b_lead3.jsonl" "$tmp/b_ref.jsonl"
run $T label compare --world "$tmp/w" --out "$tmp/vs2.json" "$tmp/b_title.jsonl" "$tmp/b_ref.jsonl"
run $T winrate --split all --dataset news --bootstrap 0 --format csv "$tmp/vs.json"
in_range "winrate: lead-3 preferred to the reference on news" "$(csv_get "$tmp/out" policy lead3 win_rate)" 0.5 1
run $T winrate --split all --dataset tldr --bootstrap 0 --format csv "$tmp/vs2.json"
in_range "winrate: the title loses to the reference on posts" "$(csv_get "$tmp/out" policy title win_rate)" 0 0.5
run $T label rate --world "$tmp/w" --out "$tmp/axis.json" "$tmp/b_ref.jsonl" "$tmp/b_lead3.jsonl"
check "label rate: exit 0; an axis eval per sample ($((2 * ndocs))), its document as info, 1-7 on the four axes" test "$rc" = 0 -a -z "$(recount rate "$tmp/w" "$tmp/axis.json" "$tmp/b_ref.jsonl" "$tmp/b_lead3.jsonl" 2>&1)"
run $T likert --split all --format csv "$tmp/axis.json"
refo=$(awk -F, '{gsub(/"/, "")} NR==1{for(i=1;i<=NF;i++)h[$i]=i;next} $h["dataset"]=="tldr" && $h["policy"]=="ref" && $h["axis"]=="overall" {print $h["mean"]}' "$tmp/out")
in_range "likert: the reference's mean overall score" "$refo" 4 6
nnews=$(grep -c '"article":' "$tmp/vs.json")
expect_first "lengthctl on generated comparisons: the $nnews news ones, all in the fit" "Length-controlled preference against ref: split all, $nnews comparisons ($nnews in the fit), length in words, 95% intervals" $T lengthctl --split all --dataset news "$tmp/vs.json"

# ---- the report on the world: the gold judge and the labelers against it
$T world judge --world "$tmp/w" --summary --out "$tmp/jdg" "$tmp/b_ref.jsonl" "$tmp/b_lead3.jsonl" >"$tmp/jdg.md" 2>/dev/null
run $T report --quiet --split all --bootstrap 0 --out "$tmp/wrep" --comparisons "$tmp/vs.json" --calibration "$tmp/cal.json" --judge "$tmp/jdg/judge.json"
sect() { sed -n "/^## $1\$/,/^## /p" "$tmp/wrep/report.md"; }
check "report --calibration --judge: exit 0 and its sections, in order" test "$rc" = 0 -a "$(grep '^## ' "$tmp/wrep/report.md" | tr '\n' '/')" = "## Contents/## Inputs/## TL;DR comparisons/## News comparisons/## Labeler agreement/## Labelers against the gold judge/## Gold judge/## Files/"
check "report: the labelers section's scope, recounted ($(recount agreement-head --split all "$tmp/cal.json"))" grep -qxF "Labeler agreement: $(recount agreement-head --split all "$tmp/cal.json")" <(sect "Labelers against the gold judge")
if sect "Labelers against the gold judge" | grep -q '^agreement with the expert gold: 7[0-9.]*%' && sect "Labelers against the gold judge" | grep -q '^| worker '; then
  ok "report: a section of the labelers against the gold judge"
else bad "report: a section of the labelers against the gold judge" "expected '## Labelers against the gold judge' with the agreement line and table" "got: $(sect "Labelers against the gold judge" | head -c 300)"; fi
check "report: a gold-judge section, its summary and table as world judge --summary prints them" diff <(grep -e '^|' -e '^Gold judge on' "$tmp/jdg.md") <(sect "Gold judge" | grep -e '^|' -e '^Gold judge on')
$T agreement --split all --expert gold --bootstrap 0 --format csv "$tmp/cal.json" >"$tmp/cal_agreement.csv" 2>/dev/null
check "report: the judge's and the calibration's tables beside it (judge --summary's, agreement --expert gold's)" test -z "$(cmp "$tmp/wrep/tables/judge.csv" "$tmp/jdg/judge.csv" 2>&1; cmp "$tmp/wrep/tables/calibration.csv" "$tmp/cal_agreement.csv" 2>&1)"
expect_same "report: the calibration as JSON, as agreement --expert gold --format json prints it" "$tmp/wrep/tables/calibration.json" $T agreement --split all --expert gold --bootstrap 0 --format json "$tmp/cal.json"
expect_err "report --judge: not a judge summary" 2 "$tmp/cal.json: no policies, samples and world keys; expected the judge.json of tldrlab world judge --summary --out DIR" $T report --out "$tmp/wrep2" --judge "$tmp/cal.json"

# ---- bad input: file, line, field; nothing written
printf '{"id":"t3_nope00","policy":"p","text":"x"}\n' >"$tmp/bad1.jsonl"
expect_err "judge: unknown document" 2 "$tmp/bad1.jsonl:1: id: no document 't3_nope00' in the world $tmp/w" $T world judge --world "$tmp/w" "$tmp/bad1.jsonl"
id=$(head -1 "$tmp/b_ref.jsonl" | sed 's/^{"id":"\([^"]*\)".*/\1/')
printf '{"id":"%s","policy":"p","text":"x"}\n{"id":"%s","text":"x"}\n' "$id" "$id" >"$tmp/bad2.jsonl"
expect_err "judge: missing field" 2 "$tmp/bad2.jsonl:2: policy: missing" $T world judge --world "$tmp/w" --out "$tmp/j.jsonl" "$tmp/bad2.jsonl"
if [ ! -e "$tmp/j.jsonl" ]; then ok "judge: nothing written after bad input"; else bad "judge: nothing written after bad input" "file exists"; fi
printf '{"id":"%s","policy":"p","text":"x","split":"train"}\n' "$id" >"$tmp/bad3.jsonl"
expect_err "judge: wrong split" 2 "$tmp/bad3.jsonl:1: split: 'train', but document $id is in valid2" $T world judge --world "$tmp/w" "$tmp/bad3.jsonl"
printf '{"world": {"paraphrase": 2}}' >"$tmp/badcfg.json"
expect_err "config: out of range" 2 "$tmp/badcfg.json:1: world.paraphrase: expected a number from 0 to 1" $T world generate --config "$tmp/badcfg.json" --out "$tmp/w4"
printf '{"seed": 5,\n "wrold": {"splits": {"tldr": {"train": 10}}}}' >"$tmp/badcfg2.json"
expect_err "config: a misspelt section is refused (not a default world)" 2 "$tmp/badcfg2.json:2: wrold: unknown key (known: seed, world, reference, judge, labelers, model, train)" $T world generate --config "$tmp/badcfg2.json" --out "$tmp/w4"
printf '{"world": {"paraphrase": 0.3},\n "world": {"paraphrase": 0.9}}' >"$tmp/badcfg3.json"
expect_err "config: a section given twice is refused" 2 "$tmp/badcfg3.json:2: world: at column 2: duplicate key (first at line 1, column 2)" $T world generate --config "$tmp/badcfg3.json" --out "$tmp/w4"
if [ ! -e "$tmp/w4" ]; then ok "config error: no world written"; else bad "config error: no world written" "$tmp/w4 exists"; fi
# judge: a sample's bad field is named
printf '{"id":"%s","policy":"p","text":"x","split":2}\n' "$id" >"$tmp/bad4.jsonl"
expect_err "judge: a numeric split" 2 "$tmp/bad4.jsonl:1: split: expected a string (a split name)" $T world judge --world "$tmp/w" "$tmp/bad4.jsonl"
printf '["%s"]\n' "$id" >"$tmp/bad5.jsonl"
expect_err "judge: a line that is not an object" 2 "$tmp/bad5.jsonl:1: sample: expected a JSON object, got an array" $T world judge --world "$tmp/w" "$tmp/bad5.jsonl"
expect_err "label compare: nothing to pair" 2 "tldrlab label: compare: no sample of $tmp/b_ref.jsonl shares a document with a sample of another policy in $tmp/b_ref.jsonl" $T label compare --world "$tmp/w" --out "$tmp/x.json" "$tmp/b_ref.jsonl" "$tmp/b_ref.jsonl"
cp -r "$tmp/w" "$tmp/wt"
sed -i "s/Throwaway because/Throwaway since/" "$tmp/wt/lexicon.json"
run $T world judge --world "$tmp/wt" "$tmp/b_ref.jsonl"
if [ "$rc" = 2 ] && grep -q "the world was modified after it was generated" "$tmp/err"; then ok "a modified world is refused"; else bad "a modified world is refused" "exit $rc"; fi
# errors in a world's own files name the file, the line and the key path
cp -r "$tmp/w" "$tmp/wl"
gl=$(grep -n '"gender":' "$tmp/wl/lexicon.json" | head -1 | cut -d: -f1)
sed -i "${gl}s/\"gender\":\t*\"[A-Za-z]*\"/\"gender\": \"X\"/" "$tmp/wl/lexicon.json"
expect_err "a lexicon error names W/lexicon.json, its line and path" 2 "$tmp/wl/lexicon.json:$gl: common.relations[0].gender: expected M, F or any" $T world judge --world "$tmp/wl" "$tmp/b_ref.jsonl"
cp -r "$tmp/w" "$tmp/ww"
pl=$(grep -n '"paraphrase":' "$tmp/ww/world.json" | head -1 | cut -d: -f1)
sed -i "${pl}s/\"paraphrase\":/\"paraphrse\":/" "$tmp/ww/world.json"
run $T world judge --world "$tmp/ww" "$tmp/b_ref.jsonl"
if [ "$rc" = 2 ] && grep -qF "$tmp/ww/world.json:$pl: config.world.paraphrse: unknown setting" "$tmp/err"; then ok "a world.json error names its line and path"
else bad "a world.json error names its line and path" "expected exit 2 and $tmp/ww/world.json:$pl: config.world.paraphrse: unknown setting"; fi

# a write error names its cause, the failed write's errno (not a stale "File exists"): a file-size
# limit, with SIGXFSZ ignored, stands in for a full disk
run bash -c "trap '' XFSZ; ulimit -f 200; exec $T world generate --out '$tmp/wfull' --quiet"
if [ "$rc" = 1 ] && grep -qF "$tmp/wfull/facts.jsonl: cannot write output: File too large" "$tmp/err"; then ok "world generate: a write error says why"
else bad "world generate: a write error says why" "expected exit 1 and $tmp/wfull/facts.jsonl: cannot write output: File too large"; fi

finish world
