-- The seed runbook's AWS steps (day 1 and day 2) against the fake endpoint, checked by
-- reading the state back through the API.
local function eq(what, got, want)
  if got ~= want then error(string.format('%s: got %s, want %s', what, tostring(got), tostring(want)), 2) end
end
local function has(what, s, needle)
  if not tostring(s):find(needle, 1, true) then error(what .. ': ' .. tostring(s) .. ' lacks ' .. needle, 2) end
end
local list = aws.list

-- 1. S3 website maintenance, restore of the previous configuration
local prev = aws.s3.maintenance_on{bucket = 'prod-web', page = 'maintenance.html'}
eq('kept index', prev.IndexDocument.Suffix, 'index.html')
eq('maintenance index', aws.s3.website('prod-web').IndexDocument.Suffix, 'maintenance.html')
local ok0, err0 = pcall(aws.s3.maintenance_on, {bucket = 'prod-web', page = 'maintenance.html'})
eq('maintenance on twice refused', ok0, false)
has('says the site is in maintenance already', err0, 'bucket prod-web already serves maintenance.html')
aws.s3.maintenance_off{bucket = 'prod-web', previous = prev}
local w = aws.s3.website('prod-web')
eq('restored index', w.IndexDocument.Suffix, 'index.html')
eq('restored error doc', w.ErrorDocument.Key, 'error.html')

