#!/usr/bin/env bash
# tejun plan --rehearsal: a rehearsal on a small schema, the schema grown 4x, the forecast
# (table and --json) scales the dump and the load by the growth measured now and keeps the
# prompt and the fixed wait as measured; what cannot be measured is marked, not guessed; the
# live run follows and report --compare shows forecast against actual. How close forecasts
# come is judged on recorded traces (t_forecast_traces.sh) and by scripts/bench forecast,
# not on this one live run of a shared, noisy host.
. "$TEJUN_TOP/tests/review/lib.sh"
: "${TEJUN_SRC_SOCKET:?sandbox}" "${TEJUN_TARGET_SOCKET:?sandbox}"
db=fc_$$
src() { mariadb --no-defaults -uroot -p"$TEJUN_SANDBOX_PASSWORD" -S "$TEJUN_SRC_SOCKET" --batch --skip-column-names "$@"; }
dst() { mariadb --no-defaults -uroot -p"$TEJUN_SANDBOX_PASSWORD" -S "$TEJUN_TARGET_SOCKET" --batch --skip-column-names "$@"; }
trap 'src -e "DROP DATABASE IF EXISTS $db"; dst -e "DROP DATABASE IF EXISTS ${db}_r; DROP DATABASE IF EXISTS ${db}_l"; rm -rf "$work"' EXIT
rb=$here/rb/forecast.lua
src -e "CREATE DATABASE $db; CREATE TABLE $db.t (id INT AUTO_INCREMENT PRIMARY KEY, a VARCHAR(200), b INT, KEY (b));
        INSERT INTO $db.t (a, b) SELECT REPEAT('x', 150), seq FROM $db.seq_1_to_20000; ANALYZE TABLE $db.t" >/dev/null
echo "ready: yes" >"$work/ans"
run() { # run NEWDB DIR
  "$TEJUN" run "$rb" --no-tui --answers "$work/ans" --log-dir "$work/logs" --param db="$db" --param new_db="$1" \
    --param dir="$2" >"$work/run.out" 2>&1
}
run "${db}_r" "$work/d1" || { cat "$work/run.out"; fail "rehearsal"; finish; }
rehearsal=$(ls "$work/logs"/*.jsonl)
check "the rehearsal's dump call journals what it moved" grep -q '"op":"dump".*"data":{.*"bytes":' "$rehearsal"

src -e "INSERT INTO $db.t (a, b) SELECT a, b FROM $db.t; INSERT INTO $db.t (a, b) SELECT a, b FROM $db.t; ANALYZE TABLE $db.t" >/dev/null
plan() { "$TEJUN" plan "$rb" --rehearsal "$rehearsal" --param db="$db" --param new_db="${db}_l" --param dir="$work/d2" "$@"; }
plan >"$work/plan.txt" 2>&1 || { cat "$work/plan.txt"; fail "plan --rehearsal"; }
cat "$work/plan.txt"
check "the table names the data measured now against then" grep -q "data $db on 127.0.0.1:$TEJUN_SRC_PORT: .* now, .* then (×[34]\." "$work/plan.txt"
check "the table has a downtime line" grep -q '^downtime (Maintenance, first start to last end): .* in the rehearsal, forecast ' "$work/plan.txt"
plan --json >"$work/plan.json" 2>&1 || fail "plan --json"
$py - "$work/plan.json" <<'PY' && ok "--json: the dump and load scale by the growth, the prompt and the wait stay as measured" || fail "--json figures"
import json, sys
f = json.load(open(sys.argv[1]))
st = {s["id"]: s for s in f["steps"]}
scale = f["sources"][0]["scale"]
assert 3.5 < scale < 4.5, scale
for i in ("dump", "load"):
    s = st[i]
    assert s["known"] and s["scale"] == scale, s
    # the fixed part as measured, the data-bound part times the growth
    want = s["rehearsal_secs"] - s["data_secs_then"] + s["data_secs_then"] * scale
    assert abs(s["forecast_secs"] - want) < 1e-6 and s["forecast_secs"] > s["rehearsal_secs"], s
for i in ("ready", "pause"):
    assert st[i]["forecast_secs"] == st[i]["rehearsal_secs"], st[i]
d = f["downtime"]
moved = sum(st[i]["forecast_secs"] - st[i]["rehearsal_secs"] for i in ("dump", "load", "pause"))
assert d["known"] and abs(d["forecast_secs"] - d["rehearsal_secs"] - moved) < 1e-6, d
PY

# what cannot be measured now is marked "?", with why
"$TEJUN" plan "$rb" --rehearsal "$rehearsal" --param src="mysql://root:wrong@127.0.0.1:1/" --param db="$db" \
  --param new_db=x --param dir="$work/d3" >"$work/plan_bad.txt" 2>&1
check "an unreachable source makes its steps unknown, saying why" \
  grep -qE "^ +2\. dump .*\?.*no param of the runbook connects to 127.0.0.1:$TEJUN_SRC_PORT" "$work/plan_bad.txt"
check "and the downtime is marked unknown" grep -q "(a step of it is unknown: '?')" "$work/plan_bad.txt"
check "no password in the forecast" bash -c "! grep -q '$TEJUN_SANDBOX_PASSWORD' '$work/plan.txt' '$work/plan.json' '$work/plan_bad.txt'"
sed 's/^step "pause"/step "extra" { title = "new since", run = function() end }\nstep "pause"/' "$rb" >"$work/changed.lua"
"$TEJUN" plan "$work/changed.lua" --rehearsal "$rehearsal" --param db="$db" --param new_db=x --param dir="$work/d3" \
  >"$work/plan_new.txt" 2>&1
check "a step the rehearsal never ran is 'not run in the rehearsal'" grep -qE "extra +- +\? +not run in the rehearsal" "$work/plan_new.txt"

run "${db}_l" "$work/d2" || { cat "$work/run.out"; fail "live run"; }
live=$(ls -t "$work/logs"/*.jsonl | head -n1)
"$TEJUN" report --compare "$rehearsal" "$live" >"$work/compare.md" 2>&1 || fail "report --compare"
check "report --compare has a Forecast column" grep -q '| Step | Title | Rehearsal | Forecast | Live |' "$work/compare.md"
check "and the window forecast against the live one" grep -qE '^\*\*Downtime:\*\* rehearsal .*, forecast .*, live .* \(live [+-][0-9]+ % of the forecast\)' "$work/compare.md"
grep -F '**Downtime:**' "$work/compare.md"
finish
