#!/usr/bin/env bash
# The awkward fixture: dump -> restore into another schema -> exact comparison; the same
# dump through the stock client; zstd, copy, the mysqldump driver; progress monotonic.
. "$TEJUN_TOP/tests/mysql/dump/lib.sh"
db=dfx_$sfx
load_fixture "$db"
cleanup_dbs+=("${db}_r" "${db}_c" "${db}_z" "${db}_cp" "${db}_md")

$TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/d" --threads 3 --chunk-mb 0.03 \
  --progress-log "$work/dump.plog" 2>"$work/dump.err" || { cat "$work/dump.err"; fail "dump"; }
grep -q '"binlog_pos"' "$work/d/manifest.json" || fail "no binlog position in the manifest"
progress_ok "$work/dump.plog" || fail "dump progress"
! grep -rl 'Tj[0-9a-f]\{12\}' "$work/d" "$work/dump.err" >/dev/null 2>&1 || fail "password in dump output"
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_r" --threads 3 \
  --progress-log "$work/restore.plog" >"$work/restore.out" 2>"$work/restore.err" || { cat "$work/restore.err"; fail "restore"; }
grep -q '"rows_by_load_data":[1-9]' "$work/restore.out" || { cat "$work/restore.out"; fail "restore did not use LOAD DATA"; }
progress_ok "$work/restore.plog" || fail "restore progress"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_r" || fail "round trip differs"
# the product's own check, as a runbook's verify step would call it
$TEJUN verify "$TEJUN_SRC_DSN" "$TEJUN_TARGET_DSN" --schema "$db" --map "$db=${db}_r" --chunk 7 >"$work/verify_r.out" 2>&1 \
  || { cat "$work/verify_r.out"; fail "tejun verify after the restore"; }
grep -q ' 0 mismatches' "$work/verify_r.out" || { cat "$work/verify_r.out"; fail "tejun verify summary"; }
ok "dump -> restore -> compare"

cleanup_dbs+=("${db}_s")
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_s" --threads 2 --sql-inserts \
  >"$work/sqli.out" 2>"$work/sqli.err" || { cat "$work/sqli.err"; fail "restore --sql-inserts"; }
grep -q '"rows_by_load_data":0,' "$work/sqli.out" || { cat "$work/sqli.out"; fail "--sql-inserts used LOAD DATA"; }
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_s" || fail "--sql-inserts differs"
ok "the same dump loaded as INSERT statements (--sql-inserts) is identical too"

dst -e "CREATE DATABASE \`${db}_c\`"
cat "$work/d/$db"/*.sql | dst "${db}_c" || fail "stock client load"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_c" || fail "stock client copy differs"
$TEJUN verify "$TEJUN_SRC_DSN" "$TEJUN_TARGET_DSN" --schema "$db" --map "$db=${db}_c" >"$work/verify_c.out" 2>&1 \
  || { cat "$work/verify_c.out"; fail "tejun verify after the stock client load"; }
ok "same dump through the stock mariadb client"

$TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/z" --compress --lock none 2>"$work/z.err" \
  || { cat "$work/z.err"; fail "zstd dump"; }
grep -q 'no global lock' "$work/z.err" || fail "lock=none does not say how consistency was ensured"
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/z" --map "$db=${db}_z" >/dev/null 2>&1 || fail "zstd restore"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_z" || fail "zstd differs"
ok "zstd dump without the global lock"

$TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_cp" \
  --dir "$work/cp" --threads 2 --progress-log "$work/copy.plog" >/dev/null 2>"$work/cp.err" || { cat "$work/cp.err"; fail "copy"; }
progress_ok "$work/copy.plog" || fail "copy progress"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_cp" || fail "copy differs"
[ -f "$work/cp/manifest.json" ] || fail "copy kept no manifest"
ok "streaming copy"

$TEJUN dump --driver mysqldump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/md" \
  --progress-log "$work/md.plog" 2>"$work/md.err" || { cat "$work/md.err"; fail "mysqldump driver"; }
progress_ok "$work/md.plog" || fail "mysqldump progress"
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/md" --map "$db=${db}_md" >/dev/null 2>&1 || fail "restore of mysqldump output"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_md" || fail "mysqldump driver differs"
ok "driver=mysqldump"
