#!/usr/bin/env bash
# A step that never yields is stopped by the instruction-count hook at its timeout, even when
# the loop runs inside pcall; only that step fails, and the operator decides what comes next.
. "$(dirname "$0")/lib.sh"

# tejun under a hard limit: a step that is never stopped fails the test instead of hanging it
bounded_run() {
  local limit=$1
  shift
  TJ_LIMIT=$limit run "$@"
}

ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(ms)
printf 'spin: skip it never yields\n' >"$tmp/skip"
bounded_run 8 "$RB/runaway.lua" --answers "$tmp/skip"
took=$(($(ms) - start))
expect_rc 0 "runaway stopped, skipped, next step ran"
expect_has "stopped by its 1 s timeout" "timed out after 1 s (stopped by the step timeout)" "$out"
expect_has "the next step ran after the skip" "next | next ran" "$out"
[ "$took" -lt 5000 ] || fail "the runaway step was stopped only after ${took} ms (timeout 1 s)"
J=$(journal)
expect_jq "spin failed with the timeout, then was skipped" "$J" \
  '[(e["data"]["state"], e["data"].get("error") or e["data"].get("reason")) for e in of("step_end", "spin")]' \
  '[["failed","timed out after 1 s (stopped by the step timeout)"],["skipped","it never yields"]]'
expect_verified "$J"

# without an answer: the session stops, exit 1, the next step never runs
bounded_run 8 "$RB/runaway.lua"
expect_rc 1 "runaway without a decision"
expect_lacks "no decision: next did not run" "next ran" "$out"

# a loop that spends its time inside pcall must be stopped the same way
bounded_run 6 "$RB/runaway_pcall.lua"
# regression: a kill error raised from the count hook landed inside the pcall'd body every time
# and was swallowed, so tejun hung at 100% CPU and ignored SIGTERM (124/137: killed by timeout)
[ "$rc" = 1 ] && grep -qF "timed out after 1 s" "$out" ||
  fail "runaway inside a busy pcall: expected exit 1 with 'timed out after 1 s'; got exit $rc (124/137: hung, killed by timeout)"

finish
