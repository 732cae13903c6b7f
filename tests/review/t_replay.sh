#!/usr/bin/env bash
# replay --no-tui prints the recorded session's timeline (the same lines the live run
# printed), never executes anything (the step that created a file does not create it
# again, no journal is written), and says when the journal was tampered with or torn.
. "$TEJUN_TOP/tests/review/lib.sh"

record live
check "the recorded run succeeded" [ "$(cat "$work/live.rc")" = 0 ]
check "the live run created the marker" [ -e "$work/live.marker" ]
rm -f "$work/live.marker"
before=$(ls "$work/live" | wc -l)

"$TEJUN" replay --no-tui "$journal" >"$work/replay.out" 2>"$work/replay.err"
rc=$?
check "replay exits 0" [ "$rc" = 0 ]
check "replay says the chain is intact" grep -q "chain intact" <(head -n1 "$work/replay.out")
check "replay prints the same timeline as the live run" \
  diff <(tail -n +2 "$work/replay.out") <(grep -v '^journal:' "$work/live.run")
for want in "▶ touch: creates the marker file" "✗ flaky failed" "↷ flaky skipped: known | issue" \
            "answer: go-live (accepted, by carol" "session done"; do
  check "timeline has: $want" grep -qF "$want" "$work/replay.out"
done
check "replay ran nothing: the marker was not created again" [ ! -e "$work/live.marker" ]
check "replay wrote no journal" [ "$(ls "$work/live" | wc -l)" = "$before" ]
check "the secret is not in the timeline" bash -c "! grep -q SECRET '$work/replay.out'"

id=$(basename "$journal" .jsonl)
"$TEJUN" replay --no-tui --log-dir "$work/live" "${id%-*}" >"$work/byid.out" 2>&1
check "replay finds a session by id prefix in --log-dir" cmp -s "$work/byid.out" "$work/replay.out"

cp "$journal" "$work/tampered.jsonl"
$py "$here/jtool.py" edit "$work/tampered.jsonl" 5
"$TEJUN" replay --no-tui "$work/tampered.jsonl" >"$work/tampered.out" 2>&1
rc=$?
check "replay of a changed journal exits 1" [ "$rc" = 1 ]
check "replay of a changed journal says TAMPERED at line 5" grep -q "TAMPERED.*line 5" "$work/tampered.out"
check "and shows only the 4 intact lines' events" bash -c "! grep -q 'prep ok' '$work/tampered.out'"
"$TEJUN" verify-log "$work/tampered.jsonl" >"$work/verify.out" 2>&1
check "verify-log agrees (exit 1, line 5 changed)" bash -c "[ $? = 1 ] && grep -q 'line 5.*changed' '$work/verify.out'"

cp "$journal" "$work/torn.jsonl"
$py "$here/jtool.py" tear "$work/torn.jsonl"
"$TEJUN" replay --no-tui "$work/torn.jsonl" >"$work/torn.out" 2>&1
rc=$?
check "a torn last line is a crash, not tampering: exit 0" [ "$rc" = 0 ]
check "replay says so" grep -q "not tampering" "$work/torn.out"
check "replay of a torn journal shows what came before the tear" grep -q "crit ok" "$work/torn.out"
finish