-- 2. batches: only the rules that were enabled come back
local was = aws.events.disable_rules{prefix = 'batch-'}
table.sort(was)
eq('disabled count', #was, 2)
eq('first', was[1], 'batch-cleanup')
for _, r in ipairs(aws.events.rules('batch-')) do eq(r.Name .. ' state', r.State, 'DISABLED') end
aws.events.enable_rules{names = was}
local states = {}
for _, r in ipairs(aws.events.rules('batch-')) do states[r.Name] = r.State end
eq('cleanup back', states['batch-cleanup'], 'ENABLED')
eq('report back', states['batch-daily-report'], 'ENABLED')
eq('legacy stays off', states['batch-legacy-export'], 'DISABLED')
eq('other prefix untouched', aws.call('events:DescribeRule', {Name = 'ops-heartbeat'}).State, 'ENABLED')

-- 3. lambda triggers: disable waits for Disabled, enable for Enabled
local uuids = aws.lambda.disable_triggers{func = 'video-encoder'}
eq('mappings disabled', #uuids, 2)
for _, m in ipairs(aws.lambda.mappings('video-encoder')) do eq('state', m.State, 'Disabled') end
eq('nothing left to disable', #aws.lambda.disable_triggers{func = 'video-encoder'}, 0)
aws.lambda.enable_triggers{uuids = uuids}
for _, m in ipairs(aws.lambda.mappings('video-encoder')) do eq('state', m.State, 'Enabled') end

-- 4. ALB maintenance: a fixed 503 rule at top priority; off deletes exactly that rule
local lis = aws.elb.listener('prod-alb', 443)
local before = #list(aws.call('elbv2:DescribeRules', {ListenerArn = lis}).Rules)
local rule = aws.elb.maintenance_on{listener = lis, body = '<h1>maintenance</h1>'}
local found
for _, r in ipairs(list(aws.call('elbv2:DescribeRules', {ListenerArn = lis}).Rules)) do
  if r.RuleArn == rule then found = r end
end
eq('rule priority', found.Priority, '1')
local act = list(found.Actions)[1]
eq('fixed response', act.Type, 'fixed-response')
eq('503', act.FixedResponseConfig.StatusCode, '503')
-- a rerun after a session stopped before its undo takes over the rule it left
local again, existing = aws.elb.maintenance_on{listener = lis}
eq('rerun takes over the same rule', again, rule)
eq('rerun says the rule was there', existing, true)
eq('still one maintenance rule', #list(aws.call('elbv2:DescribeRules', {ListenerArn = lis}).Rules), before + 1)
local ok, err = pcall(aws.elb.maintenance_on, {listener = lis, status = 403})
eq('another fixed response at the priority refused', ok, false)
has('names the holder', err, 'not a 403 maintenance rule')
ok, err = pcall(aws.elb.maintenance_on, {listener = lis, priority = 10})
eq('a forward rule at the priority refused', ok, false)
has('forward rule named', err, '(forward)')
aws.elb.maintenance_off{rule = rule}
eq('rules after off', #list(aws.call('elbv2:DescribeRules', {ListenerArn = lis}).Rules), before)
ok, err = pcall(aws.elb.maintenance_off, {listener = lis, priority = 10})
eq('refuses a forward rule', ok, false)

-- 5. the video queue drains to 0
aws.sqs.wait_empty{queue = 'video-queue', timeout = 30}
local v, f, d = aws.sqs.depth{queue = 'video-queue'}
eq('queue empty', v + f + d, 0)

-- 6. snapshot, waiting through creating -> backing-up -> available
aws.rds.snapshot{instance = 'prod-mysql', id = 'before-57', timeout = 30}
eq('snapshot', list(aws.call('rds:DescribeDBSnapshots', {DBSnapshotIdentifier = 'before-57'}).DBSnapshots)[1].Status,
  'available')
ok, err = pcall(aws.rds.snapshot, {instance = 'prod-mysql', id = 'before-57'})
has('duplicate snapshot', err, 'DBSnapshotAlreadyExists')

-- 7. 5.6 -> 5.7: refused without AllowMajorVersionUpgrade, then upgraded
ok, err = pcall(aws.rds.modify, {instance = 'prod-mysql', engine_version = '5.7.44'})
has('major upgrade needs the flag', err, 'InvalidParameterCombination')
local inst = aws.rds.modify{instance = 'prod-mysql', engine_version = '5.7.44', allow_major = true, timeout = 30}
eq('engine', inst.EngineVersion, '5.7.44')
eq('status', inst.DBInstanceStatus, 'available')
eq('default group max_connections', aws.rds.parameter('default.mysql5.7', 'max_connections'),
  '{DBInstanceClassMemory/12582880}')
eq('custom group', aws.rds.parameter('prod-mysql57', 'max_connections'), '2000')

-- day 2: Aurora read replica, promotion, Route53 switch
local src = aws.rds.instance('prod-mysql')
local cl = aws.rds.create_replica{cluster = 'prod-aurora', source_arn = src.DBInstanceArn,
  instance = 'prod-aurora-1', instance_class = 'db.r5.large', timeout = 30}
eq('replica of', cl.ReplicationSourceIdentifier, src.DBInstanceArn)
eq('writer', aws.rds.instance('prod-aurora-1').DBInstanceStatus, 'available')
cl = aws.rds.promote{cluster = 'prod-aurora', timeout = 30}
eq('promoted', cl.ReplicationSourceIdentifier, nil)
eq('cluster status', cl.Status, 'available')

local sw = aws.route53.upsert{zone = 'Z0PRIVATE0001', name = 'rds-app-writer.private', value = cl.Endpoint, ttl = 0,
  timeout = 30}
has('previous value kept for undo', sw.previous.value, 'prod-mysql.')
eq('previous ttl', sw.previous.ttl, 0)
local rec = aws.route53.record{zone = 'Z0PRIVATE0001', name = 'rds-app-writer.private'}
eq('switched', rec.value, cl.Endpoint)
eq('ttl 0', rec.ttl, 0)
eq('change INSYNC', aws.call('route53:GetChange', {Id = sw.change_id}).ChangeInfo.Status, 'INSYNC')
aws.route53.upsert{zone = '/hostedzone/Z0PRIVATE0001', name = 'rds-app-writer.private', value = sw.previous.value}
eq('undone', aws.route53.record{zone = 'Z0PRIVATE0001', name = 'rds-app-writer.private'}.value, sw.previous.value)

-- gauges: replica lag from CloudWatch
local lag, vals = aws.cloudwatch.metric{namespace = 'AWS/RDS', metric = 'AuroraBinlogReplicaLag',
  dimensions = {DBClusterIdentifier = 'prod-aurora'}, gauge = 'replica lag', unit = 's'}
eq('lag is a number', type(lag), 'number')
eq('five points', #vals, 5)
print('ok')
