# Shared by tests/core/t_*.sh: a private temp dir per test, the tejun binary run through the
# line view, and assertions that print what was expected and what was seen.
# Every failed assertion is reported; the test exits 1 at the end (or at once via `die`).
set -euo pipefail
: "${TEJUN:?run under make check (TEJUN is the binary)}" "${TEJUN_TOP:?run under make check}"
RB="$TEJUN_TOP/tests/core/rb"
PY=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tejun-rbtest.XXXXXX")
LOGS="$tmp/logs"
failures=0
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
# No operator environment leaks in: the journal records this name, answers never come from a tty.
export TEJUN_OPERATOR=tester
unset XDG_STATE_HOME

fail() {
  failures=$((failures + 1))
  local n=${#BASH_LINENO[@]}
  echo "FAIL ($(basename "$0"):${BASH_LINENO[n-2]:-?}): $*" >&2
}
die() { fail "$@"; exit 1; }

# tj ARGS...: run tejun with stdin closed; sets rc, out (stdout file), err (stderr file).
# tj_in TEXT ARGS...: the same with TEXT on stdin (a pipe that closes after it).
# A run is bounded by TJ_LIMIT seconds (default 30) so a hang fails the test (rc 124 or 137)
# instead of blocking make check.
out="$tmp/stdout" err="$tmp/stderr" rc=0
tj() {
  set +e
  timeout -k 2 "${TJ_LIMIT:-30}" "$TEJUN" "$@" </dev/null >"$out" 2>"$err"
  rc=$?
  set -e
}
tj_in() {
  local input=$1
  shift
  set +e
  printf '%s' "$input" | timeout -k 2 "${TJ_LIMIT:-30}" "$TEJUN" "$@" >"$out" 2>"$err"
  rc=$?
  set -e
}
# run RUNBOOK ARGS...: tejun run through the line view with this test's log dir.
run() {
  local rb=$1
  shift
  tj run "$rb" --no-tui --log-dir "$LOGS" "$@"
}

show_output() {
  echo "--- stdout:" >&2
  sed 's/^/    /' "$out" >&2
  echo "--- stderr:" >&2
  sed 's/^/    /' "$err" >&2
}

# expect_rc WANT WHAT
expect_rc() {
  if [ "$rc" != "$1" ]; then
    fail "$2: exit status: expected $1, got $rc"
    show_output
  fi
}

# expect_has WHAT NEEDLE FILE / expect_lacks WHAT NEEDLE FILE (fixed strings)
expect_has() {
  if ! grep -qF -- "$2" "$3"; then
    fail "$1: expected '$2' in $(basename "$3"); it has:"
    sed 's/^/    /' "$3" | head -60 >&2
  fi
}
expect_lacks() {
  if grep -qF -- "$2" "$3"; then
    fail "$1: '$2' must not appear in $(basename "$3"); it does:"
    grep -nF -- "$2" "$3" | sed 's/^/    /' | head -20 >&2
  fi
}
# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  if [ "$2" != "$3" ]; then
    fail "$1: expected [$2], got [$3]"
  fi
}
expect_file() { [ -e "$2" ] || fail "$1: $2 should exist"; }
expect_no_file() { [ ! -e "$2" ] || fail "$1: $2 must not exist"; }

# The journal of the last run (from "journal: PATH" on stderr).
journal() {
  local j
  j=$(sed -n 's/^journal: \([^ ]*\).*/\1/p' "$err" | tail -n 1)
  [ -n "$j" ] && [ -f "$j" ] || { show_output; die "no journal named on stderr"; }
  printf '%s\n' "$j"
}
session_of() { basename "$1" .jsonl; }

# jq_py JOURNAL EXPR: evaluates a Python expression over ev (the journal's events as dicts, in
# order) and prints the result as compact JSON. Helpers: of(type, step=None) lists matching events.
jq_py() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
ev = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.endswith("\n"):
            ev.append(json.loads(line))
def of(t, step=None):
    return [e for e in ev if e["type"] == t and (step is None or e.get("step") == step)]
print(json.dumps(eval(sys.argv[2]), ensure_ascii=False, separators=(",", ":")))
EOF
}
# expect_jq WHAT JOURNAL EXPR EXPECTED_JSON
expect_jq() {
  local got
  got=$(jq_py "$2" "$3")
  [ "$got" = "$4" ] || fail "$1: $3: expected $4, got $got"
}

# The compact trail of a journal: session/resume, prompt:STEP=kind, answer:STEP=text,
# end:STEP=state (step_end) and end=STATUS, in journal order.
trail() {
  jq_py "$1" '" ".join(
    ("end:" + e.get("step", "") + "=" + e["data"].get("state", "")) if e["type"] == "step_end"
    else ("end=" + e["data"]["status"]) if e["type"] == "end"
    else ("answer:" + e.get("step", "") + "=" + e["data"]["answer"]) if e["type"] == "answer"
    else ("prompt:" + e.get("step", "") + "=" + e["data"]["kind"]) if e["type"] == "prompt"
    else e["type"]
    for e in ev if e["type"] in ("session", "resume", "step_end", "end", "prompt", "answer"))' | tr -d '"'
}

# A journal must always verify (unless a test tampers with it on purpose).
expect_verified() {
  set +e
  "$TEJUN" verify-log "$1" >"$tmp/verify.out" 2>&1
  local vrc=$?
  set -e
  if [ "$vrc" != 0 ] || ! grep -q ': intact' "$tmp/verify.out"; then
    fail "verify-log $1: expected intact, exit 0; got exit $vrc:"
    sed 's/^/    /' "$tmp/verify.out" >&2
  fi
}

# Every test ends with this.
finish() {
  if [ "$failures" -gt 0 ]; then
    echo "$(basename "$0"): $failures assertion(s) failed" >&2
    exit 1
  fi
  echo "$(basename "$0"): ok"
}
