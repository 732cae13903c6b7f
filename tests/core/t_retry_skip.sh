#!/usr/bin/env bash
# Retries and skip through the line view (rb/flaky.lua): a step that fails twice succeeds on its
# third attempt; a Lua error shows its traceback in the log and fails only that step; the operator
# skips it with a reason, which the journal keeps in step_end, and the session goes on to exit 0.
. "$(dirname "$0")/lib.sh"
R="$RB/flaky.lua"

printf 'broken: skip not needed today\n' >"$tmp/answers"
run "$R" --answers "$tmp/answers"
expect_rc 0 "retry then skip"
J=$(journal)
expect_eq "trail" "session end:count=ok end:broken=failed prompt:broken=decision answer:broken=skip not needed today end:broken=skipped end:after=ok end=done" "$(trail "$J")"

# retries: three attempts of "count", the third one ok
expect_jq "count: attempts started" "$J" '[e["data"]["attempt"] for e in of("step_start", "count")]' '[1,2,3]'
expect_jq "count: ended ok on attempt 3" "$J" '[(e["data"]["state"], e["data"]["attempt"]) for e in of("step_end", "count")]' '[["ok",3]]'
expect_has "retry is announced" "attempt 1 of 3 failed; retrying in 1 s" "$out"
expect_has "the third attempt is shown" "count: fails twice then works (attempt 3)" "$out"
expect_has "the step's own log after the retries" "count | worked on try 3" "$out"

# the Lua error: traceback in the log, first line as the step's error
expect_jq "broken: the traceback is in the log" "$J" \
  'any("stack traceback:" in e["data"]["text"] and "flaky.lua:9: attempt to index a nil value" in e["data"]["text"] for e in of("log", "broken"))' 'true'
expect_jq "broken: step_end error is the message, without the traceback" "$J" \
  '[e["data"].get("error") for e in of("step_end", "broken")][0]' "\"$R:9: attempt to index a nil value (local 't')\""
expect_has "the traceback is shown to the operator" "broken | stack traceback:" "$out"

# the skip and its reason
expect_jq "broken: skipped with the operator's reason" "$J" \
  '[(e["data"]["state"], e["data"].get("reason")) for e in of("step_end", "broken")]' '[["failed",null],["skipped","not needed today"]]'
expect_has "the skip is shown with its reason" "↷ broken skipped: not needed today" "$out"
expect_jq "after: ran once, after the skip" "$J" '[e["data"]["text"] for e in of("log", "after")]' '["after ran"]'
expect_verified "$J"

finish
