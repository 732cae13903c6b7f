"""One handler per AWS operation the runbooks use; each gets (state, params, ctx)
and returns the output shape as a dict, or raises AwsError like the real service."""
import datetime
import uuid

from protocols import AwsError
from services import ACCOUNT, _filters, later, need, now, op, tick

# --- RDS ---------------------------------------------------------------------


def _pg_family(version):
    return 'default.mysql' + '.'.join(version.split('.')[:2])


@op('rds', 'DescribeDBInstances')
def rds_describe_instances(s, p, ctx):
    ident = p.get('DBInstanceIdentifier')
    if ident:
        return {'DBInstances': [tick(need(s['instances'], ident, 'DBInstanceNotFound', 'DBInstance'))]}
    return {'DBInstances': [tick(i) for i in s['instances'].values()]}


@op('rds', 'CreateDBSnapshot')
def rds_create_snapshot(s, p, ctx):
    inst = need(s['instances'], p['DBInstanceIdentifier'], 'DBInstanceNotFound', 'DBInstance')
    sid = p['DBSnapshotIdentifier']
    if sid in s['snapshots']:
        raise AwsError('DBSnapshotAlreadyExists', 'Cannot create the snapshot because a snapshot with the '
                       'identifier %s already exists.' % sid)
    if inst['DBInstanceStatus'] != 'available':
        raise AwsError('InvalidDBInstanceState', 'DB instance %s is not in the available state (%s).'
                       % (inst['DBInstanceIdentifier'], inst['DBInstanceStatus']))
    snap = {'DBSnapshotIdentifier': sid, 'DBInstanceIdentifier': inst['DBInstanceIdentifier'],
            'Engine': inst['Engine'], 'EngineVersion': inst['EngineVersion'], 'Status': 'creating',
            'PercentProgress': 0, 'SnapshotCreateTime': now(), 'SnapshotType': 'manual',
            'DBSnapshotArn': 'arn:aws:rds:%s:%s:snapshot:%s' % (s['region'], ACCOUNT, sid)}
    s['snapshots'][sid] = snap

    def finish(res):  # the instance leaves backing-up when its snapshot completes
        res.update(Status='available', PercentProgress=100)
        inst['DBInstanceStatus'] = 'available'
    later(snap, 'Status', 'creating', 'backing-up', finish)
    later(snap, 'PercentProgress', 0, 45, 100)
    inst['DBInstanceStatus'] = 'backing-up'
    return {'DBSnapshot': tick(snap)}


@op('rds', 'DescribeDBSnapshots')
def rds_describe_snapshots(s, p, ctx):
    sid = p.get('DBSnapshotIdentifier')
    if sid:
        return {'DBSnapshots': [tick(need(s['snapshots'], sid, 'DBSnapshotNotFound', 'DBSnapshot'))]}
    inst = p.get('DBInstanceIdentifier')
    return {'DBSnapshots': [tick(x) for x in s['snapshots'].values()
                            if not inst or x['DBInstanceIdentifier'] == inst]}


