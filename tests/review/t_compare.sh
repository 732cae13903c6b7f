#!/usr/bin/env bash
# report --compare REHEARSAL LIVE lines up the steps by id and flags the step that ran much
# longer live (> 1.5x and > 30 s more), and only that one. The live run really waits 31 s.
. "$TEJUN_TOP/tests/review/lib.sh"

record live 31 &
live_pid=$!
record rehearsal 0
rehearsal=$journal
wait $live_pid
live=$(ls "$work/live"/*.jsonl)

"$TEJUN" report --compare "$rehearsal" "$live" >"$work/c.md"
check "compare exits 0" [ $? = 0 ]
check "the slow step is flagged" grep -qE '^\| wait \|.*\| \*\*SLOWER LIVE\*\* \|$' "$work/c.md"
check "only that one" [ "$(grep -c 'SLOWER LIVE' "$work/c.md")" = 1 ]
check "the summary counts it" grep -q "^1 step(s) ran much longer live" "$work/c.md"
for s in prep touch flaky crit; do
  check "step $s is lined up" grep -qE "^\| $s \|" "$work/c.md"
done
check "both sessions' integrity is stated" [ "$(grep -o 'verify-log passed' "$work/c.md" | wc -l)" = 2 ]
check "same runbook: no change warning" bash -c "! grep -q 'runbook changed' '$work/c.md'"
"$TEJUN" report --compare "$rehearsal" "$live" --format html -o "$work/c.html"
check "html compare marks the slow row" grep -q '<tr class="slow"><td>wait</td>' "$work/c.html"
finish
