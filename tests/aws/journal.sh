#!/usr/bin/env bash
# Dry run sends no mutating request and journals "would call"; live calls are journaled
# with service:action, target and result; no secret reaches any event; Slack failures
# warn and never raise.
source "$TEJUN_TOP/tests/aws/lib.sh"
TL="$TEJUN_BUILD/tests/lua/test_laws"
/usr/bin/python3 "$TEJUN_TOP/tests/aws/slack_receiver.py" "$T/slack.txt" >"$T/slack.port" &
spid=$!
trap 'kill $spid 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do [ -s "$T/slack.port" ] && break; sleep 0.05; done
export WEBHOOK="http://127.0.0.1:$(cat "$T/slack.port")/services/ok/T0SECRET/B0SECRET"
FAILHOOK="http://127.0.0.1:$(cat "$T/slack.port")/services/fail/T1SECRET"
DEADHOOK="http://127.0.0.1:1/services/dead/T2SECRET"
export TEJUN_AWS_POLL=0.02

cat >"$T/day1.lua" <<LUA
local prev = aws.s3.maintenance_on{bucket = 'prod-web'}
local was = aws.events.disable_rules{prefix = 'batch-'}
local lis = aws.elb.listener('prod-alb')
local rule = aws.elb.maintenance_on{listener = lis}
aws.lambda.disable_triggers{func = 'video-encoder'}
aws.rds.snapshot{instance = 'prod-mysql', id = 'dry-snap'}
aws.route53.upsert{zone = 'Z0PRIVATE0001', name = 'rds-app-writer.private', value = 'aurora.example'}
print('ok', #was)
assert(slack.notify{text = 'step done', webhook = os.getenv('WEBHOOK')} == true)
if aws.dry_run() then return end
local ok, err = slack.notify{text = 'x', webhook = '$FAILHOOK'}
assert(ok == false and err:find('HTTP 500'), 'failing webhook: ' .. tostring(err))
assert(not err:find('T1SECRET'), 'webhook URL in the error')
ok, err = slack.notify{text = 'x', webhook = '$DEADHOOK'}
assert(ok == false and not err:find('T2SECRET'), tostring(err))
LUA

out=$("$TL" "$T/day1.lua" dry 2>"$T/err") || { cat "$T/err" >&2; fail "dry run"; }
muts=$(fakelog | /usr/bin/python3 -c "import json,sys; print(sorted({e['op'] for e in json.load(sys.stdin)}))")
for op in PutBucketWebsite DisableRule CreateRule UpdateEventSourceMapping CreateDBSnapshot ChangeResourceRecordSets; do
  case "$muts" in *"$op"*) fail "dry run sent $op: $muts" ;; esac
done
expect "reads still happen" "DescribeLoadBalancers" "$muts"
expect "would call journaled" '"dry_run":true,"module":"aws","ok":true,"op":"rds:CreateDBSnapshot"' "$out"
expect "would call target" '"target":"dry-snap"' "$out"
expect "would call log" "dry run: would call elbv2:CreateRule" "$out"
expect "rules untouched" 'rule/batch-cleanup", "State": "ENABLED"' "$(curl -fsS "$FAKEAWS_URL/_fake/state")"
[ ! -s "$T/slack.txt" ] || fail "dry run posted to slack"

out=$("$TL" "$T/day1.lua" live 2>"$T/err") || { cat "$T/err" >&2; fail "live run"; }
expect "live journal" '"module":"aws","ok":true,"op":"events:DisableRule","secs":' "$out"
expect "live target" '"target":"batch-cleanup"' "$out"
expect "progress events" '"type":"progress"' "$out"
expect "slack journaled" '"module":"slack","ok":true,"op":"notify"' "$out"
expect "slack failure warns" "warning: slack notification failed: webhook answered HTTP 500" "$out"
expect "slack got the text" '{"text": "step done"}' "$(sed 's/"text":"/"text": "/' "$T/slack.txt")"

# A failing call is journaled with its error, and temporary credentials stay secret.
eval "$(/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" sts assume-role --role-arn arn:aws:iam::123456789012:role/j \
  --role-session-name journal --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text |
  awk '{print "export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" AWS_SESSION_TOKEN="$3}')"
cat >"$T/fail.lua" <<'LUA'
print(aws.call('rds:DescribeDBInstances', {DBInstanceIdentifier = 'gone'}))
LUA
out=$("$TL" "$T/fail.lua" live 2>&1) || fail "session-token run leaked or failed: $out"
expect "error journaled" '"error":"rds:DescribeDBInstances gone: DBInstanceNotFound' "$out"
expect "not ok" '"ok":false' "$out"
echo ok
