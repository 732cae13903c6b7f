#!/bin/bash
# At 120x40: the header has room for the session id; run on stops at the confirmation; Esc
# declines a typed challenge (the step fails); abort asks first and "no" keeps going; Ctrl-C
# asks too; an aborted session quits with exit code 1 and gives the terminal back.
. "$(dirname "$0")/lib.sh"

start 120 40 -- run "$RUNBOOKS/demo.lua" --log-dir "$WORK/logs" --operator ops
wait_for '\[enter\] run 1'
sid=$(ls "$WORK/logs" | sed -n 's/\.jsonl$//p')
[ -n "$sid" ] || fail "no journal in $WORK/logs"
expect "$sid" "session id in the header at 120 columns"
expect 'ops@' "operator in the header"
screen | cols_check widths 120 || fail "a line is not 120 columns wide"
ok "header: title, session, operator"

keys Enter
wait_for '✓ +1 s3 hosting'
wait_for '\[u\] undo'
keys u
wait_for 'Run the undo of step 1'
keys n
wait_for 'cancelled'
ok "undo of a finished step asks first"

keys c
wait_for 'Put the production ALB into maintenance\?' 10
keys y
wait_for '✓ +2 ALBをメンテにする' 10
wait_for '\[enter\] run 3 ⚠' 5
ok "run on: stops at the confirmations; the footer flags the critical step next"

keys Enter
wait_for 'POINT OF NO RETURN' 10

keys Escape
wait_for 'did not finish: decide' 10
expect '✗ +3 auroraをmasterに昇格' "declined challenge fails the step"
expect 'not confirmed|did not match' "why it failed"
ok "Esc declines the challenge"

keys a
wait_for 'Are you sure\?'
expect 'Abort the session\?'
keys n
wait_gone 'Are you sure\?'
expect 'did not finish: decide' "still deciding after 'no'"
keys C-c
wait_for 'Abort the session\?'
keys Escape
wait_gone 'Are you sure\?'
ok "abort and Ctrl-C ask first; no keeps the session"

keys a
wait_for 'Are you sure\?'
keys y
wait_for ' ABORTED ' 10
expect '\[q\] quit'
keys q
expect_restored 1
grep -q '"status":"aborted"' "$WORK/logs/$sid.jsonl" || fail "journal does not say aborted"
ok "aborted; exit 1; terminal restored"
