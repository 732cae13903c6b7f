-- The aws prelude: runbook helpers (maintenance modes, waiters, restores) in Lua over aws.call.
-- Embedded in the binary at build time (src/lua/lua.am); run by luaopen_tejun_aws with the module
-- table as its argument. See docs/aws.md.
local aws = ...
-- Helpers over aws.call: each AWS step of the seed runbook, with waiters that yield.
local poll = tonumber(os.getenv('TEJUN_AWS_POLL') or '') or 15

local function check(res, msg, code)
  if res == nil then error(msg, 0) end
  return res, code
end

local function call(op, params) return check(aws.call(op, params)) end

local function list(v)
  if v == nil or v == '' then return {} end
  if type(v) ~= 'table' then return {v} end
  if #v == 0 and next(v) ~= nil then return {v} end
  return v
end
aws.list = list

-- wait(label, fn, opts): fn() -> done, status, percent. Polls, yields between polls, shows
-- progress; raises on timeout or when fn raises.
function aws.wait(label, fn, opts)
  opts = opts or {}
  local timeout, interval = opts.timeout or 7200, opts.interval or poll
  local t0 = aws._clock()
  local last
  while true do
    local done, status, pct = fn()
    local el = aws._clock() - t0
    if status ~= last then aws._log(label .. ': ' .. tostring(status)); last = status end
    -- one bar a wait (the status changes are in the log), full once the wait is over
    if done then
      if pct then aws._progress(100, 100, '%', label)
      else aws._progress(el, timeout, 's', label, true, true) end
      return status
    end
    if pct then aws._progress(pct, 100, '%', label)
    else aws._progress(math.min(el, timeout), timeout, 's', label, true) end
    if el >= timeout then
      error(string.format('%s: still %s after %d s (timeout)', label, tostring(status), math.floor(el)), 0)
    end
    aws.sleep(interval)
  end
end

local function opt(o, k, d) if o[k] == nil then return d end return o[k] end

-- need('aws.x.y', o, 'a', 'b'): a missing argument is named, not sent as an empty parameter
local function need(fn, o, ...)
  for _, k in ipairs({...}) do
    if o[k] == nil or o[k] == '' then error(fn .. ': ' .. k .. '= is missing', 3) end
  end
end

-- RDS ---------------------------------------------------------------------------------
local rds = {}
aws.rds = rds

function rds.instance(id)
  return list(call('rds:DescribeDBInstances', {DBInstanceIdentifier = id}).DBInstances)[1]
end
function rds.cluster(id)
  return list(call('rds:DescribeDBClusters', {DBClusterIdentifier = id}).DBClusters)[1]
end
function rds.wait_instance(id, o)
  return aws.wait('instance ' .. id, function()
    local i = rds.instance(id)
    return i.DBInstanceStatus == 'available', i.DBInstanceStatus
  end, o)
end
function rds.wait_cluster(id, o)
  return aws.wait('cluster ' .. id, function()
    local c = rds.cluster(id)
    return c.Status == 'available', c.Status
  end, o)
end
function rds.wait_snapshot(id, o)
  return aws.wait('snapshot ' .. id, function()
    local s = list(call('rds:DescribeDBSnapshots', {DBSnapshotIdentifier = id}).DBSnapshots)[1]
    if s.Status == 'failed' then error('snapshot ' .. id .. ' failed', 0) end
    return s.Status == 'available', s.Status, tonumber(s.PercentProgress)
  end, o)
end

-- rds.snapshot{instance=, id=, wait=true, timeout=}
function rds.snapshot(o)
  local r = call('rds:CreateDBSnapshot', {DBInstanceIdentifier = o.instance, DBSnapshotIdentifier = o.id})
  if r.dry_run or o.wait == false then return r end
  rds.wait_snapshot(o.id, o)
  return r.DBSnapshot
end

