#!/usr/bin/env bash
# Standard retry mode: throttling, 5xx, dropped connections and timeouts are retried
# (re-signed each time) and then given up with the service's code and message; client
# errors (bad signature, access denied, missing resource) are not retried.
source "$TEJUN_TOP/tests/aws/lib.sh"
export TEJUN_AWS_MAX_BACKOFF=0.1
run() { "$LUARUN" "$T/t.lua" 2>&1 || true; }
count() { fakelog | /usr/bin/python3 -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if e['op']=='$1'))"; }
cat >"$T/t.lua" <<'LUA'
local r, msg, code = aws.call('rds:DescribeDBInstances', {DBInstanceIdentifier = 'prod-mysql'})
print(r and ('ok ' .. r.DBInstances[1].DBInstanceStatus) or ('err ' .. code .. ' | ' .. msg))
LUA

inject '{"service":"rds","op":"DescribeDBInstances","kind":"throttle","count":2}'
expect "throttled twice then ok" "ok available" "$(run)"
[ "$(count DescribeDBInstances)" = 3 ] || fail "expected 3 attempts, log has $(count DescribeDBInstances)"

curl -fsS -X POST "$FAKEAWS_URL/_fake/reset" >/dev/null
inject '{"service":"rds","kind":"throttle","count":10}'
out=$(run)
expect "gives up with the service code" "err Throttling | rds:DescribeDBInstances prod-mysql: Throttling: Rate exceeded" "$out"
expect "says it retried" "[3 attempts]" "$out"

curl -fsS -X POST "$FAKEAWS_URL/_fake/reset" >/dev/null
inject '{"service":"rds","kind":"5xx","status":503,"count":1}'
inject '{"service":"rds","kind":"5xx","status":500,"count":1}'
expect "5xx retried" "ok available" "$(run)"

curl -fsS -X POST "$FAKEAWS_URL/_fake/reset" >/dev/null
inject '{"service":"rds","kind":"drop","count":1}'
expect "dropped connection retried" "ok available" "$(run)"

curl -fsS -X POST "$FAKEAWS_URL/_fake/reset" >/dev/null
inject '{"service":"rds","kind":"slow","delay":3,"count":1}'
cat >"$T/slow.lua" <<'LUA'
aws.config{timeout = 1}
local t0 = aws._clock()
local r, msg = aws.call('rds:DescribeDBInstances', {})
print(r and 'ok' or msg, aws._clock() - t0 < 2.9)
LUA
expect "timeout retried" "ok	true" "$("$LUARUN" "$T/slow.lua" 2>&1)"

curl -fsS -X POST "$FAKEAWS_URL/_fake/reset" >/dev/null
inject '{"service":"lambda","kind":"throttle","count":1}'
inject '{"service":"events","kind":"throttle","count":1}'
cat >"$T/other.lua" <<'LUA'
print(#aws.lambda.mappings('video-encoder'), #aws.events.rules('batch-'))
LUA
expect "429 and json throttling retried" "2	3" "$("$LUARUN" "$T/other.lua" 2>&1)"

# Client errors are final at once.
curl -fsS -X POST "$FAKEAWS_URL/_fake/reset" >/dev/null
out=$(AWS_SECRET_ACCESS_KEY=wrong run)
expect "bad signature" "err SignatureDoesNotMatch" "$out"
expect "not retried" "[1 attempt]" "$out"
case "$out" in *wrong*) fail "secret key in the error: $out" ;; esac
echo ok
