#!/usr/bin/env bash
# How close the forecast comes, judged offline on recorded pairs (tests/review/traces/forecast:
# a rehearsal on 100k rows and the live run on the same schema grown 4x, recorded by
# `scripts/bench forecast --traces`). For each pair, report --compare forecasts the window from
# the rehearsal and the live run's data sizes: it must land within ±25 % of the measured live
# window, and closer to it than the rehearsal's own window (the guess the seed's team made).
. "$TEJUN_TOP/tests/review/lib.sh"
traces=$here/traces/forecast
n=0
printf '%-5s %10s %10s %10s %8s\n' pair rehearsal forecast live error
for reh in "$traces"/*-rehearsal.jsonl; do
  pair=$(basename "$reh" -rehearsal.jsonl)
  live=$traces/$pair-live.jsonl
  "$TEJUN" report --compare "$reh" "$live" >"$work/$pair.md" 2>&1 || { cat "$work/$pair.md"; fail "$pair: report --compare"; continue; }
  line=$(grep '^\*\*Downtime:\*\*' "$work/$pair.md") || { fail "$pair: no Downtime line with a forecast"; continue; }
  read -r r f l e < <(sed -n 's/.*rehearsal \([0-9.]*\) s, forecast \([0-9.]*\) s, live \([0-9.]*\) s (live \([-+0-9]*\) % of the forecast).*/\1 \2 \3 \4/p' <<<"$line")
  [ -n "${e:-}" ] || { fail "$pair: cannot read [$line]"; continue; }
  printf '%-5s %9ss %9ss %9ss %7s%%\n' "$pair" "$r" "$f" "$l" "$e"
  n=$((n + 1))
  check "$pair: forecast within ±25 % of the live window" $py -c "import sys; sys.exit(abs($l / $f - 1) > 0.25)"
  check "$pair: forecast closer to live than the rehearsal's window" $py -c "import sys; sys.exit(abs($f - $l) >= abs($r - $l))"
done
check "recorded pairs were judged" test "$n" -ge 5
finish
