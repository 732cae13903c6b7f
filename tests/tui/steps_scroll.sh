#!/bin/bash
# More steps than rows: the steps pane scrolls with the selection, shows that more is above or
# below, keeps phase titles and the critical warning with their step, and "f" follows again.
. "$(dirname "$0")/lib.sh"

start 80 24 -- run "$RUNBOOKS/many.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
expect '▼' "more steps below"
expect_not '▲'
for i in $(seq 29); do keys j; done
wait_for '^│ · 30 手順その30'
expect '⚠ no way back' "the critical step keeps its warning in view"
expect '▲' "more steps above"
expect '30\. 手順その30' "the detail pane shows the selected step"
expect 'asks: Really\?'
screen | cols_check widths 80 || fail "a line is not 80 columns wide"
keys g   # Home for the log; the selection stays
keys k k
wait_for '28\. 手順その28'
keys Enter
wait_for '✓ +1 手順その1' 5
expect '1\. 手順その1' "running a step follows it again"
keys j j j
wait_for '4\. 手順その4'
expect '\[f\] follow' "not following: f offered"
keys f
wait_for '1\. 手順その1'
expect_not '\[f\] follow'
ok "steps pane scrolls, follows again with f"