@op('rds', 'ModifyDBInstance')
def rds_modify_instance(s, p, ctx):
    inst = need(s['instances'], p['DBInstanceIdentifier'], 'DBInstanceNotFound', 'DBInstance')
    if inst['DBInstanceStatus'] != 'available':
        raise AwsError('InvalidDBInstanceState', 'Database instance is not in available state.')
    ver = p.get('EngineVersion')
    pending = {}
    if ver and ver != inst['EngineVersion']:
        if ver.split('.')[:2] != inst['EngineVersion'].split('.')[:2] and not p.get('AllowMajorVersionUpgrade'):
            raise AwsError('InvalidParameterCombination', 'The AllowMajorVersionUpgrade flag must be present '
                           'when upgrading to a new major version.')
        pending['EngineVersion'] = ver
    pg = p.get('DBParameterGroupName')
    if pg:
        need(s['paramgroups'], pg, 'DBParameterGroupNotFound', 'DBParameterGroup')
        target = ver or inst['EngineVersion']
        if not pg.startswith('default.') or pg == _pg_family(target):
            pass
        else:
            raise AwsError('InvalidParameterCombination', 'The parameter group %s does not match engine '
                           'version %s.' % (pg, target))
    if not p.get('ApplyImmediately'):
        inst['PendingModifiedValues'] = pending
        return {'DBInstance': tick(inst)}

    def apply(res):
        res.update(pending)
        if pg:
            res['DBParameterGroups'] = [{'DBParameterGroupName': pg, 'ParameterApplyStatus': 'in-sync'}]
        elif ver:
            res['DBParameterGroups'] = [{'DBParameterGroupName': _pg_family(ver),
                                         'ParameterApplyStatus': 'in-sync'}]
        res.pop('PendingModifiedValues', None)
        res['DBInstanceStatus'] = 'available'
    inst['DBInstanceStatus'] = 'modifying'
    inst['PendingModifiedValues'] = pending
    if ver:
        later(inst, 'DBInstanceStatus', 'upgrading', 'upgrading', apply)
    else:
        later(inst, 'DBInstanceStatus', 'modifying', apply)
    return {'DBInstance': tick(inst)}


@op('rds', 'DescribeDBParameters')
def rds_describe_parameters(s, p, ctx):
    pg = need(s['paramgroups'], p['DBParameterGroupName'], 'DBParameterGroupNotFound', 'DBParameterGroup')
    names = _filters(p).get('parameter-name')
    return {'Parameters': [{'ParameterName': k, 'ParameterValue': v, 'Source': 'system'
                            if p['DBParameterGroupName'].startswith('default.') else 'user',
                            'IsModifiable': True, 'ApplyType': 'dynamic', 'DataType': 'integer'}
                           for k, v in pg.items() if not names or k in names]}


@op('rds', 'CreateDBCluster')
def rds_create_cluster(s, p, ctx):
    cid = p['DBClusterIdentifier']
    if cid in s['clusters']:
        raise AwsError('DBClusterAlreadyExistsFault', 'DB cluster already exists')
    src = p.get('ReplicationSourceIdentifier')
    if src:
        name = src.rsplit(':', 1)[-1]
        inst = need(s['instances'], name, 'DBInstanceNotFound', 'DBInstance')
        if not inst['EngineVersion'].startswith('5.7'):
            raise AwsError('InvalidParameterCombination', 'Cannot create an Aurora read replica of a '
                           'MySQL %s instance; upgrade the source to 5.7 first.' % inst['EngineVersion'])
        inst['ReadReplicaDBClusterIdentifiers'].append(cid)
    cl = {'DBClusterIdentifier': cid, 'Engine': p['Engine'], 'Status': 'creating',
          'EngineVersion': p.get('EngineVersion', '5.7.mysql_aurora.2.11.2'),
          'DBClusterArn': 'arn:aws:rds:%s:%s:cluster:%s' % (s['region'], ACCOUNT, cid),
          'Endpoint': '%s.cluster-abcdefgh.%s.rds.amazonaws.com' % (cid, s['region']),
          'ReaderEndpoint': '%s.cluster-ro-abcdefgh.%s.rds.amazonaws.com' % (cid, s['region']),
          'Port': 3306, 'DBClusterMembers': [], 'MultiAZ': False}
    if src:
        cl['ReplicationSourceIdentifier'] = src
    s['clusters'][cid] = cl
    later(cl, 'Status', 'creating', 'available')
    return {'DBCluster': tick(cl)}


