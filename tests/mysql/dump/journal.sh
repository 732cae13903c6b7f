#!/usr/bin/env bash
# The Lua binding in a real session: tejun run journals dump and restore progress events
# that are monotonic, never above 100 % and end at 100 %, plus one set record per loaded
# file; the restored schema compares equal.
. "$TEJUN_TOP/tests/mysql/dump/lib.sh"
db=djr_$sfx
load_fixture "$db"
cleanup_dbs+=("${db}_lua")
$TEJUN run "$here/runbook.lua" --no-tui --log-dir "$work/logs" --param "src=$TEJUN_SRC_DSN" \
  --param "dst=$TEJUN_TARGET_DSN" --param "db=$db" --param "dir=$work/d" >"$work/run.out" 2>&1 \
  || { cat "$work/run.out"; fail "tejun run"; }
j=$(ls "$work"/logs/*.jsonl | head -1)
python3 - "$j" "$work/d" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
compared = []
for step in ("dump", "restore"):
    ps = [e for e in ev if e["type"] == "progress" and e.get("step") == step]
    labels = sorted({e["data"].get("label", "") for e in ps})
    # one bar per operation: a bar per phase or table was left behind short of 100 %
    assert labels == [step], f"{step}: bars {labels}, want one named {step!r}"
    last = -1
    for e in ps:
        pct = e["data"]["done"] / e["data"]["total"] * 100
        assert pct <= 100 + 1e-9, f"{step}: {pct} above 100"
        assert pct >= last - 1e-9, f"{step}: went back {last} -> {pct}"
        last = pct
    assert abs(last - 100) < 1e-9, f"{step}: ends at {last}"
    # the finished panel's rate: this fixture's steps end before a rate window fills, so
    # the last gauge must be the step's average, never 0
    rates = [e["data"]["value"] for e in ev if e["type"] == "gauge" and e.get("step") == step
             and e["data"]["name"] == "MB/s"]
    assert rates and rates[-1] > 0, f"{step}: last MB/s gauge {rates[-1:]}"
    # and it is the rate the finished bar is drawn with: its average from the first event
    from datetime import datetime
    ts = lambda e: datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
    # (a step over within one tick has one event: the bar then shows no rate of its own)
    span = ts(ps[-1]) - ts(ps[0])
    if span > 0:
        bar = (ps[-1]["data"]["done"] - ps[0]["data"]["done"]) / span / 1e6
        assert abs(rates[-1] - bar) <= 0.03 * bar, f"{step}: last MB/s gauge {rates[-1]:.3f}, the bar's average {bar:.3f}"
        compared.append(step)
    print(f"{step}: {len(ps)} progress events, monotonic, end at 100, {rates[-1]:.3f} MB/s")
    if step == "restore":
        # the finished panel's row count: InnoDB's live count lags bulk loads (day 2 ended
        # on 105k of 205k), so at the end it is the rows the server acknowledged
        # (the step's second restore, of a missing dump, reports too: stop at the first's end)
        first = next(i for i, e in enumerate(ev) if e["type"] == "call" and e.get("step") == step
                     and e["data"].get("op") == "restore")
        rows = [e["data"]["value"] for e in ev[:first] if e["type"] == "gauge" and e.get("step") == step
                and e["data"]["name"] == "target rows"]
        want = json.load(open(sys.argv[2] + "/manifest.json"))["rows"]
        assert rows and rows[-1] >= 0.9 * want, f"last target rows {rows[-1:]} of {want}"
        print(f"restore: target rows at the end {rows[-1]:.0f} of {want}")
        # drawn in the dump's SQL bytes (the size its manifest gives), not in weighted work
        sql = sum(f["raw_bytes"] for f in json.load(open(sys.argv[2] + "/manifest.json"))["files"])
        assert abs(ps[-1]["data"]["total"] - sql) < 1, f"restore bar total {ps[-1]['data']['total']} != {sql} SQL bytes"
assert compared, "no step lasted two progress events: the rate agreement went unchecked"
# every phase change is a log line, in order, however short the phase was (this fixture's
# take milliseconds, shorter than the journal's half-second poll)
want = {"dump": ["connect", "snapshot", "schema", "data", "sync"],
        "restore": ["prepare", "data", "building indexes", "post"]}
for step, names in want.items():
    phases = [e["data"]["text"] for e in ev if e["type"] == "log" and e.get("step") == step
              and e["data"].get("text", "").startswith(step + ": ")
              and e["data"]["text"][len(step) + 2:] in ("connect", "snapshot", "schema", "data", "sync",
                                                        "prepare", "building indexes", "post", "done")]
    # (the restore step then tries a missing dump, which gets as far as "prepare")
    assert phases[:len(names)] == [f"{step}: {n}" for n in names], f"{step} phases journaled: {phases}"
    print(f"{step}: phases {', '.join(names)}")
sets = [e for e in ev if e["type"] == "set" and e["data"]["key"].startswith("restore:" + sys.argv[2] + ":")]
files = json.load(open(sys.argv[2] + "/manifest.json"))["files"]
assert len(sets) == len(files), f"{len(sets)} set records for {len(files)} files"
assert not any("Tj" in l and "password" in l for l in open(sys.argv[1])), "secret in journal"
print(f"{len(sets)} loaded-file records")
PY
grep -q "$TEJUN_SANDBOX_PASSWORD" "$j" && fail "sandbox password in the journal"
"$here/compare.sh" "$TEJUN_SRC_SOCKET" "$db" "$TEJUN_TARGET_SOCKET" "${db}_lua" || fail "lua restore differs"
ok "runbook dump/restore journaled"
