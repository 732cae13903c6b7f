#!/bin/bash
# NO_COLOR: no colour at all, yet the state of things still stands out (bold, reverse); without
# it the screen uses colours.
. "$(dirname "$0")/lib.sh"

sgr() { tx capture-pane -p -e | grep -oE $'\e\\[[0-9;]*m' | sort -u | tr '\n' ' '; }
has_colour() { tx capture-pane -p -e | grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|38;5;[0-9]+|4[0-7]|48;5;[0-9]+|9[0-7])(;[0-9;]*)?m'; }

start 80 24 NO_COLOR=1 -- run "$RUNBOOKS/demo.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
keys Enter
wait_for '✓ +1 s3 hosting'
has_colour && fail "colours despite NO_COLOR: $(sgr)"
tx capture-pane -p -e | grep -qE $'\e\\[([0-9;]*;)?(1|7)(;[0-9;]*)?m' || fail "nothing bold or reversed: $(sgr)"
keys Enter
wait_for 'Put the production ALB'
has_colour && fail "colours in the dialog despite NO_COLOR: $(sgr)"
keys a
wait_for 'Are you sure'
keys y
wait_for ' ABORTED '
keys q
expect_restored 1
ok "NO_COLOR: no colour, still readable"
tx kill-server

start 80 24 -- run "$RUNBOOKS/demo.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
keys Enter
wait_for '✓ +1 s3 hosting'
has_colour || fail "no colours without NO_COLOR: $(sgr)"
ok "colours otherwise"