@op('rds', 'CreateDBInstance')
def rds_create_instance(s, p, ctx):
    iid = p['DBInstanceIdentifier']
    if iid in s['instances']:
        raise AwsError('DBInstanceAlreadyExists', 'DB instance already exists')
    cid = p.get('DBClusterIdentifier')
    cl = need(s['clusters'], cid, 'DBClusterNotFoundFault', 'DBCluster') if cid else None
    inst = {'DBInstanceIdentifier': iid, 'DBInstanceClass': p['DBInstanceClass'], 'Engine': p['Engine'],
            'EngineVersion': cl['EngineVersion'] if cl else p.get('EngineVersion', '5.7.44'),
            'DBInstanceStatus': 'creating', 'DBClusterIdentifier': cid,
            'DBInstanceArn': 'arn:aws:rds:%s:%s:db:%s' % (s['region'], ACCOUNT, iid),
            'DBParameterGroups': [], 'ReadReplicaDBClusterIdentifiers': []}
    s['instances'][iid] = inst
    if cl:
        cl['DBClusterMembers'].append({'DBInstanceIdentifier': iid, 'IsClusterWriter': True,
                                       'PromotionTier': 1})
    later(inst, 'DBInstanceStatus', 'creating', 'backing-up', 'available')
    return {'DBInstance': tick(inst)}


@op('rds', 'DescribeDBClusters')
def rds_describe_clusters(s, p, ctx):
    cid = p.get('DBClusterIdentifier')
    if cid:
        return {'DBClusters': [tick(need(s['clusters'], cid, 'DBClusterNotFoundFault', 'DBCluster'))]}
    return {'DBClusters': [tick(c) for c in s['clusters'].values()]}


@op('rds', 'PromoteReadReplicaDBCluster')
def rds_promote(s, p, ctx):
    cl = need(s['clusters'], p['DBClusterIdentifier'], 'DBClusterNotFoundFault', 'DBCluster')
    if 'ReplicationSourceIdentifier' not in cl:
        raise AwsError('InvalidDBClusterStateFault', 'DB cluster %s is not a read replica.'
                       % cl['DBClusterIdentifier'])
    if cl['Status'] != 'available':
        raise AwsError('InvalidDBClusterStateFault', 'DB cluster is not available (%s).' % cl['Status'])

    def done(res):
        src = res.pop('ReplicationSourceIdentifier').rsplit(':', 1)[-1]
        if src in s['instances']:
            s['instances'][src]['ReadReplicaDBClusterIdentifiers'].remove(res['DBClusterIdentifier'])
        res['Status'] = 'available'
    cl['Status'] = 'promoting'
    later(cl, 'Status', 'promoting', done)
    return {'DBCluster': tick(cl)}


# --- Route53 -----------------------------------------------------------------

def _zone(s, zid):
    return need(s['zones'], zid.rsplit('/', 1)[-1], 'NoSuchHostedZone', 'No hosted zone found with ID:')


@op('route53', 'ListResourceRecordSets')
def r53_list(s, p, ctx):
    z = _zone(s, p['HostedZoneId'])
    recs = sorted(z['records'], key=lambda r: (r['Name'], r['Type']))
    start = p.get('StartRecordName')
    if start:
        start = start if start.endswith('.') else start + '.'
        recs = [r for r in recs if (r['Name'], r['Type']) >= (start, p.get('StartRecordType', ''))]
    maxi = int(p.get('MaxItems', '300'))
    out = {'ResourceRecordSets': recs[:maxi], 'IsTruncated': len(recs) > maxi, 'MaxItems': str(maxi)}
    if len(recs) > maxi:
        out['NextRecordName'], out['NextRecordType'] = recs[maxi]['Name'], recs[maxi]['Type']
    return out


@op('route53', 'ListHostedZonesByName')
def r53_zones(s, p, ctx):
    return {'HostedZones': [z['zone'] for z in s['zones'].values()], 'IsTruncated': False, 'MaxItems': '100'}


