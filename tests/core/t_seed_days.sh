#!/usr/bin/env bash
# The shipped runbooks of the seed's cut-over, day 1 then day 2, headless against their own
# MariaDB sandbox (day 2 promotes its replica) and their own fake AWS endpoint: every step
# runs, the database moves with its data intact, and what was switched off is switched on.
. "$TEJUN_TOP/tests/core/lib.sh"
export TEJUN_SANDBOX_DIR="$tmp/sandbox" FAKEAWS_DIR="$tmp/fake"
stop_services() { "$TEJUN_TOP/scripts/sandbox" down >/dev/null 2>&1 || true; "$TEJUN_TOP/tests/fakeaws/ctl" down >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap stop_services EXIT
"$TEJUN_TOP/scripts/sandbox" up >/dev/null || die "sandbox did not start"
"$TEJUN_TOP/tests/fakeaws/ctl" up >/dev/null || die "fake AWS did not start"
eval "$("$TEJUN_TOP/scripts/sandbox" env)"
eval "$("$TEJUN_TOP/tests/fakeaws/ctl" env)"
DEMO_ROWS=20000 "$TEJUN_TOP/scripts/demo-data" >/dev/null || die "demo data"
export TEJUN_AWS_POLL=0.2 TJ_LIMIT=120

printf 's3-maint: yes\nalb-maint: yes\nupgrade-57: upgrade-57\nmaint-off: yes\n' > "$tmp/day1.ans"
tj run "$TEJUN_TOP/runbooks/aurora-day1.lua" --no-tui --answers "$tmp/day1.ans" --log-dir "$LOGS"
[ "$rc" = 0 ] || { cat "$out" "$err" >&2; die "day 1 exited $rc"; }
grep -q 'instance runs 5.7.44' "$out" || fail "day 1 did not upgrade to 5.7.44"
grep -q '✓ maint-off ok' "$out" || fail "day 1 did not reopen the service"

# a session killed after its ALB step left the maintenance rule behind: day 2 takes it over
# (instead of failing on PriorityInUse) and removes it when the service opens again
printf "aws.elb.maintenance_on{listener = aws.elb.listener('prod-alb', 443)}\n" > "$tmp/stale.lua"
"$TEJUN_BUILD/tests/lua/luarun" "$tmp/stale.lua" >/dev/null 2>&1 || die "could not leave a stale maintenance rule"
printf 's3-maint: yes\nalb-maint: yes\npromote: prod-aurora\nrename: yes\nroute53: yes\nmaint-off: yes\n' > "$tmp/day2.ans"
tj run "$TEJUN_TOP/runbooks/aurora-day2.lua" --no-tui --answers "$tmp/day2.ans" --log-dir "$LOGS" \
  --param dump_dir="$tmp/dumps"
[ "$rc" = 0 ] || { cat "$out" "$err" >&2; die "day 2 exited $rc"; }
for s in replica lag s3-maint batches-off lambda-off alb-maint queue-empty dump promote load rename \
         route53 deploy verify lambda-on maint-off; do
  grep -q "✓ $s ok" "$out" || fail "day 2: step $s did not finish ok"
done
grep -q 'verified: rows and checksums match for legacy_app' "$out" || fail "day 2: verify did not pass"
grep -q 'prod-aurora.cluster' "$out" || fail "day 2: the CNAME was not pointed at the cluster"
grep -q 'already in place: left by an earlier run' "$out" || fail "day 2: the stale ALB rule was not reported as taken over"

# the moved database is on the Aurora stand-in under its new name, whole
n=$(MYSQL_PWD=$TEJUN_SANDBOX_PASSWORD mariadb --no-defaults -uroot -h127.0.0.1 -P"$TEJUN_REPLICA_PORT" -N \
    -e 'SELECT COUNT(*) FROM legacy_app.videos' 2>&1)
[ "$n" = 20000 ] || fail "legacy_app.videos on the promoted cluster has '$n' rows, not 20000"
# what day 2 switched off is on again, exactly as before
state=$(curl -fsS "$FAKEAWS_URL/_fake/state")
for rule in batch-daily-report batch-cleanup; do
  printf '%s' "$state" | /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin); sys.exit(0 if s['rules_ev']['$rule']['State']=='ENABLED' else 1)" \
    || fail "rule $rule is not enabled again"
done
printf '%s' "$state" | /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin); sys.exit(0 if s['rules_ev']['batch-legacy-export']['State']=='DISABLED' else 1)" \
  || fail "batch-legacy-export was disabled before and must stay disabled"
printf '%s' "$state" | /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin); sys.exit(any(r.get('Priority') == '1' for r in s['rules'].values()))" \
  || fail "a maintenance rule is still on the ALB after day 2"
# every bar of day 2 ends full, one per operation: dump, load and verify each journal one
j2=$(grep -l 'aurora-day2' "$LOGS"/*.jsonl | head -1)
/usr/bin/python3 - "$j2" <<'PY' || fail "day 2's progress bars"
import json, sys
bars, waits = {}, {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "progress" and e["data"].get("limit"):
        # a wait against a time limit: over once its condition held, never drawn as a bar
        waits.setdefault((e.get("step"), e["data"].get("label")), []).append(e["data"].get("finished", False))
    elif e["type"] == "progress" and e["data"].get("total"):
        bars.setdefault((e.get("step"), e["data"].get("label")), []).append(e["data"]["done"] / e["data"]["total"])
short = {k: round(v[-1] * 100, 1) for k, v in bars.items() if abs(v[-1] - 1) > 1e-9}
assert not short, f"bars left short of 100 %: {short}"
assert waits and all(v[-1] for v in waits.values()), f"waits not finished: {waits}"
assert ("route53", "route53 change") in {(s, l.rsplit(" ", 1)[0]) for s, l in waits}, f"route53's wait: {sorted(waits)}"
for step, label in (("dump", "dump"), ("load", "restore"), ("verify", "verify")):
    mine = sorted(l for s, l in bars if s == step)
    assert mine == [label], f"step {step}: bars {mine}, want [{label!r}]"
PY
for j in "$LOGS"/*.jsonl; do
  "$TEJUN" verify-log "$j" >/dev/null || fail "journal $j does not verify"
  grep -qF "$TEJUN_SANDBOX_PASSWORD" "$j" && fail "the database password reached $j"
done
[ "$failures" = 0 ] && echo "ok: day 1 and day 2 of the seed run end to end"
exit $(( failures > 0 ))
