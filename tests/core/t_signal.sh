#!/usr/bin/env bash
# SIGTERM (and SIGINT) while a step sleeps: exit 130 at once, the step journaled as interrupted,
# the journal ends with end status interrupted and still verifies; the next step never runs.
. "$(dirname "$0")/lib.sh"

for sig in TERM INT; do
  log="$LOGS-$sig"
  "$TEJUN" run "$RB/sleeper.lua" --no-tui --log-dir "$log" </dev/null >"$out" 2>"$err" &
  pid=$!
  for _ in $(seq 100); do grep -q 'napping' "$out" && break; sleep 0.05; done
  grep -q 'napping' "$out" || { kill -9 "$pid"; die "SIG$sig: the step never started"; }
  t0=$(date +%s%N)
  kill -"$sig" "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    fail "SIG$sig: tejun still running 5 s after the signal (killed)"
  fi
  set +e
  wait "$pid"
  rc=$?
  set -e
  took=$((($(date +%s%N) - t0) / 1000000))
  expect_rc 130 "SIG$sig during a sleeping step"
  [ "$took" -lt 3000 ] || fail "SIG$sig: took ${took} ms to exit"
  expect_has "SIG$sig: said why" "interrupted by SIG$sig" "$out"
  J=$(journal)
  expect_jq "SIG$sig: the journal ends with the interruption" "$J" \
    '[ev[-1]["type"], ev[-1]["data"]["status"], ev[-1]["data"]["exit_code"]]' '["end","interrupted",130]'
  expect_jq "SIG$sig: the step is interrupted" "$J" \
    '[(e["data"]["state"], e["data"].get("error")) for e in of("step_end", "nap")]' "[[\"interrupted\",\"interrupted by SIG$sig\"]]"
  expect_jq "SIG$sig: the next step never started" "$J" 'len(of("step_start", "after"))' '0'
  expect_lacks "SIG$sig: the sleep did not finish" "woke up" "$out"
  expect_has "SIG$sig: how to resume is said" "--resume $(session_of "$J")" "$err"
  expect_verified "$J"
done

# the shell command a step waits on goes with the session: nothing is left reparented to init
for sig in INT TERM HUP; do
  "$TEJUN" run "$RB/shsleeper.lua" --no-tui --log-dir "$LOGS-sh$sig" </dev/null >"$out" 2>"$err" &
  pid=$!
  for _ in $(seq 100); do pgrep -f "sleep 987" >/dev/null && break; sleep 0.05; done
  pgrep -f "sleep 987" >/dev/null || { kill -9 "$pid"; die "SIG$sig: the shell command never started"; }
  kill -"$sig" "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  expect_rc 130 "SIG$sig during a shell command"
  if pgrep -f "sleep 987" >/dev/null; then
    pkill -f "sleep 987"
    fail "SIG$sig: the step's shell command outlived tejun"
  fi
done

finish
