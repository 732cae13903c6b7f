#!/bin/bash
# Looking around while a session runs: scroll a long log, search with / n N (highlighted), help,
# resize the terminal larger, too small and back, and skip a pending step with a reason.
. "$(dirname "$0")/lib.sh"

start 80 24 -- run "$RUNBOOKS/logs.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
keys Enter
wait_for 'line 300' 10
wait_for '✓ +1 たくさんログを出す' 5
ok "a long log follows its newest line"

# keys that cannot act now say why (they used to do nothing)
keys u
wait_for 'step 1 "たくさんログを出す" has no undo' 5
keys r
wait_for 'cannot retry now: no step failed or was interrupted' 5
ok "u and r say why they do nothing"

keys PPage
wait_for 'newer \[End\]'
expect_not 'line 300' "PgUp scrolled back"
keys PPage PPage
wait_for 'line 2[0-9][0-9]'
keys NPage
keys End
wait_for 'line 300'
expect_not 'newer \[End\]'
ok "PgUp / PgDn / End"

keys Home
wait_for 'line 001'
keys /
wait_for 'Search the log'
typed needle
keys Enter
wait_for 'match 1 of 3' 5
expect 'line 100 needle here'
tx capture-pane -p -e | grep -q $'\e\\[[0-9;]*mneedle' || fail "match not highlighted"
keys n
wait_for 'match 2 of 3'
expect 'line 200 needle here'
keys n n
wait_for 'match 1 of 3'
keys N
wait_for 'match 3 of 3'
expect 'line 300 needle here'
expect '/needle \[n/N\]' "the search stays visible"
ok "search: / n N, wraps, highlighted"

keys '?'
wait_for 'tejun help'
expect 'run the next step'
expect 'asks before aborting'
expect '⚠ critical: the point of no return'
keys x
wait_gone 'tejun help'
ok "help overlay"

tx resize-window -x 120 -y 40
wait_for 'tui-logs-' 5
sleep 0.3
screen | cols_check widths 120 || fail "after resize to 120x40 a line is not 120 columns wide"
[ "$(screen | wc -l)" -ge 40 ] || fail "not 40 rows"
tx resize-window -x 50 -y 14
wait_for 'terminal too small: 50x14'
tx resize-window -x 80 -y 24
wait_for '\[\?\] help'
sleep 0.3
screen | cols_check widths 80 || fail "after resize back a line is not 80 columns wide"
ok "resize: larger, too small, back"

keys Enter
wait_for 'Which replica should serve reads\?' 10
expect 'empty: replica-1' "the default is shown"
keys Enter
wait_for '✓ +2 二番目' 10
expect 'reads go to replica-1' "an empty answer takes the default"
keys s
wait_for 'Skip: reason'
keys Enter
wait_for 'a reason is required'
expect '· +3 長い処理' "not skipped without a reason"
keys s
typed 'not needed tonight'
keys Enter
wait_for '↷ +3 長い処理' 5
wait_for ' DONE ' 5
keys q
expect_restored 0
ok "skip a pending step needs a reason; done; restored"
