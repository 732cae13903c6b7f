"""State and behaviour of the fake AWS services: the resources the seed runbook touches,
moved through real state sequences one step per poll (FAKEAWS_POLLS polls a step)."""
import copy
import datetime
import os
import threading
import uuid

from protocols import AwsError

ACCOUNT = '123456789012'
POLLS = int(os.environ.get('FAKEAWS_POLLS', '1'))


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def later(res, field, *states):
    """Queue states for field, each shown for POLLS reads."""
    res.setdefault('_next', {})[field] = [s for s in states for _ in range(POLLS)]


def tick(res):
    """One read of res: move every queued field one step on; returns a public copy."""
    for field, seq in list(res.get('_next', {}).items()):
        if seq:
            val = seq.pop(0)
            if callable(val):
                val(res)
            else:
                res[field] = val
        if not seq:
            del res['_next'][field]
    return {k: copy.deepcopy(v) for k, v in res.items() if not k.startswith('_')}


def seed(region, endpoint):
    arn = 'arn:aws:rds:%s:%s:' % (region, ACCOUNT)
    s = {'region': region, 'endpoint': endpoint}
    s['instances'] = {'prod-mysql': {
        'DBInstanceIdentifier': 'prod-mysql', 'DBInstanceClass': 'db.r5.large', 'Engine': 'mysql',
        'EngineVersion': '5.6.51', 'DBInstanceStatus': 'available', 'MultiAZ': True,
        'DBInstanceArn': arn + 'db:prod-mysql', 'AllocatedStorage': 200, 'MasterUsername': 'admin',
        'Endpoint': {'Address': 'prod-mysql.abcdefgh.%s.rds.amazonaws.com' % region, 'Port': 3306},
        'DBParameterGroups': [{'DBParameterGroupName': 'default.mysql5.6', 'ParameterApplyStatus': 'in-sync'}],
        'ReadReplicaDBClusterIdentifiers': []}}
    s['snapshots'] = {}
    s['clusters'] = {}
    s['paramgroups'] = {
        'default.mysql5.6': {'max_connections': '{DBInstanceClassMemory/12582880}'},
        'default.mysql5.7': {'max_connections': '{DBInstanceClassMemory/12582880}'},
        'prod-mysql57': {'max_connections': '2000'},
        'default.aurora-mysql5.7': {'max_connections': '{DBInstanceClassMemory/12582880}'}}
    s['zones'] = {'Z0PRIVATE0001': {
        'zone': {'Id': '/hostedzone/Z0PRIVATE0001', 'Name': 'private.', 'CallerReference': 'seed',
                 'Config': {'PrivateZone': True}, 'ResourceRecordSetCount': 3},
        'records': [
            {'Name': 'private.', 'Type': 'SOA', 'TTL': 900, 'ResourceRecords': [
                {'Value': 'ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'}]},
            {'Name': 'private.', 'Type': 'NS', 'TTL': 172800, 'ResourceRecords': [
                {'Value': 'ns-1536.awsdns-00.co.uk.'}]},
            {'Name': 'rds-app-writer.private.', 'Type': 'CNAME', 'TTL': 0, 'ResourceRecords': [
                {'Value': 'prod-mysql.abcdefgh.%s.rds.amazonaws.com' % region}]}]}}
    s['changes'] = {}
    lb = 'arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/prod-alb/50dc6c495c0c9188' % (region, ACCOUNT)
    lis = 'arn:aws:elasticloadbalancing:%s:%s:listener/app/prod-alb/50dc6c495c0c9188/f2f7dc8efc522ab2' % (region, ACCOUNT)
    tg = 'arn:aws:elasticloadbalancing:%s:%s:targetgroup/api/73e2d6bc24d8a067' % (region, ACCOUNT)
    s['lbs'] = {lb: {'LoadBalancerArn': lb, 'LoadBalancerName': 'prod-alb', 'Type': 'application',
                     'Scheme': 'internet-facing', 'DNSName': 'prod-alb-1.%s.elb.amazonaws.com' % region,
                     'State': {'Code': 'active'}}}
    s['listeners'] = {lis: {'ListenerArn': lis, 'LoadBalancerArn': lb, 'Port': 443, 'Protocol': 'HTTPS',
                            'DefaultActions': [{'Type': 'forward', 'TargetGroupArn': tg}]}}
    s['rules'] = {}
    for prio, path in (('10', '/api/*'), ('default', None)):
        rarn = lis.replace(':listener/', ':listener-rule/') + '/' + uuid.uuid4().hex[:16]
        s['rules'][rarn] = {'RuleArn': rarn, '_listener': lis, 'Priority': prio, 'IsDefault': prio == 'default',
                            'Conditions': [{'Field': 'path-pattern', 'Values': [path]}] if path else [],
                            'Actions': [{'Type': 'forward', 'TargetGroupArn': tg, 'Order': 1}]}
    s['buckets'] = {'prod-web': {'website': {'IndexDocument': {'Suffix': 'index.html'},
                                             'ErrorDocument': {'Key': 'error.html'}},
                                 'objects': {'index.html': b'<h1>app</h1>', 'maintenance.html': b'<h1>maintenance</h1>'}}}
    q = 'arn:aws:sqs:%s:%s:' % (region, ACCOUNT)
    fn = 'arn:aws:lambda:%s:%s:function:video-encoder' % (region, ACCOUNT)
    s['mappings'] = {}
    for src in ('video-queue', 'video-retry-queue'):
        u = str(uuid.uuid5(uuid.NAMESPACE_URL, src))
        s['mappings'][u] = {'UUID': u, 'EventSourceArn': q + src, 'FunctionArn': fn, 'State': 'Enabled',
                            'BatchSize': 10, 'LastModified': now(), 'StateTransitionReason': 'USER_INITIATED'}
    s['functions'] = {'video-encoder': fn}
    s['rules_ev'] = {}
    for name, state in (('batch-daily-report', 'ENABLED'), ('batch-cleanup', 'ENABLED'),
                        ('batch-legacy-export', 'DISABLED'), ('ops-heartbeat', 'ENABLED')):
        s['rules_ev'][name] = {'Name': name, 'Arn': 'arn:aws:events:%s:%s:rule/%s' % (region, ACCOUNT, name),
                               'State': state, 'ScheduleExpression': 'rate(5 minutes)', 'EventBusName': 'default'}
    s['queues'] = {'video-queue': {'ApproximateNumberOfMessages': [3, 1, 0],
                                   'ApproximateNumberOfMessagesNotVisible': [2, 1, 0],
                                   'ApproximateNumberOfMessagesDelayed': [0]},
                   'video-retry-queue': {'ApproximateNumberOfMessages': [0],
                                         'ApproximateNumberOfMessagesNotVisible': [0],
                                         'ApproximateNumberOfMessagesDelayed': [0]}}
    s['roles'] = {}
    return s


class Services:
    def __init__(self, region, endpoint):
        self.lock = threading.Lock()
        self.region, self.endpoint = region, endpoint
        self.state = seed(region, endpoint)

    def reset(self):
        with self.lock:
            self.state = seed(self.region, self.endpoint)

    def call(self, service, op, params, ctx):
        fn = HANDLERS.get((service, op))
        if fn is None:
            raise AwsError('InvalidAction', 'The fake endpoint does not implement %s:%s' % (service, op))
        with self.lock:
            return fn(self.state, params, ctx)


HANDLERS = {}


def op(service, name):
    def reg(fn):
        HANDLERS[(service, name)] = fn
        return fn
    return reg


def need(table, key, code, what, status=404):
    if key not in table:
        raise AwsError(code, '%s %s not found.' % (what, key), status)
    return table[key]


def _filters(params):
    return {f['Name']: f['Values'] for f in params.get('Filters', [])}


import services_ops  # noqa: E402,F401  (registers the handlers)