@op('route53', 'ChangeResourceRecordSets')
def r53_change(s, p, ctx):
    z = _zone(s, p['HostedZoneId'])
    recs = list(z['records'])
    for ch in p['ChangeBatch']['Changes']:
        rr = dict(ch['ResourceRecordSet'])
        if not rr['Name'].endswith('.'):
            rr['Name'] += '.'
        same = [r for r in recs if r['Name'] == rr['Name'] and r['Type'] == rr['Type']]
        if ch['Action'] == 'CREATE' and same:
            raise AwsError('InvalidChangeBatch', "[Tried to create resource record set [name='%s', type='%s'] "
                           "but it already exists]" % (rr['Name'], rr['Type']))
        if ch['Action'] == 'DELETE' and (not same or same[0] != rr):
            raise AwsError('InvalidChangeBatch', "[Tried to delete resource record set [name='%s', type='%s'] "
                           "but it was not found]" % (rr['Name'], rr['Type']))
        if not rr['Name'].endswith(z['zone']['Name']):
            raise AwsError('InvalidChangeBatch', 'RRSet with DNS name %s is not permitted in zone %s'
                           % (rr['Name'], z['zone']['Name']))
        recs = [r for r in recs if r not in same]
        if ch['Action'] != 'DELETE':
            recs.append(rr)
    z['records'] = recs
    cid = 'C' + uuid.uuid4().hex[:12].upper()
    info = {'Id': '/change/' + cid, 'Status': 'PENDING', 'SubmittedAt': now()}
    if p['ChangeBatch'].get('Comment'):
        info['Comment'] = p['ChangeBatch']['Comment']
    later(info, 'Status', 'PENDING', 'PENDING', 'INSYNC')
    s['changes'][cid] = info
    return {'ChangeInfo': tick(info)}


@op('route53', 'GetChange')
def r53_get_change(s, p, ctx):
    return {'ChangeInfo': tick(need(s['changes'], p['Id'].rsplit('/', 1)[-1], 'NoSuchChange', 'Change'))}


# --- ELBv2 -------------------------------------------------------------------

@op('elbv2', 'DescribeLoadBalancers')
def elb_lbs(s, p, ctx):
    names = p.get('Names')
    out = [lb for lb in s['lbs'].values() if not names or lb['LoadBalancerName'] in names]
    if names and not out:
        raise AwsError('LoadBalancerNotFound', 'One or more load balancers not found', 400)
    return {'LoadBalancers': out}


@op('elbv2', 'DescribeListeners')
def elb_listeners(s, p, ctx):
    lb = p.get('LoadBalancerArn')
    if lb:
        need(s['lbs'], lb, 'LoadBalancerNotFound', 'Load balancer', 400)
    return {'Listeners': [x for x in s['listeners'].values() if not lb or x['LoadBalancerArn'] == lb]}


@op('elbv2', 'DescribeRules')
def elb_rules(s, p, ctx):
    lis = p.get('ListenerArn')
    if lis:
        need(s['listeners'], lis, 'ListenerNotFound', 'Listener', 400)
    arns = p.get('RuleArns')
    rules = [r for r in s['rules'].values() if (not lis or r['_listener'] == lis)
             and (not arns or r['RuleArn'] in arns)]
    if arns and len(rules) != len(arns):
        raise AwsError('RuleNotFound', 'One or more rules not found', 400)
    return {'Rules': [{k: v for k, v in r.items() if not k.startswith('_')} for r in rules]}


@op('elbv2', 'CreateRule')
def elb_create_rule(s, p, ctx):
    lis = need(s['listeners'], p['ListenerArn'], 'ListenerNotFound', 'Listener', 400)
    prio = str(p['Priority'])
    if any(r['_listener'] == p['ListenerArn'] and r['Priority'] == prio for r in s['rules'].values()):
        raise AwsError('PriorityInUse', 'Priority \'%s\' is currently in use' % prio)
    if not p['Conditions']:
        raise AwsError('ValidationError', 'A rule must have at least one condition')
    rarn = lis['ListenerArn'].replace(':listener/', ':listener-rule/') + '/' + uuid.uuid4().hex[:16]
    rule = {'RuleArn': rarn, '_listener': p['ListenerArn'], 'Priority': prio, 'IsDefault': False,
            'Conditions': p['Conditions'], 'Actions': p['Actions']}
    s['rules'][rarn] = rule
    return {'Rules': [{k: v for k, v in rule.items() if not k.startswith('_')}]}


