#!/usr/bin/env bash
# Server faults: the connection cut (a TCP proxy resets it, as a failover or a dropped NAT
# does) mid-dump, mid-restore and mid-copy, and the server killing the load's query: each run
# fails with the server's error, nothing half-done is taken as complete, the same command
# again finishes and the target compares equal. A replica whose SQL thread stops while a lag
# wait runs fails the wait at once, naming the stopped thread.
. "$TEJUN_TOP/tests/mysql/dump/lib.sh"
db=dft_$sfx
cleanup_dbs+=("$db" "${db}_r" "${db}_k" "${db}_c")
src -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\`"
src "$db" -e "
  CREATE TABLE nopk (a INT, b VARCHAR(200), c BLOB) ENGINE=InnoDB;
  INSERT INTO nopk SELECT seq, REPEAT(CHAR(65 + seq % 26), 150), UNHEX(SHA2(seq, 256)) FROM seq_1_to_240000;
  CREATE TABLE pk (id INT PRIMARY KEY, v VARCHAR(100), KEY (v)) ENGINE=InnoDB;
  INSERT INTO pk SELECT seq, MD5(seq) FROM seq_1_to_60000;"

proxies=()
stop_proxies() { for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup; }
trap stop_proxies EXIT
[ -z "${FAULTS_KEEP:-}" ] || trap "for p in \"\${proxies[@]}\"; do kill \$p; done" EXIT
# proxy NAME PORT: starts a cutting proxy in front of PORT; sets PX (pid) and PXDSN
proxy() {
  rm -f "$work/$1.port"
  python3 "$here/tcpcut.py" "$work/$1.port" "$2" &
  PX=$!
  proxies+=("$PX")
  for _ in $(seq 100); do [ -s "$work/$1.port" ] && break; sleep 0.05; done
  PXDSN="mysql://root:$TEJUN_SANDBOX_PASSWORD@127.0.0.1:$(cat "$work/$1.port")/"
}
# lost ERRFILE: the run said the server's own error, not a generic failure
lost() { grep -Eqi "lost connection|gone away|connection reset|server closed|unexpected eof|Can.t connect|killed|interrupted" "$1"; }
# cut_when PID PROXY CMD...: waits until CMD holds, then resets every connection through PROXY
cut_when() {
  local pid=$1 px=$2 i; shift 2
  for i in $(seq 600); do "$@" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
  kill -USR1 "$px"
}
id_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$1/manifest.json"; }

# --- mid-dump: the source's connections reset
proxy src "$TEJUN_SRC_PORT"; psrc=$PX srcdsn=$PXDSN
$TEJUN dump --schemas "$db" --source "$srcdsn" --dir "$work/d" --threads 2 --chunk-mb 0.5 >/dev/null 2>"$work/d1.err" &
pid=$!
cut_when $pid $psrc have_files "$work/d/$db/2-nopk.*"
set +e; wait $pid; rc=$?; set -e
[ "$rc" != 0 ] || fail "a dump whose connections were cut exited 0"
lost "$work/d1.err" || { cat "$work/d1.err"; fail "the cut dump does not say what the server said"; }
[ ! -f "$work/d/manifest.json" ] || fail "a cut dump wrote a manifest"
if $TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_r" >/dev/null 2>"$work/r0.err"; then
  fail "restore took a cut dump"
fi
$TEJUN dump --schemas "$db" --source "$srcdsn" --dir "$work/d" --threads 2 --chunk-mb 0.5 >/dev/null 2>"$work/d2.err" \
  || { cat "$work/d2.err"; fail "the same dump again, after the cut"; }
ok "cut mid-dump: failed with '$(grep -Eio "lost connection[^.]*|gone away|connection reset" "$work/d1.err" | head -1)', no manifest, the rerun completes"

# --- mid-restore: the target's connections reset, then the same restore again resumes
proxy dst "$TEJUN_TARGET_PORT"; pdst=$PX dstdsn=$PXDSN
id=$(id_of "$work/d")
marked() { [ "$(dst -e "SELECT COUNT(*) FROM tejun.restore_done WHERE dump_id='$id' AND target_schema='$1' AND path LIKE '%2-nopk%'" 2>/dev/null || echo 0)" -ge 1 ]; }
$TEJUN restore --target "$dstdsn" --dir "$work/d" --map "$db=${db}_r" --threads 1 >/dev/null 2>"$work/r1.err" &
pid=$!
cut_when $pid $pdst marked "${db}_r"
set +e; wait $pid; rc=$?; set -e
[ "$rc" != 0 ] || fail "a restore whose connections were cut exited 0"
lost "$work/r1.err" || { cat "$work/r1.err"; fail "the cut restore does not say what the server said"; }
total=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['files']))" "$work/d/manifest.json")
done_files=$(dst -e "SELECT COUNT(*) FROM tejun.restore_done WHERE dump_id='$id' AND target_schema='${db}_r' AND path NOT LIKE 'creating:%'")
[ "$done_files" -lt "$total" ] || fail "the restore finished before the cut ($done_files/$total): the test proves nothing"
$TEJUN restore --target "$dstdsn" --dir "$work/d" --map "$db=${db}_r" --threads 2 >/dev/null 2>"$work/r2.err" \
  || { cat "$work/r2.err"; fail "resume after the cut"; }
grep -q "already loaded by an earlier run" "$work/r2.err" || { cat "$work/r2.err"; fail "the rerun did not resume"; }
[ "$(src -e "SELECT COUNT(*) FROM \`$db\`.nopk")" = "$(dst -e "SELECT COUNT(*) FROM \`${db}_r\`.nopk")" ] \
  || fail "rows of the table without primary key differ after the resume: a file loaded twice or lost"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_r" || fail "restore resumed after a cut differs"
$TEJUN verify --source "$TEJUN_SRC_DSN" --target "$TEJUN_TARGET_DSN" --schemas "$db" --map "$db=${db}_r" >"$work/v.out" 2>&1 \
  || $TEJUN verify "$TEJUN_SRC_DSN" "$TEJUN_TARGET_DSN" --schema "$db" --map "$db=${db}_r" >"$work/v.out" 2>&1 \
  || { cat "$work/v.out"; fail "checksums after the resumed restore"; }
ok "cut mid-restore ($done_files/$total files done): failed with the server's error; the rerun resumed and verifies"

# --- the server kills the load's query (what a restart or an operator's KILL does)
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_k" --threads 1 >/dev/null 2>"$work/k1.err" &
pid=$!
for _ in $(seq 600); do marked "${db}_k" && break; sleep 0.02; done
killed=0
for _ in $(seq 300); do
  q=$(dst -e "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND = 'Query' AND (INFO LIKE 'LOAD DATA%' OR INFO LIKE 'INSERT%')" | head -n1)
  if [ -n "$q" ] && dst -e "KILL $q" 2>/dev/null; then killed=1; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.01
done
set +e; wait $pid; rc=$?; set -e
[ "$killed" = 1 ] || fail "the load ended before the server could kill one of its queries: the test proves nothing"
[ "$rc" != 0 ] || fail "a restore whose load the server killed exited 0"
lost "$work/k1.err" || { cat "$work/k1.err"; fail "a killed load does not say what the server said"; }
$TEJUN restore --target "$TEJUN_TARGET_DSN" --dir "$work/d" --map "$db=${db}_k" --threads 2 >/dev/null 2>"$work/k2.err" \
  || { cat "$work/k2.err"; fail "restore again after the server killed a load"; }
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_k" || fail "restore after a killed query differs"
ok "a load killed by the server (exit $rc: $(grep -o 'tejun restore: .*' "$work/k1.err" | head -1)) is finished by the same restore again"

# --- mid-copy: the target side reset while the copy loads; the same copy again finishes
# a copy's files are big: cut while one of them is being loaded
loading() { [ "$(dst -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '$1' AND INFO LIKE 'LOAD DATA%'" 2>/dev/null || echo 0)" -ge 1 ]; }
$TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$dstdsn" --map "$db=${db}_c" --dir "$work/c" \
  --threads 1 >/dev/null 2>"$work/c1.err" &
pid=$!
cut_when $pid $pdst loading "${db}_c"
set +e; wait $pid; rc=$?; set -e
[ "$rc" != 0 ] || fail "a copy whose target connections were cut exited 0"
lost "$work/c1.err" || { cat "$work/c1.err"; fail "the cut copy does not say what the server said"; }
$TEJUN copy --schemas "$db" --source "$TEJUN_SRC_DSN" --target "$dstdsn" --map "$db=${db}_c" --dir "$work/c" \
  --threads 2 >/dev/null 2>"$work/c2.err" || { cat "$work/c2.err"; fail "the same copy again after the cut"; }
[ "$(src -e "SELECT COUNT(*) FROM \`$db\`.nopk")" = "$(dst -e "SELECT COUNT(*) FROM \`${db}_c\`.nopk")" ] \
  || fail "copy resumed after a cut: rows of the table without primary key differ"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_c" || fail "copy resumed after a cut differs"
ok "cut mid-copy: failed with the server's error; the same copy again finishes equal"

# --- a lag wait running when the replica's SQL thread stops fails at once, naming it
: "${TEJUN_REPLICA_DSN:?sandbox}"
cat >"$work/lag.lua" <<'LUA'
local replica = assert(mysql.connect(os.getenv("TEJUN_REPLICA_DSN")))
local t0 = os.time()
-- stable = 60: this wait cannot succeed before the test stops the SQL thread
local r, e = mysql.wait_lag{replica = replica, max = 5, timeout = 60, stable = 60}
print("wait_lag:", tostring(r), e, "after", os.time() - t0)
LUA
"$TEJUN_BUILD/tests/lua/luarun" "$work/lag.lua" >"$work/lag.out" 2>&1 &
pid=$!
sleep 1.5
rep() { mariadb --no-defaults -uroot -p"$TEJUN_SANDBOX_PASSWORD" -S "$TEJUN_REPLICA_SOCKET" --batch --skip-column-names "$@"; }
rep -e "STOP SLAVE SQL_THREAD"
for _ in $(seq 150); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
still=0; kill -0 $pid 2>/dev/null && { still=1; kill -9 $pid; }
rep -e "START SLAVE SQL_THREAD"
wait $pid 2>/dev/null || true
[ "$still" = 0 ] || fail "the lag wait went on 15 s after the SQL thread stopped"
grep -q "SQL thread is stopped" "$work/lag.out" || { cat "$work/lag.out"; fail "the lag wait does not name the stopped SQL thread"; }
ok "a lag wait fails at once when the replica's SQL thread stops: $(grep -o 'replica SQL thread is stopped[^,]*' "$work/lag.out" | head -1)"
