# Sourced by the mysql shell tests: checks the sandbox env and runs Lua tests.
set -euo pipefail
for v in TEJUN_SRC_DSN TEJUN_REPLICA_DSN TEJUN_TARGET_DSN TEJUN_SANDBOX_DIR; do
  if [ -z "${!v:-}" ]; then
    echo "$v is not set: run scripts/sandbox up; eval \"\$(scripts/sandbox env)\"" >&2
    exit 1
  fi
done
luarun=$TEJUN_BUILD/tests/lua/luarun
# Tests that stop replication or change the replica take this lock, so a parallel
# make check cannot see another test's half-stopped replica.
replica_lock=$TEJUN_SANDBOX_DIR/tejun-mysql-tests.lock
run_lua() { flock "$replica_lock" "$luarun" "$TEJUN_TOP/tests/lua/$1" "${@:2}"; }
