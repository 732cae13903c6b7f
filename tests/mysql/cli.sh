#!/usr/bin/env bash
# tejun sizes / verify / preflight on the sandbox: output, exit codes, no password on screen.
. "$TEJUN_TOP/tests/mysql/common.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sql() { "$luarun" <(printf 'local d = assert(mysql.connect(os.getenv("%s")))\nassert(d:exec([[%s]]))\n' "$1" "$2"); }

sql TEJUN_SRC_DSN "DROP DATABASE IF EXISTS tj_cli"
sql TEJUN_SRC_DSN "CREATE DATABASE tj_cli"
sql TEJUN_SRC_DSN "CREATE TABLE tj_cli.t (id INT PRIMARY KEY, v VARBINARY(20))"
sql TEJUN_SRC_DSN "INSERT INTO tj_cli.t VALUES (1, 'a'), (2, NULL), (3, 'c')"

"$TEJUN" sizes "$TEJUN_SRC_DSN" --schema tj_cli --exact > "$out/sizes" || fail "sizes exit $?"
grep -Eq '^  t +3 ' "$out/sizes" || { cat "$out/sizes"; fail "sizes shows table t with 3 exact rows"; }
grep -q '^TOTAL' "$out/sizes" || fail "sizes total line"
"$TEJUN" sizes "$TEJUN_SRC_DSN" --schema tj_cli --exact --json > "$out/sizes.json"
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["total"]["exact_rows"]==3, r; assert r["schemas"][0]["tables"][0]["name"]=="t"' \
  "$out/sizes.json" || fail "sizes --json"

flock "$replica_lock" "$luarun" <(printf 'local r = assert(mysql.connect(os.getenv("TEJUN_REPLICA_DSN")))\nassert(mysql.wait_lag{replica = r, max = 1, timeout = 30})\n')
"$TEJUN" verify "$TEJUN_SRC_DSN" "$TEJUN_REPLICA_DSN" --schema tj_cli --chunk 1 > "$out/ok" || { cat "$out/ok"; fail "verify against the replica"; }
grep -q '^ok: 1 tables, 3 rows checked, 0 mismatches' "$out/ok" || { cat "$out/ok"; fail "verify summary"; }

rc=0
"$TEJUN" verify "$TEJUN_SRC_DSN" "$TEJUN_TARGET_DSN" --schema tj_cli > "$out/bad" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "verify against a target without the schema exits 1, got $rc"
grep -q '^MISMATCH .*tj_cli' "$out/bad" || { cat "$out/bad"; fail "mismatch listed"; }

rc=0
"$TEJUN" verify "$TEJUN_SRC_DSN" > /dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "usage error exits 2, got $rc"

rc=0
bad=mysql://root:hunter2secret@127.0.0.1:1/
"$TEJUN" sizes "$bad" > /dev/null 2> "$out/err" || rc=$?
[ "$rc" = 1 ] || fail "unreachable server exits 1, got $rc"
grep -q 'check host and port' "$out/err" || { cat "$out/err"; fail "unreachable message"; }
! grep -q hunter2secret "$out/err" || fail "password printed"
"$TEJUN" sizes "mysql://root:${TEJUN_SANDBOX_PASSWORD}x@127.0.0.1:$TEJUN_SRC_PORT/" 2> "$out/err2" && fail "wrong password accepted"
grep -q 'Access denied' "$out/err2" || fail "access denied message"
! grep -q "$TEJUN_SANDBOX_PASSWORD" "$out/err2" || fail "password printed on wrong password"

"$TEJUN" preflight "$TEJUN_SRC_DSN" "$TEJUN_TARGET_DSN" > "$out/pf" || true
grep -Eq '^ok +binlog ' "$out/pf" || { cat "$out/pf"; fail "preflight binlog line"; }
grep -Eq '^ok +charset ' "$out/pf" || { cat "$out/pf"; fail "preflight charset line"; }

sql TEJUN_SRC_DSN "DROP DATABASE tj_cli"
echo "cli: ok"
