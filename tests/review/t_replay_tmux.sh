#!/usr/bin/env bash
# tejun replay in the full-screen TUI, driven in a real terminal (tmux): jump back to the
# start, to the failure, one event back, search, resize, quit. The player's state is on the
# footer, beside the TUI's own hints (its keys reach the player through the view). Nothing
# is executed.
. "$TEJUN_TOP/tests/review/lib.sh"
command -v tmux >/dev/null 2>&1 || { echo "FAIL: tmux is not installed (scripts/deps installs it)"; exit 1; }

record live
rm -f "$work/live.marker"
sock=$work/tmux.sock
t() { tmux -S "$sock" "$@"; }
t new-session -d -s replay -x 120 -y 30 \
  "TERM=xterm-256color '$TEJUN' replay '$journal' --speed 64; echo EXIT=\$?; sleep 60"
trap 't kill-server 2>/dev/null; rm -rf "$work"' EXIT
title() { t capture-pane -p -t replay | tail -n 1; }
screen() { t capture-pane -p -t replay; }
# wait_for WHAT CMD...: polls up to 10 s
wait_for() {
  local what=$1; shift
  for _ in $(seq 50); do "$@" >/dev/null 2>&1 && { ok "$what"; return; }; sleep 0.2; done
  fail "$what"; screen; title
}

wait_for "replay plays to the end at 64x" bash -c "tmux -S '$sock' capture-pane -p -t replay | tail -n 1 | grep -q 'event 45/45'"
wait_for "the TUI shows the session" bash -c "tmux -S '$sock' capture-pane -p -t replay | grep -q 'Review fixture'"
t send-keys -t replay '^'
wait_for "^ goes back to the start" bash -c "tmux -S '$sock' capture-pane -p -t replay | tail -n 1 | grep -q 'event 1/45'"
t send-keys -t replay 'F'
wait_for "F jumps to the failure" bash -c "tmux -S '$sock' capture-pane -p -t replay | grep -q '✗  4 fails once'"
check "the failure's error is on screen" bash -c "tmux -S '$sock' capture-pane -p -t replay | grep -qF 'disk | full & <angry>'"
n=$(title | sed -n 's/.*event \([0-9]*\)\/.*/\1/p')
t send-keys -t replay ','
wait_for ", steps one event back" bash -c "tmux -S '$sock' capture-pane -p -t replay | tail -n 1 | grep -q 'event $((n - 1))/45'"
t send-keys -t replay '$'
t send-keys -t replay '/' 'angry' Enter
wait_for "/ searches the log (the TUI's search, keys passed through)" \
  bash -c "tmux -S '$sock' capture-pane -p -t replay | grep -q '/angry'"
t send-keys -t replay '?'
wait_for "? lists the player's keys beside the view's" bash -c "tmux -S '$sock' capture-pane -p -t replay | grep -q 'next failure'"
t send-keys -t replay Escape
check "typing the search did not move the player" bash -c "tmux -S '$sock' capture-pane -p -t replay | tail -n 1 | grep -q 'event 45/45'"
t resize-window -t replay -x 90 -y 20
wait_for "after a resize the screen fits 90 columns" \
  bash -c "tmux -S '$sock' capture-pane -p -t replay | head -n1 | grep -q 'tejun' && [ \$(tmux -S '$sock' capture-pane -p -t replay | wc -l) -le 20 ]"
t send-keys -t replay q
wait_for "q quits with exit 0" bash -c "tmux -S '$sock' capture-pane -p -t replay | grep -q 'EXIT=0'"
check "replay ran nothing" [ ! -e "$work/live.marker" ]
finish