@op('elbv2', 'DeleteRule')
def elb_delete_rule(s, p, ctx):
    r = need(s['rules'], p['RuleArn'], 'RuleNotFound', 'Rule', 400)
    if r['IsDefault']:
        raise AwsError('OperationNotPermitted', 'Default rule cannot be deleted')
    del s['rules'][p['RuleArn']]
    return {}


# --- S3 ----------------------------------------------------------------------

def _bucket(s, name):
    if name not in s['buckets']:
        raise AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, BucketName=name)
    return s['buckets'][name]


@op('s3', 'GetBucketWebsite')
def s3_get_website(s, p, ctx):
    b = _bucket(s, p['Bucket'])
    if not b.get('website'):
        raise AwsError('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website '
                       'configuration', 404, BucketName=p['Bucket'])
    return dict(b['website'])


@op('s3', 'PutBucketWebsite')
def s3_put_website(s, p, ctx):
    b = _bucket(s, p['Bucket'])
    cfg = p['WebsiteConfiguration']
    if 'RedirectAllRequestsTo' not in cfg and 'IndexDocument' not in cfg:
        raise AwsError('InvalidArgument', 'A value for IndexDocument Suffix must be provided if '
                       'RedirectAllRequestsTo is empty')
    b['website'] = cfg
    return {}


@op('s3', 'DeleteBucketWebsite')
def s3_delete_website(s, p, ctx):
    _bucket(s, p['Bucket'])['website'] = None
    return {}


@op('s3', 'HeadObject')
def s3_head(s, p, ctx):
    b = _bucket(s, p['Bucket'])
    if p['Key'] not in b['objects']:
        raise AwsError('NoSuchKey', 'Not Found', 404)
    return {'ContentLength': len(b['objects'][p['Key']])}


# --- Lambda ------------------------------------------------------------------

def _mapping_out(m):
    return tick(m)


@op('lambda', 'ListEventSourceMappings')
def lambda_list(s, p, ctx):
    fn = p.get('FunctionName')
    if fn:
        arn = s['functions'].get(fn.rsplit(':', 1)[-1] if fn.startswith('arn:') else fn)
        if not arn:
            raise AwsError('ResourceNotFoundException', 'Function not found: %s' % fn, 404)
    ms = [m for m in s['mappings'].values() if (not fn or m['FunctionArn'] == arn)
          and (not p.get('EventSourceArn') or m['EventSourceArn'] == p['EventSourceArn'])]
    return {'EventSourceMappings': [_mapping_out(m) for m in ms]}


@op('lambda', 'GetEventSourceMapping')
def lambda_get(s, p, ctx):
    return _mapping_out(need(s['mappings'], p['UUID'], 'ResourceNotFoundException',
                             'The resource you requested does not exist. Mapping'))


@op('lambda', 'UpdateEventSourceMapping')
def lambda_update(s, p, ctx):
    m = need(s['mappings'], p['UUID'], 'ResourceNotFoundException',
             'The resource you requested does not exist. Mapping')
    if m['State'] not in ('Enabled', 'Disabled'):
        raise AwsError('ResourceInUseException', 'Cannot update the event source mapping because it is '
                       'in use (state %s).' % m['State'], 400)
    if 'Enabled' in p:
        want = 'Enabled' if p['Enabled'] else 'Disabled'
        if want != m['State']:
            step = 'Enabling' if p['Enabled'] else 'Disabling'
            m['State'] = step
            later(m, 'State', step, step, want)
    if 'BatchSize' in p:
        m['BatchSize'] = p['BatchSize']
    m['LastModified'] = now()
    return tick(m)


# --- EventBridge -------------------------------------------------------------

@op('events', 'ListRules')
def ev_list(s, p, ctx):
    pre = p.get('NamePrefix', '')
    rules = sorted((r for r in s['rules_ev'].values() if r['Name'].startswith(pre)), key=lambda r: r['Name'])
    start = int(p.get('NextToken', '0') or 0)
    limit = p.get('Limit', 100)
    out = {'Rules': [dict(r) for r in rules[start:start + limit]]}
    if start + limit < len(rules):
        out['NextToken'] = str(start + limit)
    return out