-- rds.modify{instance=, engine_version=, allow_major=, parameter_group=, apply_immediately=true, wait=true}
function rds.modify(o)
  local p = {DBInstanceIdentifier = o.instance, ApplyImmediately = opt(o, 'apply_immediately', true)}
  if o.engine_version then p.EngineVersion = o.engine_version end
  if o.allow_major then p.AllowMajorVersionUpgrade = true end
  if o.parameter_group then p.DBParameterGroupName = o.parameter_group end
  local r = call('rds:ModifyDBInstance', p)
  if r.dry_run or o.wait == false or not p.ApplyImmediately then return r end
  -- The status stays "available" for a moment after the call; wait for it to leave first.
  rds.wait_instance(o.instance, o)
  local i = rds.instance(o.instance)
  if o.engine_version and i.EngineVersion ~= o.engine_version then
    error(string.format('instance %s is available but runs %s, not %s', o.instance, i.EngineVersion,
      o.engine_version), 0)
  end
  return i
end

-- rds.parameter(group, name) -> value, source
function rds.parameter(group, name)
  local r = call('rds:DescribeDBParameters', {DBParameterGroupName = group,
    Filters = {{Name = 'parameter-name', Values = {name}}}})
  for _, p in ipairs(list(r.Parameters)) do
    if p.ParameterName == name then return p.ParameterValue, p.Source end
  end
  return nil
end

-- rds.create_replica{cluster=, source_arn=, instance=, instance_class=, engine='aurora-mysql',
--   engine_version=, parameter_group=, wait=true}: Aurora read replica cluster + its writer
function rds.create_replica(o)
  local p = {DBClusterIdentifier = o.cluster, Engine = o.engine or 'aurora-mysql',
    ReplicationSourceIdentifier = o.source_arn}
  if o.engine_version then p.EngineVersion = o.engine_version end
  if o.cluster_parameter_group then p.DBClusterParameterGroupName = o.cluster_parameter_group end
  local r = call('rds:CreateDBCluster', p)
  local ip = {DBInstanceIdentifier = o.instance or (o.cluster .. '-1'), DBClusterIdentifier = o.cluster,
    DBInstanceClass = o.instance_class or 'db.r5.large', Engine = p.Engine}
  if o.parameter_group then ip.DBParameterGroupName = o.parameter_group end
  local ri = call('rds:CreateDBInstance', ip)
  if r.dry_run or o.wait == false then return r end
  rds.wait_cluster(o.cluster, o)
  rds.wait_instance(ip.DBInstanceIdentifier, o)
  return rds.cluster(o.cluster), ri
end

-- rds.promote{cluster=, wait=true}
function rds.promote(o)
  local r = call('rds:PromoteReadReplicaDBCluster', {DBClusterIdentifier = o.cluster})
  if r.dry_run or o.wait == false then return r end
  aws.wait('promote ' .. o.cluster, function()
    local c = rds.cluster(o.cluster)
    return c.Status == 'available' and c.ReplicationSourceIdentifier == nil, c.Status
  end, o)
  return rds.cluster(o.cluster)
end

-- Route53 -----------------------------------------------------------------------------
local r53 = {}
aws.route53 = r53
local function fqdn(n) if n:sub(-1) ~= '.' then return n .. '.' end return n end

