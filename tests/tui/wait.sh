#!/bin/bash
# A wait (ctx.wait_until) shows the time waited and the time left before it gives up, then
# "done after"; its limit makes no bar, percentage or ETA. The line view says the same.
. "$(dirname "$0")/lib.sh"

start 120 24 -- run "$RUNBOOKS/wait.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
keys Enter
wait_for 'waiting: replica caught up +waiting [0-9]+s · gives up in 9m5[0-9]s' 10
expect_not 'ETA|[0-9]+%|s/s' "a wait's limit is no estimate"
wait_for '✓ +1 ' 15
keys Up
wait_for 'waiting: replica caught up +done after [0-9]+s' 5
expect_not 'gives up in'
ok "full screen: waiting, then done after"

tx kill-server 2>/dev/null
"$TEJUN" run "$RUNBOOKS/wait.lua" --no-tui --log-dir "$WORK/logs2" --param polls=6 >"$WORK/lines" 2>&1 \
  || { cat "$WORK/lines"; fail "line view run"; }
grep -Eq 'lag \| waiting: replica caught up: waiting 0\.[0-9] s, gives up in 00:10:00' "$WORK/lines" \
  || { cat "$WORK/lines"; fail "line view: the wait's start"; }
grep -Eq 'lag \| waiting: replica caught up: done after [0-9]+\.[0-9] s' "$WORK/lines" \
  || { cat "$WORK/lines"; fail "line view: the wait's end"; }
! grep -Eq 'replica caught up +[0-9]+%' "$WORK/lines" || { cat "$WORK/lines"; fail "line view: a wait drawn as a percentage"; }
ok "line view: waiting, then done after"
