#!/bin/bash
# The terminal comes back whatever ends the console: SIGTERM (journaled as interrupted, exit
# 130), SIGHUP (the ssh link dropped) and a crash (SIGSEGV) while a step is running.
. "$(dirname "$0")/lib.sh"

tejun_pid() { pgrep -P "$(tx display-message -p '#{pane_pid}')" | head -1; }

run_until_long_step() {
	start 80 24 "$@" -- run "$RUNBOOKS/logs.lua" --log-dir "$WORK/logs"
	wait_for '\[enter\] run 1'
	keys c
	wait_for 'Which replica should serve reads' 15
	keys Enter
	wait_for '▶ +3 長い処理' 15
	wait_for 'copy ' 5
}

run_until_long_step
kill -TERM "$(tejun_pid)"
expect_restored 130
grep -q '"status":"interrupted"' "$WORK"/logs/*.jsonl || fail "journal does not say interrupted"
ok "SIGTERM: interrupted, exit 130, terminal restored"
tx kill-server
rm -rf "$WORK/logs"

run_until_long_step
kill -HUP "$(tejun_pid)"
expect_restored 130
ok "SIGHUP: exit 130, terminal restored"
tx kill-server

# A crash: sanitizers would catch SIGSEGV themselves, so let the signal through to us.
run_until_long_step ASAN_OPTIONS=handle_segv=0:detect_leaks=0
kill -SEGV "$(tejun_pid)"
wait_for '^__EXIT=' 15
expect '^__EXIT=139$' "killed by SIGSEGV"
expect '^TTY_OK$' "tty modes restored after a crash"
[ "$(alt_screen)" = 0 ] || fail "still on the alternate screen after a crash"
ok "SIGSEGV: terminal restored before the crash"
