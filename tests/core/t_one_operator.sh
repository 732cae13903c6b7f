#!/usr/bin/env bash
# One operator at a time: while a session runs, a second run of the same runbook on this host
# refuses (rc 2) naming the session, its operator, pid and start, and offers watch/attach;
# after kill -9 of the first the second starts, with the stale-session warning. A runbook's
# `lock = "PARAM"` is a GET_LOCK on that server: a run from another log dir (another bastion)
# refuses while the first holds it, and runs once the first has gone.
. "$(dirname "$0")/lib.sh"
d="$tmp/work"
mkdir -p "$d"

# start_bg RUNBOOK LOGDIR MARKER ARGS...: runs in the background until MARKER exists; sets BG.
start_bg() {
  local rb=$1 logs=$2 marker=$3
  shift 3
  rm -f "$marker"
  TEJUN_OPERATOR=alice "$TEJUN" run "$rb" --no-tui --log-dir "$logs" --param dir="$d" "$@" \
    </dev/null >"$tmp/bg.out" 2>"$tmp/bg.err" &
  BG=$!
  for _ in $(seq 300); do [ -e "$marker" ] && break; sleep 0.05; done
  [ -e "$marker" ] || { kill -9 "$BG"; cat "$tmp/bg.err" >&2; die "the first session never started its step"; }
}
stop_bg() { kill -9 "$BG" 2>/dev/null || true; set +e; wait "$BG" 2>/dev/null; set -e; }

# --- same host, same log dir: the second run refuses while the first holds its journal
start_bg "$RB/crash.lua" "$LOGS" "$d/long.started" --param nap=30
J=$(ls -t "$LOGS"/*.jsonl | head -n 1)
S=$(session_of "$J")
TJ_LIMIT=10 run "$RB/crash.lua" --param dir="$d" --param nap=0.1
expect_rc 2 "a second run beside a running one"
expect_has "refusal names the session" "runbook crash is running now" "$err"
expect_has "refusal names the session id" "$S" "$err"
expect_has "refusal names the operator" "alice" "$err"
expect_has "refusal names the pid" "pid $BG" "$err"
expect_has "refusal offers watch" "tejun watch $S" "$err"
expect_has "refusal offers attach" "tejun attach $S" "$err"
expect_eq "the refused run left no journal of its own" 1 "$(ls "$LOGS"/*.jsonl | wc -l)"
expect_file "the first session is still running" "/proc/$BG"

# --- the first dies (kill -9 leaves no holder): the second starts, warned, and finishes
stop_bg
run "$RB/crash.lua" --param dir="$d" --param nap=0.1
expect_rc 0 "a run after the first was killed"
expect_has "the stale session is warned about, not refused" "earlier session $S did not end" "$out"

# --- two bastions (two log dirs), one server lock: one refuses
if [ -z "${TEJUN_SRC_DSN:-}" ]; then die "TEJUN_SRC_DSN is not set: run under scripts/test (the sandbox)"; fi
start_bg "$RB/locked.lua" "$tmp/bastion-a" "$d/hold.started" --param nap=30
TJ_LIMIT=15 tj run "$RB/locked.lua" --no-tui --log-dir "$tmp/bastion-b" --param dir="$d" --param nap=0.1
expect_rc 2 "a run from a second bastion while the server lock is held"
expect_has "the refusal names the server lock" "tejun:locked" "$err"
expect_lacks "nothing ran on the second bastion" "hold" "$out"
stop_bg
# the server frees a dead session's GET_LOCK when its connection drops
for _ in $(seq 50); do
  TJ_LIMIT=15 tj run "$RB/locked.lua" --no-tui --log-dir "$tmp/bastion-b" --param dir="$d" --param nap=0.1
  [ "$rc" = 0 ] && break
  sleep 0.2
done
expect_rc 0 "the second bastion runs once the first has gone"
exit $((failures > 0))
