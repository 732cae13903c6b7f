#!/usr/bin/env bash
# Crash and resume: kill -9 while a step is running, then `tejun run --resume SESSION`.
# Finished steps are not rerun, the interrupted step waits for a decision (no answer: exit 1,
# not rerun), `retry` runs it again and the session finishes 0 with set/get values intact.
# A changed runbook is refused unless --force (journaled); a torn last line is tolerated.
# A fresh session started while one has not finished is warned (until a later one finishes).
. "$(dirname "$0")/lib.sh"
d="$tmp/work"
mkdir -p "$d"

# crash RUNBOOK: runs it until "long" is in flight, then kill -9; sets J to its journal.
crash() {
  rm -f "$d/long.started"
  "$TEJUN" run "$1" --no-tui --log-dir "$LOGS" --param dir="$d" --param nap=30 </dev/null >"$out" 2>"$err" &
  local pid=$!
  for _ in $(seq 200); do [ -e "$d/long.started" ] && break; sleep 0.05; done
  [ -e "$d/long.started" ] || { kill -9 "$pid"; show_output; die "the long step never started"; }
  # the sh.run call is journaled before the step goes to sleep
  for _ in $(seq 100); do grep -q '"type":"call"' "$LOGS"/*.jsonl 2>/dev/null && break; sleep 0.05; done
  sleep 0.2
  kill -9 "$pid"
  set +e
  wait "$pid" 2>/dev/null
  set -e
  J=$(ls -t "$LOGS"/*.jsonl | head -n 1)
}
count() { jq_py "$J" "$1"; }
first_ran='len([e for e in of("log", "first") if e["data"]["text"] == "first ran"])'
long_started='len([e for e in of("log", "long") if e["data"]["text"] == "long attempt started"])'

crash "$RB/crash.lua"
S=$(session_of "$J")
expect_jq "after the crash: no end event" "$J" 'len(of("end"))' '0'
expect_jq "after the crash: first finished" "$J" '[e["data"]["state"] for e in of("step_end", "first")]' '["ok"]'
expect_jq "after the crash: long started, never ended" "$J" '[len(of("step_start", "long")), len(of("step_end", "long"))]' '[1,0]'
expect_verified "$J"

# --- a fresh session while that one is unfinished: warned, with the command to carry it on
run "$RB/crash.lua" --param dir="$d" --param nap=0.1
expect_rc 0 "a fresh session after the crash"
J2=$(journal)
expect_has "fresh session: the operator is warned" "earlier session $S did not end" "$out"
expect_jq "fresh session: the warning is journaled for the reviewer, with the resume command" "$J2" \
  "[e['data']['level'] for e in of('log') if 'step' not in e and 'tejun run $RB/crash.lua --resume $S' in e['data']['text']]" '["warn"]'
tj report "$J2"
expect_has "fresh session: the reviewer's report shows the warning" "earlier session $S did not end" "$out"
run "$RB/crash.lua" --param dir="$d" --param nap=0.1
expect_rc 0 "another fresh session"
expect_lacks "a finished session supersedes the crashed one: no warning" "earlier session" "$out"
# ids tell only the second: within one second, the header's start time says which is later
same="$tmp/same-second"
mkdir -p "$same"
printf '{"seq":0,"ts":"2026-11-24T10:02:00.100Z","type":"session"}\n' >"$same/20261124T100200Z-crash-ffff.jsonl"
printf '{"seq":0,"ts":"2026-11-24T10:02:00.900Z","type":"session"}\n{"seq":1,"type":"end","data":{"status":"done"}}\n' \
  >"$same/20261124T100200Z-crash-0000.jsonl"
tj run "$RB/crash.lua" --no-tui --log-dir "$same" --param dir="$d" --param nap=0.1
expect_rc 0 "a session after two in the same second"
expect_lacks "the one that finished later in the same second supersedes the crashed one" "earlier session" "$out"

# --- resume without an answer: the interrupted step waits for a decision; nothing reruns
tj run "$RB/crash.lua" --no-tui --log-dir "$LOGS" --resume "$S"
expect_rc 1 "resume with no decision"
expect_has "resume: the operator is told" "long is interrupted" "$out"
expect_has "resume: a decision is asked" "? long | Step 'long' was interrupted. Retry, skip (with a reason) or abort?" "$out"
expect_eq "resume without decision: first not rerun" 1 "$(count "$first_ran")"
expect_eq "resume without decision: long not rerun" 1 "$(count "$long_started")"
expect_jq "resume without decision: long not started again" "$J" 'len(of("step_start", "long"))' '1'
expect_jq "resume event names the interrupted step" "$J" '[(e["data"]["interrupted"], e["data"]["force"]) for e in of("resume")]' '[[["long"],false]]'
expect_jq "resume without decision: the journal continues the same session" "$J" '[e["data"]["status"] for e in of("end")]' '["aborted"]'
expect_verified "$J"

# --- resume with `retry`: long runs again (short nap this time), last runs, exit 0
printf 'long: retry\n' >"$tmp/retry"
tj run "$RB/crash.lua" --no-tui --log-dir "$LOGS" --resume "$S" --answers "$tmp/retry" --param nap=0.1
expect_rc 0 "resume with retry"
expect_eq "resume with retry: first still ran only once" 1 "$(count "$first_ran")"
expect_eq "resume with retry: long ran a second time" 2 "$(count "$long_started")"
expect_jq "resume with retry: long finished" "$J" '[e["data"]["state"] for e in of("step_end", "long")]' '["ok"]'
expect_jq "resume with retry: set/get values survived the crash" "$J" '[e["data"]["text"] for e in of("log", "last")]' '["last sees color=blue tables=3 second=orders"]'
expect_jq "resume with retry: session done" "$J" '[e["data"]["status"] for e in of("end")]' '["aborted","done"]'
expect_jq "seq has no gaps across the resumes" "$J" '[e["seq"] for e in ev] == list(range(1, len(ev) + 1))' 'true'
expect_verified "$J"

# --- a finished session is not resumed again
tj run "$RB/crash.lua" --no-tui --log-dir "$LOGS" --resume "$S"
expect_rc 2 "resume a finished session"
expect_has "resume a finished session: said" "already finished" "$err"

# --- a changed runbook is refused, unless --force (which is journaled); a torn line is tolerated
rm -f "$LOGS"/*.jsonl
cp "$RB/crash.lua" "$tmp/crash.lua"
crash "$tmp/crash.lua"
S=$(session_of "$J")
printf -- '-- edited after the crash\n' >>"$tmp/crash.lua"
lines_before=$(wc -l <"$J")
tj run "$tmp/crash.lua" --no-tui --log-dir "$LOGS" --resume "$S"
expect_rc 2 "resume with a changed runbook"
expect_has "changed runbook: refused, with the way out" "changed since session $S started" "$err"
expect_has "changed runbook: --force is named" "--force" "$err"
expect_eq "changed runbook: the journal is untouched" "$lines_before" "$(wc -l <"$J")"

# tear the last line (as a crash mid-write would)
size=$(stat -c %s "$J")
truncate -s $((size - 5)) "$J"
tj verify-log "$J"
expect_rc 0 "verify-log on a torn journal"
expect_has "verify-log: torn, not tampered" "not tampering" "$out"
expect_lacks "verify-log: torn is not TAMPERED" "TAMPERED" "$out"

printf 'long: skip the runbook changed\n' >"$tmp/skip"
tj run "$tmp/crash.lua" --no-tui --log-dir "$LOGS" --resume "$S" --force --answers "$tmp/skip"
expect_rc 0 "resume --force over a torn line"
expect_has "resume --force: the change is shown" "(runbook changed: --force)" "$out"
expect_jq "resume --force: journaled with force and the dropped torn line" "$J" \
  '[(e["data"]["force"], e["data"]["torn_line_dropped"]) for e in of("resume")]' '[[true,true]]'
expect_jq "resume --force: long skipped with the reason" "$J" '[(e["data"]["state"], e["data"].get("reason")) for e in of("step_end", "long")]' '[["skipped","the runbook changed"]]'
expect_eq "resume --force: first still ran only once" 1 "$(count "$first_ran")"
expect_verified "$J"

finish
