#!/usr/bin/env bash
# kill -9 during a dump: the directory is refused (no manifest). kill -9 during a restore,
# then resume: the result compares equal, a table without primary key has no doubled rows,
# and files loaded before the kill were skipped. A corrupted file is refused by sha256.
# A copy killed after its dump finished resumes, checking the files it did not load; one
# killed while dumping is refused.
. "$TEJUN_TOP/tests/mysql/dump/lib.sh"
db=dcr_$sfx
cleanup_dbs+=("$db" "${db}_r" "${db}_x")
src -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\`"
src "$db" -e "
  CREATE TABLE \`$db\`.nopk (a INT, b VARCHAR(200), c BLOB) ENGINE=InnoDB;
  INSERT INTO \`$db\`.nopk SELECT seq, REPEAT(CHAR(65 + seq % 26), 150), UNHEX(SHA2(seq, 256)) FROM seq_1_to_240000;
  CREATE TABLE \`$db\`.pk (id INT PRIMARY KEY, v VARCHAR(100), KEY (v)) ENGINE=InnoDB;
  INSERT INTO \`$db\`.pk SELECT seq, MD5(seq) FROM seq_1_to_60000;"

# kill -9 during the dump
$TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/k" --threads 2 --chunk-mb 0.5 >/dev/null 2>&1 &
kill9_when $! 200 0.02 have_files "$work/k/$db/2-*"
[ ! -f "$work/k/manifest.json" ] || fail "a killed dump has a manifest"
if $TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/k" --map "$db=${db}_x" >/dev/null 2>"$work/k.err"; then
  fail "restore took a killed dump"
fi
grep -q "incomplete" "$work/k.err" || { cat "$work/k.err"; fail "refusal does not say why"; }
ok "kill -9 during dump: refused as incomplete"

# the same dump again into that directory: the killed run's files go, none is left stale
# (a chunk the new dump does not write would be loaded by the stock client)
touch "$work/k/$db/2-nopk.000999.sql" "$work/k/$db/2-nopk.000998.sql.zst.tmp"
# (the schema named twice is dumped once)
$TEJUN dump --schemas "$db,$db" --source "$TEJUN_SRC_DSN" --dir "$work/k" --threads 2 >/dev/null 2>"$work/k2.err" \
  || { cat "$work/k2.err"; fail "dump again into the killed dump's directory"; }
grep -q "removed [0-9]* files an interrupted dump had left" "$work/k2.err" || { cat "$work/k2.err"; fail "the cleanup is not said"; }
python3 - "$work/k" <<'PY' || fail "files beside the new manifest"
import json, os, sys
d = sys.argv[1]
listed = {f["path"] for f in json.load(open(os.path.join(d, "manifest.json")))["files"]}
on_disk = {os.path.relpath(os.path.join(r, n), d) for r, _, ns in os.walk(d) for n in ns} - {"manifest.json"}
assert on_disk == listed, f"not in the manifest: {sorted(on_disk - listed)}"
PY
# a directory holding anything else is not ours to clear
mkdir -p "$work/other" && echo keep > "$work/other/notes.txt"
if $TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/other" >/dev/null 2>"$work/o.err"; then
  fail "dumped into a directory holding someone's notes"
fi
grep -q "notes.txt is not from a tejun dump" "$work/o.err" || { cat "$work/o.err"; fail "refusal does not name the file"; }
[ -f "$work/other/notes.txt" ] || fail "notes.txt removed"
ok "a killed dump's directory is cleared by the next dump; a foreign one is refused"

# mistyped options are refused before anything connects, each named
for bad in "--threads 0" "--threads 4x" "--threads 1000" "--chunk-mb abc" "--compress=abc" "--lock bogus" \
           "--driver bogus" "--dir="; do
  # shellcheck disable=SC2086
  if $TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/never" $bad >/dev/null 2>"$work/opt.err"; then
    fail "dump $bad accepted"
  fi
  opt=${bad%%[ =]*}
  grep -q -- "$opt" "$work/opt.err" || { cat "$work/opt.err"; fail "dump $bad: the error does not name $opt"; }
done
for bad in "--map appnew" "--map =x" "--map app=" "--map a=b --map a=c"; do
  # shellcheck disable=SC2086
  if $TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/never" $bad >/dev/null 2>"$work/opt.err"; then
    fail "restore $bad accepted"
  fi
  grep -q -- "--map" "$work/opt.err" || { cat "$work/opt.err"; fail "restore $bad: the error does not name --map"; }
done
# another command's option, a missing one, an unwritable progress log: said, not ignored
$TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/never" --map a=b 2>"$work/opt.err" && fail "dump took --map"
grep -q -- "--map is not an option of dump" "$work/opt.err" || { cat "$work/opt.err"; fail "dump --map: not said"; }
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/never" --schemas x 2>"$work/opt.err" && fail "restore took --schemas"
grep -q -- "--schemas is not an option of restore" "$work/opt.err" || { cat "$work/opt.err"; fail "restore --schemas: not said"; }
$TEJUN copy --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --dir "$work/never" 2>"$work/opt.err" && fail "copy without --schemas"
grep -q -- "--schemas is required" "$work/opt.err" || { cat "$work/opt.err"; fail "copy: missing --schemas not said"; }
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/never" --progress-log /nonexistent/p.log 2>"$work/opt.err" \
  && fail "restore with an unwritable progress log"
grep -q -- "--progress-log /nonexistent/p.log" "$work/opt.err" || { cat "$work/opt.err"; fail "unwritable progress log not said"; }
$TEJUN dump --help | grep -q "^usage: tejun dump" || fail "dump --help"
$TEJUN dump --schemas "$db,no_such_schema" --source "$TEJUN_SRC_DSN" --dir "$work/never" 2>"$work/opt.err" \
  && fail "dumped a schema that does not exist"
grep -q "schema 'no_such_schema' does not exist on the source" "$work/opt.err" || { cat "$work/opt.err"; fail "missing schema not named"; }
[ ! -e "$work/never" ] || fail "a refused command created its directory"
ok "bad numbers, names and maps refused by name"

# ^C while the dump waits for its global read lock (a LOCK TABLES holds a table): heard,
# and the wait was said
src -e "LOCK TABLES \`$db\`.pk WRITE; SELECT SLEEP(60)" >/dev/null 2>&1 &
locker=$!
sleep 0.5
$TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/lk" >/dev/null 2>"$work/lk.err" &
pid=$!
for _ in $(seq 100); do grep -q "waiting for the global read lock" "$work/lk.err" && break; sleep 0.1; done
grep -q "waiting for the global read lock" "$work/lk.err" || { kill -9 $pid $locker; cat "$work/lk.err"; fail "the wait for the lock is not said"; }
kill -INT $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then kill -9 $pid; fail "^C not heard 10 s into the wait for the global lock"; fi
set +e; wait $pid; rc=$?; set -e
kill $locker 2>/dev/null || true
src -e "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%'" | while read -r id; do src -e "KILL $id" || true; done
[ "$rc" = 130 ] || { cat "$work/lk.err"; fail "^C during the lock wait: exit $rc, want 130"; }
[ ! -f "$work/lk/manifest.json" ] || fail "a cancelled dump has a manifest"
ok "^C while the dump waits for the global read lock is heard"

# a complete dump in many files
$TEJUN dump --schemas "$db" --source "$TEJUN_SRC_DSN" --dir "$work/d" --threads 2 --chunk-mb 0.5 >/dev/null 2>&1 || fail dump
n=$(ls "$work/d/$db"/2-nopk.* | wc -l)
[ "$n" -ge 4 ] || fail "nopk is in $n files, want several"

# an empty table of the same name that no run of this restore made is someone's: kept
cleanup_dbs+=("${db}_e")
dst -e "DROP DATABASE IF EXISTS \`${db}_e\`; CREATE DATABASE \`${db}_e\`; CREATE TABLE \`${db}_e\`.pk (id INT, zz INT)"
if $TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_e" --threads 1 >/dev/null 2>"$work/e.err"; then
  fail "restore replaced an empty table it had not made"
fi
grep -q "the target already has ${db}_e.pk: refusing" "$work/e.err" || { cat "$work/e.err"; fail "refusal does not say why"; }
[ "$(dst -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='${db}_e'")" = 1 ] \
  || fail "tables were created before the refusal"
[ "$(dst -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='${db}_e' AND TABLE_NAME='pk' AND COLUMN_NAME='zz'")" = 1 ] \
  || fail "the operator's empty table was replaced"
if $TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_e" \
  --dir "$work/cpe" --threads 1 >/dev/null 2>"$work/cpe.err"; then
  fail "copy replaced an empty table it had not made"
fi
grep -q "already exists (empty)" "$work/cpe.err" || { cat "$work/cpe.err"; fail "copy: refusal does not say why"; }
[ "$(dst -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='${db}_e' AND TABLE_NAME='pk' AND COLUMN_NAME='zz'")" = 1 ] \
  || fail "copy replaced the operator's empty table"
ok "a first restore into a schema that has one of its tables is refused before any DDL; a copy keeps it too"

# killed between a CREATE TABLE and its marker (DDL commits on its own): the table is empty
# and no file is marked, but the run had recorded that it was creating it, so it is ours
cleanup_dbs+=("${db}_w")
id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$work/d/manifest.json")
sch=$(python3 -c "import json,sys; print(next(f['path'] for f in json.load(open(sys.argv[1]))['files'] if f['kind'] == 'schema' and f['path'].endswith('-nopk.sql')))" "$work/d/manifest.json")
dst -e "DROP DATABASE IF EXISTS \`${db}_w\`; CREATE DATABASE \`${db}_w\`; CREATE TABLE \`${db}_w\`.nopk (a INT, b VARCHAR(200), c BLOB);
  INSERT INTO tejun.restore_done (dump_id, target_schema, path, sha256) VALUES ('$id', '${db}_w', 'creating:$sch', '')"
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_w" --threads 2 >/dev/null 2>"$work/w.err" \
  || { cat "$work/w.err"; fail "a restore refused the empty table its own killed run had created"; }
grep -q "dropped empty \`${db}_w\`.\`nopk\` left by an interrupted run" "$work/w.err" || { cat "$work/w.err"; fail "the drop was not said"; }
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_w" || fail "restore after a kill inside DDL differs"
dst -e "DELETE FROM tejun.restore_done WHERE dump_id='$id'"
ok "killed between CREATE TABLE and its marker: the next run drops its own empty table and restores"

# a manifest whose data file names a table without a schema file is refused before any
# load (it hung at "building indexes", deaf to ^C)
cp -a "$work/d" "$work/orphan"
python3 - "$work/orphan/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
next(f for f in m["files"] if "/2-" in f["path"])["table"] = "no_such_table"
json.dump(m, open(sys.argv[1], "w"))
PY
if timeout 60 $TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/orphan" --map "$db=${db}_o" >/dev/null 2>"$work/orphan.err"; then
  fail "restored from a manifest with a file of no table"
fi
grep -q "has no schema file for its table" "$work/orphan.err" || { cat "$work/orphan.err"; fail "damaged manifest: no reason"; }
cleanup_dbs+=("${db}_o")
ok "a data file whose table has no schema file is refused up front"

# corrupted file: same size, one byte changed, refused before loading
cp -a "$work/d" "$work/bad"
f=$(ls "$work/bad/$db"/2-nopk.*.sql | head -1)
printf 'X' | dd of="$f" bs=1 seek=2000 conv=notrunc status=none
if $TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/bad" --map "$db=${db}_x" --threads 1 >/dev/null 2>"$work/bad.err"; then
  fail "a corrupted file was loaded"
fi
grep -q "sha256.*refusing" "$work/bad.err" || { cat "$work/bad.err"; fail "no sha256 refusal"; }
ok "corrupted data file refused by sha256"

# kill -9 during the restore, then resume
# one thread and kill at the first marker: LOAD DATA makes the whole load take about a second
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_r" --threads 1 >/dev/null 2>&1 &
pid=$!
id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$work/d/manifest.json")
# markers of this restore only: the refused corrupted copy above loaded some files into ${db}_x
mine="dump_id='$id' AND target_schema='${db}_r'"
nopk_marked() { [ "$(dst -e "SELECT COUNT(*) FROM tejun.restore_done WHERE $mine AND path LIKE '%2-nopk%'" 2>/dev/null || echo 0)" -ge 1 ]; }
kill9_when $pid 400 0.01 nopk_marked
before=$(dst -e "SELECT COUNT(*) FROM tejun.restore_done WHERE $mine AND path NOT LIKE 'creating:%'")
total=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['files']))" "$work/d/manifest.json")
[ "$before" -lt "$total" ] || fail "restore finished before the kill ($before/$total): test proves nothing"
out=$($TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_r" --threads 2 \
  --progress-log "$work/resume.plog" 2>"$work/resume.err") || { cat "$work/resume.err"; fail "resume"; }
# the bar starts from what the killed run loaded, not from nothing
python3 - "$work/resume.plog" <<'PY' || fail "resumed restore's progress"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
first = next(x for x in s if x["total"] > 0)
assert first["pct"] > 0, f"resumed restore's progress starts at {first['pct']} %"
assert all(b["pct"] >= a["pct"] for a, b in zip(s, s[1:])) and s[-1]["pct"] == 100, "not monotonic to 100"
PY
skipped=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['files_skipped'])" "$out")
[ "$skipped" -ge 1 ] || fail "resume skipped nothing"
grep -q "resuming: $skipped of $total files already loaded" "$work/resume.err" \
  || { cat "$work/resume.err"; fail "the resume does not say how many files it skips"; }
[ "$(src -e "SELECT COUNT(*) FROM \`$db\`.nopk")" = "$(dst -e "SELECT COUNT(*) FROM \`${db}_r\`.nopk")" ] \
  || fail "row count of the table without primary key differs: a file was loaded twice or lost"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_r" || fail "resumed restore differs"
ok "kill -9 during restore ($before/$total files done), resume skipped $skipped, no doubled rows"
dst -e "DELETE FROM tejun.restore_done WHERE dump_id='$id'"

# kill -9 during a copy whose dump had finished: the same command again loads the rest
cleanup_dbs+=("${db}_c" "${db}_c2")
$TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_c" \
  --dir "$work/cp" --threads 1 --sql-inserts >/dev/null 2>&1 &
kill9_when $! 500 0.01 test -f "$work/cp/manifest.json"
[ -f "$work/cp/manifest.json" ] || fail "the copy's dump did not finish before the kill"
id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$work/cp/manifest.json")
total=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['files']))" "$work/cp/manifest.json")
before=$(dst -e "SELECT COUNT(*) FROM tejun.restore_done WHERE dump_id='$id' AND path NOT LIKE 'creating:%'")
[ "$before" -lt "$total" ] || fail "copy finished before the kill ($before/$total): test proves nothing"
# the files a resumed copy loads were written by another run: each is checked first
cp -a "$work/cp" "$work/cp.keep"
for f in "$work/cp/$db"/2-*.sql; do printf 'X' | dd of="$f" bs=1 seek=2000 conv=notrunc status=none; done
if $TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_c" \
  --dir "$work/cp" --threads 1 >/dev/null 2>"$work/cpbad.err"; then
  fail "a resumed copy loaded corrupted files"
fi
grep -q "sha256.*refusing" "$work/cpbad.err" || { cat "$work/cpbad.err"; fail "resumed copy: no sha256 refusal"; }
rm -rf "$work/cp" && mv "$work/cp.keep" "$work/cp"
out=$($TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_c" \
  --dir "$work/cp" --threads 2 2>"$work/cp.err") || { cat "$work/cp.err"; fail "resumed copy"; }
grep -q "resuming from" "$work/cp.err" || { cat "$work/cp.err"; fail "the resumed copy does not say so"; }
echo "$out" | grep -q '"resumed":true' || fail "copy result does not say resumed: $out"
[ "$(src -e "SELECT COUNT(*) FROM \`$db\`.nopk")" = "$(dst -e "SELECT COUNT(*) FROM \`${db}_c\`.nopk")" ] \
  || fail "resumed copy: row count of the table without primary key differs"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_c" || fail "resumed copy differs"
ok "kill -9 during copy after its dump ($before/$total files loaded), the same copy again loads the rest"

# a copy never "resumes" from a dump someone made with tejun dump: it would load that old
# snapshot and delete the dump's files as they load
nfiles=$(find "$work/d" -type f | wc -l)
if $TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_c3" \
  --dir "$work/d" >/dev/null 2>"$work/cp3.err"; then
  fail "a copy resumed from a tejun dump's directory"
fi
grep -q "tejun dump made, not a copy" "$work/cp3.err" || { cat "$work/cp3.err"; fail "refusal does not say why"; }
[ "$(find "$work/d" -type f | wc -l)" = "$nfiles" ] || fail "the refused copy removed files of the dump"
ok "a copy refuses to resume from a directory tejun dump made"
dst -e "DELETE FROM tejun.restore_done WHERE dump_id='$id'"

# a target that refuses the load stops the copy's dump too, and its error is the one said
badt=$(printf '%s' "$TEJUN_TARGET_DSN" | sed 's#://\([^:]*\):[^@]*@#://\1:wrong-password@#')
if $TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$badt" --dir "$work/cpw" --threads 2 \
  >/dev/null 2>"$work/cpw.err"; then
  fail "a copy to a target that refuses us succeeded"
fi
grep -q "tejun copy: load: connect .*Access denied" "$work/cpw.err" || { cat "$work/cpw.err"; fail "copy: the load's error is not the one said"; }
[ ! -f "$work/cpw/manifest.json" ] || fail "the copy dumped everything for a load that could not start"
ok "a copy whose target refuses it stops dumping and says why"

# kill -9 while the copy is still dumping: its snapshot is gone, so a rerun refuses
$TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_c2" \
  --dir "$work/cp2" --threads 1 >/dev/null 2>&1 &
kill9_when $! 500 0.005 have_files "$work/cp2/$db/1-*"
[ ! -f "$work/cp2/manifest.json" ] || fail "the copy's dump finished before the kill: test proves nothing"
if $TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --map "$db=${db}_c2" \
  --dir "$work/cp2" >/dev/null 2>"$work/cp2.err"; then
  fail "a copy killed while dumping was resumed from another snapshot"
fi
grep -q "cannot be resumed" "$work/cp2.err" || { cat "$work/cp2.err"; fail "refusal does not say why"; }
ok "kill -9 while the copy dumps: a rerun refuses and says why"
