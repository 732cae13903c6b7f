#!/usr/bin/env bash
# Confirmations through the line view: yes runs the step (its marker appears), no or a wrong
# challenge fails it (no marker, exit 1); answers come from a file or stdin; closed stdin or an
# answers file for the wrong step never confirms anything.
. "$(dirname "$0")/lib.sh"
R="$RB/confirm.lua"
d="$tmp/work"
mkdir -p "$d"
fresh() { rm -f "$d/marker" "$d/promoted"; }

# --- confirm yes + challenge right: everything runs, exit 0
fresh
printf 'go: yes\npromote: prod-aurora\n' >"$tmp/yes.txt"
run "$R" --param dir="$d" --answers "$tmp/yes.txt"
expect_rc 0 "yes + right challenge"
expect_file "confirm yes" "$d/marker"
expect_file "challenge right" "$d/promoted"
expect_has "line view shows the challenge" "[type 'prod-aurora' to confirm]" "$out"
expect_has "line view shows the answer" "go | answer: yes (accepted, by tester via answers-file)" "$out"
J=$(journal)
expect_eq "trail (yes)" "session end:prep=ok prompt:go=confirm answer:go=yes end:go=ok prompt:promote=challenge answer:promote=prod-aurora end:promote=ok end=done" "$(trail "$J")"
expect_jq "answers are journaled with their source" "$J" '[(e["data"]["answer"], e["data"]["ok"], e["data"]["source"]) for e in of("answer")]' '[["yes",true,"answers-file"],["prod-aurora",true,"answers-file"]]'
expect_verified "$J"

# --- confirm no: the step fails without running, and nothing after it runs
fresh
printf 'go: no\n' >"$tmp/no.txt"
run "$R" --param dir="$d" --answers "$tmp/no.txt"
expect_rc 1 "confirm no"
expect_no_file "confirm no: the step's command did not run" "$d/marker"
expect_no_file "confirm no: later steps did not run" "$d/promoted"
J=$(journal)
expect_jq "confirm no: go failed, not confirmed" "$J" '[(e["data"]["state"], e["data"].get("error")) for e in of("step_end", "go")]' '[["failed","not confirmed by the operator"]]'
expect_jq "confirm no: promote never started" "$J" 'len(of("step_start", "promote"))' '0'
expect_jq "confirm no: session ends aborted, exit 1" "$J" '[(e["data"]["status"], e["data"]["exit_code"]) for e in of("end")]' '[["aborted",1]]'

# --- challenge wrong: the critical step does not run
fresh
printf 'go: yes\npromote: prod\n' >"$tmp/wrong.txt"
run "$R" --param dir="$d" --answers "$tmp/wrong.txt"
expect_rc 1 "wrong challenge"
expect_file "wrong challenge: go still ran" "$d/marker"
expect_no_file "wrong challenge: promote did not run" "$d/promoted"
J=$(journal)
expect_jq "wrong challenge: error" "$J" '[e["data"].get("error") for e in of("step_end", "promote")]' '["challenge answer did not match: not confirmed"]'
expect_jq "wrong challenge: the typed word is journaled as not ok" "$J" '[(e["data"]["answer"], e["data"]["ok"]) for e in of("answer", "promote")][:1]' '[["prod",false]]'
# a case difference is not the word either
fresh
printf 'go: yes\npromote: PROD-AURORA\n' >"$tmp/case.txt"
run "$R" --param dir="$d" --answers "$tmp/case.txt"
expect_rc 1 "challenge in the wrong case"
expect_no_file "challenge in the wrong case: promote did not run" "$d/promoted"

# --- answers from stdin
fresh
tj_in $'yes\n' run "$R" --no-tui --log-dir "$LOGS" --param dir="$d"
expect_file "stdin yes: go ran" "$d/marker"
expect_has "stdin answer is journaled as from stdin" "go | answer: yes (accepted, by tester via stdin)" "$out"
fresh
tj_in $'yes\nprod-aurora\n' run "$R" --no-tui --log-dir "$LOGS" --param dir="$d"
# Regression test (bug fixed since; it was at ui/lineview.c:88, answer_prompt): once stdin reached EOF, a prompt is answered
# "standard input is closed" even though complete lines are still buffered, so a piped answers
# stream (printf 'yes\nprod-aurora\n' | tejun run ...) only answers the first prompt.
[ "$rc" = 0 ] && [ -e "$d/promoted" ] ||
  fail "both answers piped on stdin: expected exit 0 and promote confirmed by the 2nd line; got exit $rc, promoted $([ -e "$d/promoted" ] && echo exists || echo missing)"

# --- closed stdin: nothing is auto-confirmed
fresh
run "$R" --param dir="$d"
expect_rc 1 "closed stdin"
expect_no_file "closed stdin: go did not run" "$d/marker"
expect_has "closed stdin is said" "no answer: standard input is closed" "$out"
J=$(journal)
expect_jq "closed stdin: the answer is journaled as none, not ok" "$J" '[(e["data"]["ok"], e["data"]["source"]) for e in of("answer", "go")][:1]' '[[false,"none"]]'
expect_jq "closed stdin: go failed" "$J" '[e["data"]["state"] for e in of("step_end", "go")]' '["failed"]'

# --- an answers file that answers the wrong step: named file:line, nothing confirmed
fresh
printf '# answers for the cut-over\npromote: prod-aurora\n' >"$tmp/wrongstep.txt"
run "$R" --param dir="$d" --answers "$tmp/wrongstep.txt"
expect_rc 1 "answers for the wrong step"
expect_has "wrong step is explained with file:line" "$tmp/wrongstep.txt:2 answers step 'promote', but the prompt is for step 'go'" "$out"
expect_no_file "wrong step: go did not run" "$d/marker"
expect_no_file "wrong step: promote did not run" "$d/promoted"

# --- a malformed answers file is refused before anything runs
fresh
printf 'go yes\n' >"$tmp/bad.txt"
run "$R" --param dir="$d" --answers "$tmp/bad.txt"
expect_rc 2 "malformed answers file"
expect_has "malformed answers file: file:line" "$tmp/bad.txt:1: expected 'STEP_ID: ANSWER'" "$err"
expect_lacks "malformed answers file: nothing ran" "prep ran" "$out"

finish
