#!/bin/bash
# kill -9 in the middle of a step, then --resume: the screen is rebuilt from the journal
# (finished steps stay finished), the interrupted step waits for a decision, retry runs it.
# A fresh session after that (aborted) one opens on a warning naming it.
. "$(dirname "$0")/lib.sh"
abort_and_quit() { # a, confirmed: the session ends ABORTED and q leaves the terminal as it was
	keys a
	wait_fast 'Are you sure'
	keys y
	wait_for ' ABORTED ' 5
	keys q
	expect_restored 1
}

start 80 24 -- run "$RUNBOOKS/logs.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
keys c
wait_for 'Which replica' 10
keys Enter
wait_for 'copy ' 10
kill -KILL "$(pgrep -P "$(tx display-message -p '#{pane_pid}')")"
tx kill-server
sid=$(ls "$WORK/logs" | sed -n 's/\.jsonl$//p')

start 80 24 -- run "$RUNBOOKS/logs.lua" --log-dir "$WORK/logs" --resume "$sid"
wait_for 'did not finish: decide' 10
expect 'session resumed' "says it resumed"
expect '✓ +1 たくさんログを出す'
expect '✓ +2 二番目'
expect '! +3 長い処理' "the step in flight is interrupted"
expect 'was interrupted'
screen | cols_check widths 80 || fail "a line is not 80 columns wide"
keys r
wait_for '▶ +3 長い処理' 5
wait_for 'rows/s · ETA' 5
ok "resumed: history rebuilt, interrupted step retried"

abort_and_quit

# a fresh session now: the screen opens on a warning naming the unfinished one
tx kill-server
start 80 24 -- run "$RUNBOOKS/logs.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
wait_for 'earlier session' 5
expect 'ended aborted' "the warning says how it ended"
abort_and_quit
ok "a fresh session after an unfinished one is warned on screen"
