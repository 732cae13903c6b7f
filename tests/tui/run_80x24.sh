#!/bin/bash
# A whole session at 80x24 as the operator sees it: steps and marks, a confirmation, the typed
# challenge of the critical step, progress, a failure and its decision, skip with a reason,
# Japanese titles aligned with their neighbours, quit, and the terminal given back.
. "$(dirname "$0")/lib.sh"

start 80 24 -- run "$RUNBOOKS/demo.lua" --log-dir "$WORK/logs" --operator ops
wait_for '\[enter\] run 1'
expect 'RDS MySQL → Aurora \(day 2\)' "runbook title in the header"
expect '─ Maintenance ─' "phase separator"
expect '─ Cutover ─' "phase separator"
expect '· +1 s3 hosting' "pending mark"
expect '· +3 auroraをmasterに昇格' "Japanese title, whole"
expect '⚠ no way back' "critical step flagged"
expect '\[a\] abort' "footer keys"
expect_not '\[q\] quit' "q only once the session ended"
[ "$(alt_screen)" = 1 ] || fail "TUI not on the alternate screen"
screen | cols_check widths 80 || fail "a line is not 80 columns wide (wide characters miscounted?)"
screen | cols_check same-col '·' ' 1 s3 hosting' ' 2 ALBをメンテ' ' 3 auroraを' ' 5 後片付け' || fail "marks not aligned"
ok "first screen"

keys Enter
wait_for '✓ +1 s3 hosting'
wait_for 's3 maintenance page is up' 5
ok "step 1 ran; its log is shown"

keys Enter
wait_fast 'Put the production ALB into maintenance\?'
expect '\[y\] yes' "confirm dialog keys"
expect '\? +2 ALBをメンテにする' "waiting mark"
keys Enter   # Enter must not confirm
sleep 0.3
expect 'press y to confirm' "Enter does not confirm"
expect 'Put the production ALB into maintenance\?' "dialog still up"
keys y
wait_for '✓ +2 ALBをメンテにする' 10
expect 'dump .*100%' "progress bar at 100%"
expect 'replica lag' "gauge"
expect 'target rows 205k rows' "a large gauge in k, not 2.05e+05"
expect '[▁▂▃▄▅▆▇█]{3}' "sparkline"
ok "confirmed; progress and gauge shown"

keys Enter
wait_for 'POINT OF NO RETURN'
expect 'Type prod-aurora exactly' "challenge word shown"
typed 'prod-aurra'
keys Enter
wait_for 'that is not "prod-aurora"' 5
expect 'POINT OF NO RETURN' "wrong word: still asking"
keys C-u
typed 'prod-aurora'
wait_for '> prod-aurora'
keys Enter
wait_for '✓ +3 auroraをmasterに昇格' 10
expect '⚠ no way back \(passed\)'
ok "typed challenge: wrong word refused, right word accepted"

keys Enter
wait_for 'did not finish: decide'
expect '✗ +4 fails' "failed mark"
expect 'kaboom' "the error is shown"
expect '\[r\] retry +\[s\] skip' "decision keys"
keys a
wait_fast 'Are you sure\?'
keys n
wait_fast 'cancelled'
expect 'did not finish: decide' "still deciding after 'no'"
keys s
wait_fast 'Skip: reason'
wait_gone 'did not finish: decide' # its [r]/[s]/[a] dialog gives way while the reason is typed
typed 'known flaky in staging'
keys Enter
wait_for '↷ +4 fails' 10
expect 'reason: known flaky' "skip reason shown"
ok "failed step skipped with a reason"

# alignment: marks, numbers and the right edge of durations line up whatever the title script
screen | cols_check widths 80 || fail "a line is not 80 columns wide"
screen | cols_check same-col '✓' ' 1 s3 hosting' ' 2 ALBをメンテ' ' 3 auroraを' || fail "marks not aligned"
screen | cols_check right-edge ' 1 s3 hosting' ' 2 ALBをメンテ' ' 3 auroraを' ' 4 fails' || fail "durations not aligned"
[ "$(screen | cols_check col ' 2 ALBをメンテ')" = "$(screen | cols_check col ' 4 fails')" ] || fail "numbers not aligned"
ok "Japanese titles aligned with their neighbours"

keys Enter
wait_for ' DONE ' 10
expect '✓ +5 後片付け'
expect '\[q\] quit' "q offered once the session ended"
keys q
expect_restored 0
ok "quit; terminal restored"
