# Sourced by the dump tests: sandbox checks, a client, the fixture, helpers.
set -euo pipefail
for v in TEJUN_SRC_DSN TEJUN_TARGET_DSN TEJUN_SANDBOX_DIR TEJUN_SRC_SOCKET TEJUN_TARGET_SOCKET; do
  if [ -z "${!v:-}" ]; then
    echo "$v is not set: run scripts/sandbox up; eval \"\$(scripts/sandbox env)\"" >&2
    exit 1
  fi
done
here=$TEJUN_TOP/tests/mysql/dump
work=$(mktemp -d /tmp/tj-dumptest.XXXXXX)
sfx=$$
src() { mariadb --no-defaults -uroot -p"$TEJUN_SANDBOX_PASSWORD" -S "$TEJUN_SRC_SOCKET" --batch --skip-column-names "$@"; }
dst() { mariadb --no-defaults -uroot -p"$TEJUN_SANDBOX_PASSWORD" -S "$TEJUN_TARGET_SOCKET" --batch --skip-column-names "$@"; }
cleanup_dbs=()
cleanup() {
  for d in "${cleanup_dbs[@]}"; do
    src -e "DROP DATABASE IF EXISTS \`$d\`" 2>/dev/null || true
    dst -e "DROP DATABASE IF EXISTS \`$d\`" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# kill9_when PID TRIES PAUSE CMD...: polls CMD (up to TRIES times, PAUSE s apart), then
# kill -9s PID and reaps it; whether CMD came true is for the caller to check after
kill9_when() {
  local pid=$1 tries=$2 pause=$3 i; shift 3
  for i in $(seq 1 "$tries"); do
    "$@" && break
    sleep "$pause"
  done
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}
have_files() { compgen -G "$1" >/dev/null; } # have_files 'GLOB': some file matches now
ok() { echo "ok - $*"; }
load_fixture() { # load_fixture DB
  cleanup_dbs+=("$1")
  src -e "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\` CHARACTER SET utf8mb4"
  src "$1" < "$here/fixture.sql"
}
# progress_ok LOG: every pct in a --progress-log is monotonic, <= 100, and the last is 100
progress_ok() {
  python3 - "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = -1
for r in rows:
    p = r["pct"]
    assert p <= 100.0, f"pct {p} above 100"
    assert p >= last, f"pct went back {last} -> {p}"
    last = p
assert rows and abs(rows[-1]["pct"] - 100.0) < 1e-9, f"ends at {rows[-1]['pct'] if rows else None}"
print(f"{len(rows)} samples, monotonic, ends at 100")
PY
}