-- route53.record{zone=, name=, type='CNAME'} -> {value=, ttl=} or nil
function r53.record(o)
  local t = o.type or 'CNAME'
  local r = call('route53:ListResourceRecordSets', {HostedZoneId = o.zone, StartRecordName = fqdn(o.name),
    StartRecordType = t, MaxItems = '1'})
  local rr = list(r.ResourceRecordSets)[1]
  if not rr or rr.Name ~= fqdn(o.name) or rr.Type ~= t then return nil end
  local vals = {}
  for _, v in ipairs(list(rr.ResourceRecords)) do vals[#vals + 1] = v.Value end
  return {value = vals[1], values = vals, ttl = tonumber(rr.TTL)}
end

function r53.wait_insync(id, o)
  return aws.wait('route53 change ' .. id, function()
    local s = call('route53:GetChange', {Id = id}).ChangeInfo.Status
    return s == 'INSYNC', s
  end, o)
end

-- route53.upsert{zone=, name=, value=, type='CNAME', ttl=0, wait=true, comment=}
--   -> {previous = {value=, ttl=} or nil, change_id=}
function r53.upsert(o)
  need('aws.route53.upsert', o, 'zone', 'name', 'value')
  local t = o.type or 'CNAME'
  local prev = r53.record(o)
  local r = call('route53:ChangeResourceRecordSets', {HostedZoneId = o.zone, ChangeBatch = {
    Comment = o.comment or 'tejun', Changes = {{Action = 'UPSERT', ResourceRecordSet = {
      Name = fqdn(o.name), Type = t, TTL = o.ttl or 0, ResourceRecords = {{Value = o.value}}}}}}})
  if prev then aws._log(string.format('route53 %s: %s -> %s (undo: upsert %s)', o.name,
    tostring(prev.value), o.value, tostring(prev.value))) end
  if r.dry_run then return {previous = prev, dry_run = true} end
  local id = r.ChangeInfo.Id
  if o.wait ~= false then r53.wait_insync(id, o) end
  return {previous = prev, change_id = id}
end

-- ELBv2 maintenance -------------------------------------------------------------------
local elb = {}
aws.elb = elb

-- elb.listener(lb_name[, port]) -> listener ARN
function elb.listener(name, port)
  local lb = list(call('elbv2:DescribeLoadBalancers', {Names = {name}}).LoadBalancers)[1]
  for _, l in ipairs(list(call('elbv2:DescribeListeners', {LoadBalancerArn = lb.LoadBalancerArn}).Listeners)) do
    if not port or tonumber(l.Port) == port then return l.ListenerArn end
  end
  error('load balancer ' .. name .. ' has no listener' .. (port and (' on port ' .. port) or ''), 0)
end

-- elb.maintenance_on{listener=, priority=1, status=503, body=, content_type='text/html'} -> rule ARN,
-- true when the rule was already there (a run stopped before its undo left it): the same
-- fixed response at that priority is taken over; any other rule there is refused.
function elb.maintenance_on(o)
  need('aws.elb.maintenance_on', o, 'listener')
  local prio, status = tostring(o.priority or 1), tostring(o.status or 503)
  local r, msg, code = aws.call('elbv2:CreateRule', {ListenerArn = o.listener, Priority = o.priority or 1,
    Conditions = {{Field = 'path-pattern', Values = {'/*'}}},
    Actions = {{Type = 'fixed-response', FixedResponseConfig = {StatusCode = status,
      ContentType = o.content_type or 'text/html', MessageBody = o.body or 'Under maintenance'}}}})
  if r then
    if r.dry_run then return nil end
    return list(r.Rules)[1].RuleArn, false
  end
  if code ~= 'PriorityInUse' then error(msg, 0) end
  for _, x in ipairs(list(call('elbv2:DescribeRules', {ListenerArn = o.listener}).Rules)) do
    if x.Priority == prio then
      local a = list(x.Actions)[1] or {}
      local fr = a.FixedResponseConfig or {}
      if a.Type == 'fixed-response' and fr.StatusCode == status then return x.RuleArn, true end
      error('priority ' .. prio .. ' of the listener is held by ' .. x.RuleArn .. ' (' .. tostring(a.Type) ..
        (fr.StatusCode and (' ' .. fr.StatusCode) or '') .. '), not a ' .. status .. ' maintenance rule: not replacing it', 0)
    end
  end
  error(msg, 0)
end

-- elb.maintenance_off{rule=} deletes exactly that rule; {listener=, priority=} finds it and
-- refuses anything but a fixed-response rule.
function elb.maintenance_off(o)
  local arn = o.rule
  if not arn then
    for _, r in ipairs(list(call('elbv2:DescribeRules', {ListenerArn = o.listener}).Rules)) do
      if r.Priority == tostring(o.priority or 1) then
        if list(r.Actions)[1].Type ~= 'fixed-response' then
          error('rule at priority ' .. r.Priority .. ' is not a maintenance rule; not deleting it', 0)
        end
        arn = r.RuleArn
      end
    end
    if not arn then return false end
  end
  call('elbv2:DeleteRule', {RuleArn = arn})
  return true
end

-- S3 website maintenance --------------------------------------------------------------
local s3 = {}
aws.s3 = s3

function s3.website(bucket)
  local r, msg, code = aws.call('s3:GetBucketWebsite', {Bucket = bucket})
  if r then return r end
  if code == 'NoSuchWebsiteConfiguration' then return nil end
  error(msg, 0)
end

local function website_config(c)
  local out = {}
  for _, k in ipairs({'IndexDocument', 'ErrorDocument', 'RedirectAllRequestsTo', 'RoutingRules'}) do
    out[k] = c[k]
  end
  return out
end

-- s3.maintenance_on{bucket=, page='maintenance.html'} -> previous website config (keep it)
function s3.maintenance_on(o)
  need('aws.s3.maintenance_on', o, 'bucket')
  local prev = s3.website(o.bucket)
  local page = o.page or 'maintenance.html'
  -- keeping the maintenance config as 'previous' would leave the site in maintenance at the end
  if prev and prev.IndexDocument and prev.IndexDocument.Suffix == page then
    error('bucket ' .. o.bucket .. ' already serves ' .. page .. ' (an earlier session left it on?): ' ..
      'resume that session, whose journal keeps the site\'s own configuration, or put it back by hand', 0)
  end
  call('s3:PutBucketWebsite', {Bucket = o.bucket, WebsiteConfiguration = {
    IndexDocument = {Suffix = page}, ErrorDocument = {Key = page}}})
  return prev and website_config(prev) or nil
end

-- s3.maintenance_off{bucket=, previous=}: restores the kept config (none: removes it)
function s3.maintenance_off(o)
  if o.previous then
    call('s3:PutBucketWebsite', {Bucket = o.bucket, WebsiteConfiguration = website_config(o.previous)})
  else
    call('s3:DeleteBucketWebsite', {Bucket = o.bucket})
  end
end

-- Lambda triggers ---------------------------------------------------------------------
local lambda = {}
aws.lambda = lambda

function lambda.mappings(func)
  return list(call('lambda:ListEventSourceMappings', {FunctionName = func}).EventSourceMappings)
end

local function wait_state(uuids, want, o)
  return aws.wait('lambda triggers ' .. want, function()
    local states, done = {}, true
    for _, u in ipairs(uuids) do
      local s = call('lambda:GetEventSourceMapping', {UUID = u}).State
      states[#states + 1] = s
      if s ~= want then done = false end
    end
    return done, table.concat(states, ',')
  end, o)
end

-- lambda.disable_triggers{func=, wait=true} -> UUIDs that were enabled (now Disabled)
function lambda.disable_triggers(o)
  local uuids = {}
  for _, m in ipairs(lambda.mappings(o.func)) do
    if m.State == 'Enabled' or m.State == 'Enabling' then
      local r = call('lambda:UpdateEventSourceMapping', {UUID = m.UUID, Enabled = false})
      if not r.dry_run then uuids[#uuids + 1] = m.UUID end
    end
  end
  if #uuids > 0 and o.wait ~= false then wait_state(uuids, 'Disabled', o) end
  return uuids
end

-- lambda.enable_triggers{uuids=} or {func=} (all of the function's mappings), wait=true
function lambda.enable_triggers(o)
  local uuids = o.uuids
  if not uuids then
    uuids = {}
    for _, m in ipairs(lambda.mappings(o.func)) do uuids[#uuids + 1] = m.UUID end
  end
  local sent = {}
  for _, u in ipairs(uuids) do
    local r = call('lambda:UpdateEventSourceMapping', {UUID = u, Enabled = true})
    if not r.dry_run then sent[#sent + 1] = u end
  end
  if #sent > 0 and o.wait ~= false then wait_state(sent, 'Enabled', o) end
  return sent
end

-- EventBridge batches -----------------------------------------------------------------
local events = {}
aws.events = events

function events.rules(prefix)
  local out, token = {}, nil
  repeat
    local r = call('events:ListRules', {NamePrefix = prefix, NextToken = token})
    for _, x in ipairs(list(r.Rules)) do out[#out + 1] = x end
    token = r.NextToken
  until not token
  return out
end

-- events.disable_rules{prefix=} -> names that were ENABLED before (restore exactly these)
function events.disable_rules(o)
  local was = {}
  for _, r in ipairs(events.rules(o.prefix)) do
    if r.State == 'ENABLED' then
      call('events:DisableRule', {Name = r.Name})
      was[#was + 1] = r.Name
    end
  end
  aws._log('disabled rules: ' .. (#was > 0 and table.concat(was, ', ') or '(none were enabled)'))
  return was
end

-- events.enable_rules{names=}
function events.enable_rules(o)
  for _, n in ipairs(o.names) do call('events:EnableRule', {Name = n}) end
  return o.names
end

-- SQS ---------------------------------------------------------------------------------
local sqs = {}
aws.sqs = sqs

local function queue_url(q)
  if q:match('^https?://') then return q end
  return call('sqs:GetQueueUrl', {QueueName = q}).QueueUrl
end

-- sqs.depth{queue=} -> visible, in_flight, delayed
function sqs.depth(o)
  local r = call('sqs:GetQueueAttributes', {QueueUrl = queue_url(o.queue), AttributeNames = {
    'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'}})
  local a = {}
  for _, kv in ipairs(list(r.Attribute)) do a[kv.Name] = tonumber(kv.Value) end
  return a.ApproximateNumberOfMessages or 0, a.ApproximateNumberOfMessagesNotVisible or 0,
    a.ApproximateNumberOfMessagesDelayed or 0
end

-- sqs.wait_empty{queue=, timeout=, interval=}
function sqs.wait_empty(o)
  local url = queue_url(o.queue)
  return aws.wait('queue ' .. o.queue, function()
    local v, f, d = sqs.depth({queue = url})
    aws._gauge('queue ' .. o.queue, v + f + d, 'messages', 0)
    return v + f + d == 0, string.format('%d visible, %d in flight, %d delayed', v, f, d)
  end, o)
end

-- CloudWatch --------------------------------------------------------------------------
local cw = {}
aws.cloudwatch = cw

local function iso(t) return os.date('!%Y-%m-%dT%H:%M:%SZ', t) end

-- cloudwatch.metric{namespace=, metric=, dimensions={Name=value}, stat='Average', period=60,
--   minutes=10, gauge=name, unit=} -> latest value (nil if no data), values, timestamps
function cw.metric(o)
  local dims = {}
  for k, v in pairs(o.dimensions or {}) do dims[#dims + 1] = {Name = k, Value = v} end
  table.sort(dims, function(a, b) return a.Name < b.Name end)
  local now = os.time()
  local r = call('cloudwatch:GetMetricData', {StartTime = iso(now - 60 * (o.minutes or 10)), EndTime = iso(now),
    MetricDataQueries = {{Id = 'm1', MetricStat = {Metric = {Namespace = o.namespace, MetricName = o.metric,
      Dimensions = #dims > 0 and dims or nil}, Period = o.period or 60, Stat = o.stat or 'Average'}}}})
  local res = list(r.MetricDataResults)[1] or {}
  local vals, ts = {}, list(res.Timestamps)
  for i, v in ipairs(list(res.Values)) do vals[i] = tonumber(v) end
  local latest = vals[1]
  if latest and o.gauge then aws._gauge(o.gauge, latest, o.unit, 0) end
  return latest, vals, ts
end
