#!/bin/bash
# The screen is recorded beside the journal as asciicast v2: what the operator saw, with a
# marker at each step start and end and a resize event, and never a secret.
. "$(dirname "$0")/lib.sh"

start 80 24 TOUR_TOKEN=rec0rd-s3cret-42 -- run "$TEJUN_TOP/runbooks/examples/tour.lua" --log-dir "$WORK/logs"
wait_for '\[enter\] run 1'
keys Enter
wait_for '✓ +1 ' 15
tx resize-window -x 100 -y 30
wait_for 'token is \*\*\*' 5
keys a
wait_for 'Abort' 5
keys y
wait_for 'q\] quit' 10
keys q
expect_restored 1

cast=$(ls "$WORK"/logs/*.cast 2>/dev/null | head -1)
[ -n "$cast" ] || fail "no .cast file beside the journal"
[ "$(stat -c %a "$cast")" = 600 ] || fail "recording is not mode 0600"
head -1 "$cast" | grep -q '"version":2,"width":80,"height":24' || fail "header: $(head -1 "$cast")"
grep -q '"m","step preflight start"' "$cast" || fail "no start marker for step preflight"
grep -q '"m","step preflight end' "$cast" || fail "no end marker for step preflight"
grep -q '"r","100x30"' "$cast" || fail "the resize to 100x30 is not recorded"
grep -q 'environment: staging' "$cast" || fail "the step's log line is not in the recording"
grep -q 'rec0rd-s3cret-42' "$cast" && fail "the secret reached the recording"
grep -q 'rec0rd-s3cret-42' "$WORK"/logs/*.jsonl && fail "the secret reached the journal"
if command -v asciinema >/dev/null; then
	timeout 60 asciinema play -i 0.01 "$cast" >/dev/null 2>&1 </dev/null || fail "asciinema play failed"
else
	fail "asciinema is not installed (scripts/deps installs it)"
fi
ok "recording: markers, resize, no secret, asciinema plays it"
[ "$FAILS" -eq 0 ]