def _ev_rule(s, name):
    return need(s['rules_ev'], name, 'ResourceNotFoundException', 'Rule', 400)


@op('events', 'DescribeRule')
def ev_describe(s, p, ctx):
    return dict(_ev_rule(s, p['Name']))


@op('events', 'DisableRule')
def ev_disable(s, p, ctx):
    _ev_rule(s, p['Name'])['State'] = 'DISABLED'
    return {}


@op('events', 'EnableRule')
def ev_enable(s, p, ctx):
    _ev_rule(s, p['Name'])['State'] = 'ENABLED'
    return {}


# --- SQS ---------------------------------------------------------------------

def _queue_url(s, name, ctx):
    return '%s/%s/%s' % (ctx['endpoint'], ACCOUNT, name)


@op('sqs', 'GetQueueUrl')
def sqs_url(s, p, ctx):
    need(s['queues'], p['QueueName'], 'AWS.SimpleQueueService.NonExistentQueue',
         'The specified queue does not exist for this wsdl version. Queue', 400)
    return {'QueueUrl': _queue_url(s, p['QueueName'], ctx)}


@op('sqs', 'GetQueueAttributes')
def sqs_attrs(s, p, ctx):
    name = p['QueueUrl'].rstrip('/').rsplit('/', 1)[-1]
    q = need(s['queues'], name, 'AWS.SimpleQueueService.NonExistentQueue',
             'The specified queue does not exist for this wsdl version. Queue', 400)
    want = p.get('AttributeNames') or ['All']
    out = {'QueueArn': 'arn:aws:sqs:%s:%s:%s' % (s['region'], ACCOUNT, name)}
    for k, seq in q.items():
        out[k] = str(seq[0])
        if len(seq) > 1:
            seq.pop(0)
    if 'All' not in want:
        out = {k: v for k, v in out.items() if k in want}
    return {'Attributes': out}


# --- CloudWatch --------------------------------------------------------------

@op('cloudwatch', 'GetMetricData')
def cw_data(s, p, ctx):
    res = []
    end = p['EndTime'] if isinstance(p['EndTime'], datetime.datetime) else now()
    for q in p['MetricDataQueries']:
        stat = q.get('MetricStat', {})
        name = stat.get('Metric', {}).get('MetricName', q['Id'])
        period = stat.get('Period', 60)
        n = 5
        base = {'AuroraBinlogReplicaLag': 2.0, 'ReplicaLag': 1.0, 'CPUUtilization': 35.0}.get(name, 10.0)
        res.append({'Id': q['Id'], 'Label': q.get('Label', name), 'StatusCode': 'Complete',
                    'Timestamps': [end - datetime.timedelta(seconds=period * i) for i in range(n)],
                    'Values': [round(base / (i + 1), 3) for i in range(n)]})
    return {'MetricDataResults': res, 'Messages': []}


# --- STS ---------------------------------------------------------------------

@op('sts', 'AssumeRole')
def sts_assume(s, p, ctx):
    if ':role/' not in p['RoleArn']:
        raise AwsError('ValidationError', '%s is invalid' % p['RoleArn'])
    arn = p['RoleArn'].replace(':iam:', ':sts:').replace(':role/', ':assumed-role/') + '/' + p['RoleSessionName']
    creds = ctx['issue'](arn)
    return {'Credentials': creds, 'AssumedRoleUser': {'AssumedRoleId': 'AROAFAKE:' + p['RoleSessionName'],
                                                      'Arn': arn}}


@op('sts', 'GetCallerIdentity')
def sts_whoami(s, p, ctx):
    return {'Account': ACCOUNT, 'UserId': ctx['akid'], 'Arn': ctx.get('principal', 'arn:aws:iam::%s:user/tester'
                                                                    % ACCOUNT)}
