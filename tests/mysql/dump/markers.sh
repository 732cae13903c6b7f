#!/usr/bin/env bash
# Another session holds the gap where a restore records its loaded files: each marker
# insert times out (innodb_lock_wait_timeout lowered to 1 s for the test) until it lets go.
# The restore waits it out: a schema file's marker is inserted again, a data file is rolled
# back and loaded again, and the result compares equal with nothing loaded twice.
. "$TEJUN_TOP/tests/mysql/dump/lib.sh"
db=dmk_$sfx
cleanup_dbs+=("$db" "${db}_r" "${db}_r2")
src -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\`"
src "$db" -e "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB;
  INSERT INTO t SELECT seq, MD5(seq) FROM seq_1_to_20000;
  CREATE TABLE nopk (a INT, b VARCHAR(40)) ENGINE=InnoDB;
  INSERT INTO nopk SELECT seq, SHA1(seq) FROM seq_1_to_5000;"
$TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/d" --threads 2 >/dev/null 2>&1 || fail dump
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/d/manifest.json")

old=$(dst -e "SELECT @@GLOBAL.innodb_lock_wait_timeout")
restore_timeout() { dst -e "SET GLOBAL innodb_lock_wait_timeout = $old" || true; cleanup; }
trap restore_timeout EXIT
dst -e "CREATE DATABASE IF NOT EXISTS tejun; CREATE TABLE IF NOT EXISTS tejun.restore_done (
  dump_id CHAR(32) CHARACTER SET ascii NOT NULL, target_schema VARCHAR(64) NOT NULL,
  path VARCHAR(700) CHARACTER SET ascii NOT NULL, sha256 CHAR(64) CHARACTER SET ascii NOT NULL,
  loaded_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (dump_id, target_schema, path))"
dst -e "SET GLOBAL innodb_lock_wait_timeout = 1"
# hold_lock WHERE: another session locks the markers' gap matching WHERE, and lets go 1.5 s
# after a restore's insert first waits on it, so at least one insert times out however
# long the restore takes to get there (a fixed hold missed them on a loaded machine)
hold_lock() {
  dst -e "START TRANSACTION; SELECT COUNT(*) FROM tejun.restore_done WHERE $1 FOR UPDATE;
    DO SLEEP(60); COMMIT" >/dev/null &
  locker=$!
  local lid=
  for _ in $(seq 1 100); do
    lid=$(dst -e "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP(60)%'")
    [ -n "$lid" ] && break
    sleep 0.05
  done
  [ -n "$lid" ] || fail "the locker did not get its lock"
  ( for _ in $(seq 1 600); do
      [ "$(dst -e "SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS w JOIN information_schema.INNODB_TRX b
        ON b.trx_id = w.blocking_trx_id WHERE b.trx_mysql_thread_id = $lid")" != 0 ] && break
      sleep 0.05
    done
    sleep 1.5
    dst -e "KILL QUERY $lid" ) &
  releaser=$!
}
# restore_against TARGET_DB [EXTRA_MARKERS]: restores while the lock is held, checks the
# result is whole and each file has its marker
restore_against() {
  $TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=$1" --threads 2 \
    >"$work/$1.out" 2>&1 || { cat "$work/$1.out"; fail "restore gave up on a lock held for a while"; }
  wait "$locker" "$releaser" || true
  "$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "$1" || fail "$1 differs"
  [ "$(dst -e "SELECT COUNT(*) FROM \`$1\`.nopk")" = 5000 ] || fail "$1: the table without a key has doubled rows"
  local n files
  n=$(dst -e "SELECT COUNT(*) FROM tejun.restore_done WHERE dump_id = '$id' AND target_schema = '$1' AND path NOT LIKE 'creating:%'")
  files=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["files"]))' "$work/d/manifest.json")
  [ "$n" = $((files + ${2:-0})) ] || fail "$1: $n markers for $files files"
}

# every marker of the first restore: its schema files' markers wait it out
hold_lock "dump_id = '$id' AND target_schema = '${db}_r'"
restore_against "${db}_r"
grep -q "/1-[a-z]*\.sql: recording it as loaded: Lock wait timeout exceeded.*trying again" "$work/${db}_r.out" \
  || { cat "$work/${db}_r.out"; fail "no note of a schema file's marker tried again"; }
ok "a schema file's marker insert that times out is tried again"

# only the data files' markers of the second: each such file is rolled back and loaded again.
# A sentinel row ends the gap the schema files' markers go in, so the lock leaves them be.
dst -e "INSERT INTO tejun.restore_done (dump_id, target_schema, path, sha256) VALUES ('$id', '${db}_r2', '$db/2-', '')"
hold_lock "dump_id = '$id' AND target_schema = '${db}_r2' AND path > '$db/2-' AND path < '$db/3-'"
restore_against "${db}_r2" 1
grep -q "/2-.*Lock wait timeout exceeded.*loading it again" "$work/${db}_r2.out" \
  || { cat "$work/${db}_r2.out"; fail "no note of a data file loaded again"; }
! grep -q "/1-.*trying again" "$work/${db}_r2.out" || fail "the schema files' markers were held too"
! grep -q "resuming" "$work/${db}_r2.out" || fail "markers of the first restore's schema taken for this one's"
ok "a data file whose marker times out is rolled back and loaded again, nothing twice"
