#!/usr/bin/python3
"""Local AWS endpoint for tejun's tests: checks every request's SigV4 signature with
botocore's own signer, validates parameters against botocore's service models,
answers in the models' shapes, and can inject throttling, 5xx, slow answers and
dropped connections. Also a fake IMDSv2. Binds 127.0.0.1 only.

Run with Debian's /usr/bin/python3 (python3-botocore). See tests/fakeaws/ctl."""
import argparse
import datetime
import hmac
import json
import os
import re
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.session  # noqa: E402
from botocore.auth import S3SigV4Auth, SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest, HTTPHeaders  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from protocols import AwsError, parse_request, render_error, render_result, request_id  # noqa: E402
from services import ACCOUNT, Services  # noqa: E402

ACCESS_KEY = os.environ.get('FAKEAWS_ACCESS_KEY', 'AKIDFAKEEXAMPLE0001')
SECRET_KEY = os.environ.get('FAKEAWS_SECRET_KEY', 'fakeSecretKey/0123456789+abcdefghijklmnop')
READONLY_KEY = 'AKIDFAKEREADONLY0001'  # same secret; every mutating call is AccessDenied
SIGNING_TO_MODEL = {'rds': 'rds', 'route53': 'route53', 'elasticloadbalancing': 'elbv2', 's3': 's3',
                    'lambda': 'lambda', 'events': 'events', 'sqs': 'sqs', 'monitoring': 'cloudwatch',
                    'sts': 'sts'}
THROTTLE = {'s3': ('SlowDown', 503), 'lambda': ('TooManyRequestsException', 429),
            'events': ('ThrottlingException', 400)}
READ_OPS = re.compile(r'^(Describe|List|Get|Head)')


class Fake:
    def __init__(self, region):
        self.session = botocore.session.get_session()
        self.models = {}
        self.region = region
        self.endpoint = None
        self.services = None
        self.keys = {ACCESS_KEY: (SECRET_KEY, None, 'arn:aws:iam::%s:user/tester' % ACCOUNT),
                     READONLY_KEY: (SECRET_KEY, None, 'arn:aws:iam::%s:user/readonly' % ACCOUNT)}
        self.imds_tokens = {}
        self.inject = []
        self.log = []
        self.lock = threading.Lock()

    def model(self, name):
        if name not in self.models:
            self.models[name] = self.session.get_service_model(name)
        return self.models[name]

    def issue(self, principal):
        akid = 'ASIA' + secrets.token_hex(8).upper()
        cred = {'AccessKeyId': akid, 'SecretAccessKey': secrets.token_urlsafe(30),
                'SessionToken': 'FQoG' + secrets.token_urlsafe(90),
                'Expiration': datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)}
        with self.lock:
            self.keys[akid] = (cred['SecretAccessKey'], cred['SessionToken'], principal)
        return cred

    def take_injection(self, service, op):
        with self.lock:
            for rule in self.inject:
                if rule.get('service') not in (None, service) or rule.get('op') not in (None, op):
                    continue
                if rule.get('count', 1) <= 0:
                    continue
                rule['count'] = rule.get('count', 1) - 1
                return dict(rule)
        return None


FAKE = None


def _sig_error(model_name, msg, kind='mismatch'):
    err = _sig_error_of(model_name, msg, kind)
    err.model_name = model_name  # answer in that service's error shape
    return err


def _sig_error_of(model_name, msg, kind):
    proto = FAKE.model(model_name).metadata['protocol'] if model_name else 'query'
    if kind == 'incomplete':
        return AwsError('IncompleteSignature', msg, 400)
    if kind == 'key':
        code = {'json': 'UnrecognizedClientException', 'rest-json': 'UnrecognizedClientException'}.get(
            proto, 'InvalidClientTokenId')
        if model_name == 's3':
            code = 'InvalidAccessKeyId'
        return AwsError(code, msg, 403)
    code = 'InvalidSignatureException' if proto in ('json', 'rest-json') else 'SignatureDoesNotMatch'
    return AwsError(code, msg, 403)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fakeaws'

    def log_message(self, fmt, *args):
        sys.stderr.write('%s %s\n' % (self.address_string(), fmt % args))

    def do_GET(self):
        self.handle_any()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_GET

    def send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def send_json(self, status, obj):
        self.send(status, {'Content-Type': 'application/json'}, json.dumps(obj, default=str).encode())

    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        url = urlsplit(self.path)
        if url.path.startswith('/_fake/'):
            return self.control(url, body)
        if url.path.startswith('/latest/'):
            return self.imds(url)
        rid = request_id()
        model = None
        try:
            akid, model_name, principal = self.verify(url, body)
            model = FAKE.model(model_name)
            op, params = parse_request(model, self.command, url.path, url.query,
                                       {k.lower(): v for k, v in self.headers.items()}, body)
            with FAKE.lock:
                FAKE.log.append({'service': model_name, 'op': op.name, 'params': params, 'akid': akid,
                                 'ts': time.time()})
            rule = FAKE.take_injection(model_name, op.name)
            if rule:
                res = self.injected(rule, model_name, op.name)
                if res == 'dropped':
                    return
            if akid == READONLY_KEY and not READ_OPS.match(op.name):
                raise AwsError('AccessDenied' if model.metadata['protocol'] not in ('json', 'rest-json')
                               else 'AccessDeniedException',
                               'User: %s is not authorized to perform: %s:%s on resource: *'
                               % (principal, model.metadata.get('signingName', model.metadata['endpointPrefix']),
                                  op.name), 403)
            ctx = {'endpoint': FAKE.endpoint, 'akid': akid, 'principal': principal, 'issue': FAKE.issue}
            result = FAKE.services.call(model_name, op.name, params, ctx)
            self.send(*render_result(model, op, result, rid))
        except AwsError as e:
            if model is None and getattr(e, 'model_name', None):
                model = FAKE.model(e.model_name)
            self.send(*render_error(model, e, rid))

    def injected(self, rule, service, op):
        kind = rule['kind']
        if kind == 'slow':
            time.sleep(float(rule.get('delay', 2)))
            return None
        if kind == 'drop':
            self.close_connection = True
            self.connection.close()
            return 'dropped'
        if kind == 'throttle':
            code, status = THROTTLE.get(service, ('Throttling', 400))
            raise AwsError(code, 'Rate exceeded', status)
        if kind == '5xx':
            status = int(rule.get('status', 500))
            code = {500: 'InternalFailure', 503: 'ServiceUnavailable'}.get(status, 'InternalFailure')
            if service == 's3' and status == 500:
                code = 'InternalError'
            raise AwsError(code, 'We encountered an internal error. Please try again.', status, sender=False)
        if kind == 'denied':
            raise AwsError('AccessDenied', 'User is not authorized to perform: %s' % op, 403)
        raise AwsError('InternalFailure', 'unknown injection %s' % kind, 500)

    def verify(self, url, body):
        """Recomputes the SigV4 signature with botocore; returns (akid, model name, principal)."""
        auth = self.headers.get('Authorization')
        if not auth:
            raise AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403)
        if not auth.startswith('AWS4-HMAC-SHA256 '):
            raise AwsError('IncompleteSignature', 'Unsupported Authorization Type', 400)
        parts = {}
        for kv in auth[len('AWS4-HMAC-SHA256 '):].split(','):
            k, _, v = kv.strip().partition('=')
            parts[k] = v
        missing = [k for k in ('Credential', 'SignedHeaders', 'Signature') if not parts.get(k)]
        if missing:
            raise _sig_error(None, "Authorization header requires '%s' parameter. Authorization=%s"
                             % (missing[0], auth.split(' ')[0]), 'incomplete')
        scope = parts['Credential'].split('/')
        if len(scope) != 5 or scope[4] != 'aws4_request':
            raise _sig_error(None, 'Credential should be scoped to a valid region and service.', 'incomplete')
        akid, date, region, signing, _ = scope
        model_name = SIGNING_TO_MODEL.get(signing)
        if not model_name:
            raise _sig_error(None, 'Credential should be scoped to correct service: %s' % signing)
        amz_date = self.headers.get('X-Amz-Date')
        if not amz_date:
            raise _sig_error(model_name, "Authorization header requires existence of either a 'X-Amz-Date' "
                             "or a 'Date' header.", 'incomplete')
        signed = parts['SignedHeaders'].split(';')
        if 'host' not in signed:
            raise _sig_error(model_name, "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                             "Authorization.", 'incomplete')
        if date != amz_date[:8]:
            raise _sig_error(model_name, 'Date in Credential scope does not match YYYYMMDD from ISO-8601 '
                             'version of date from HTTP: %s != %s' % (date, amz_date[:8]))
        # Route53 is global (signed for us-east-1); SDKs given a custom endpoint sign with their region.
        if region != FAKE.region and not (model_name == 'route53' and region == 'us-east-1'):
            raise _sig_error(model_name, "Credential should be scoped to a valid region, not '%s'." % region)
        try:
            t = datetime.datetime.strptime(amz_date, '%Y%m%dT%H%M%SZ').replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise _sig_error(model_name, 'Invalid X-Amz-Date %s' % amz_date, 'incomplete')
        if abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) > 900:
            if model_name == 's3':
                raise AwsError('RequestTimeTooSkewed', 'The difference between the request time and the '
                               'current time is too large.', 403)
            raise _sig_error(model_name, 'Signature expired: %s is now earlier or later than 15 min from now.'
                             % amz_date)
        with FAKE.lock:
            key = FAKE.keys.get(akid)
        if not key:
            raise _sig_error(model_name, 'The security token included in the request is invalid.', 'key')
        secret, token, principal = key
        if token is not None and self.headers.get('X-Amz-Security-Token') != token:
            raise _sig_error(model_name, 'The security token included in the request is invalid.', 'key')
        hdrs = HTTPHeaders()
        for h in signed:
            vals = self.headers.get_all(h)
            if vals is None:
                raise _sig_error(model_name, 'Signed header %s is missing from the request.' % h)
            for v in vals:
                hdrs[h] = v
        if model_name == 's3':
            sha = self.headers.get('X-Amz-Content-SHA256')
            if not sha:
                raise AwsError('InvalidRequest', 'Missing required header for this request: '
                               'x-amz-content-sha256', 400)
            import hashlib
            if sha != 'UNSIGNED-PAYLOAD' and sha != hashlib.sha256(body).hexdigest():
                raise AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header "
                               "does not match what was computed.", 400)
        req = AWSRequest(method=self.command, url='http://%s%s' % (self.headers.get('Host'), self.path),
                         headers=hdrs, data=body)
        req.context['timestamp'] = amz_date
        signer = (S3SigV4Auth if model_name == 's3' else SigV4Auth)(Credentials(akid, secret, token),
                                                                     signing, region)
        canonical = signer.canonical_request(req)
        sts = signer.string_to_sign(req, canonical)
        if not hmac.compare_digest(signer.signature(sts, req), parts['Signature']):
            raise _sig_error(model_name, 'The request signature we calculated does not match the signature '
                             'you provided. Check your AWS Secret Access Key and signing method. Consult the '
                             'service documentation for details.\n\nThe Canonical String for this request '
                             "should have been\n'%s'\n\nThe String-to-Sign should have been\n'%s'\n"
                             % (canonical, sts))
        return akid, model_name, principal

    def imds(self, url):
        if url.path == '/latest/api/token':
            ttl = self.headers.get('X-aws-ec2-metadata-token-ttl-seconds')
            if self.command != 'PUT' or not ttl or not ttl.isdigit():
                return self.send(400, {}, b'Bad Request')
            tok = secrets.token_urlsafe(32)
            FAKE.imds_tokens[tok] = time.time() + int(ttl)
            return self.send(200, {'Content-Type': 'text/plain',
                                   'X-aws-ec2-metadata-token-ttl-seconds': ttl}, tok.encode())
        tok = self.headers.get('X-aws-ec2-metadata-token')
        if FAKE.imds_tokens.get(tok, 0) < time.time():
            return self.send(401, {}, b'Unauthorized')  # IMDSv1 is off on this "instance"
        base = '/latest/meta-data/iam/security-credentials/'
        if url.path == base:
            return self.send(200, {'Content-Type': 'text/plain'}, b'bastion-role')
        if url.path == base + 'bastion-role':
            c = FAKE.issue('arn:aws:sts::%s:assumed-role/bastion-role/i-0fake' % ACCOUNT)
            doc = {'Code': 'Success', 'LastUpdated': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                   'Type': 'AWS-HMAC', 'AccessKeyId': c['AccessKeyId'], 'SecretAccessKey': c['SecretAccessKey'],
                   'Token': c['SessionToken'], 'Expiration': c['Expiration'].strftime('%Y-%m-%dT%H:%M:%SZ')}
            return self.send_json(200, doc)
        if url.path == '/latest/meta-data/placement/region':
            return self.send(200, {'Content-Type': 'text/plain'}, FAKE.region.encode())
        return self.send(404, {}, b'Not Found')

    def control(self, url, body):
        """/_fake/inject (POST JSON rule), /_fake/reset, /_fake/state, /_fake/log[?clear=1]."""
        what = url.path[len('/_fake/'):]
        if what == 'inject':
            rule = json.loads(body or b'{}')
            if rule.get('kind') not in ('throttle', '5xx', 'slow', 'drop', 'denied'):
                return self.send_json(400, {'error': 'kind must be throttle|5xx|slow|drop|denied'})
            with FAKE.lock:
                FAKE.inject.append(rule)
            return self.send_json(200, {'ok': True})
        if what == 'reset':
            FAKE.services.reset()
            with FAKE.lock:
                FAKE.inject.clear()
                FAKE.log.clear()
            return self.send_json(200, {'ok': True})
        if what == 'state':
            with FAKE.services.lock:
                return self.send_json(200, FAKE.services.state)
        if what == 'log':
            with FAKE.lock:
                out = list(FAKE.log)
                if 'clear' in parse_qs(url.query):
                    FAKE.log.clear()
            return self.send_json(200, out)
        return self.send_json(404, {'error': 'unknown control ' + what})


def main():
    global FAKE
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    ap.add_argument('--region', default='ap-northeast-1')
    a = ap.parse_args()
    FAKE = Fake(a.region)
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    FAKE.endpoint = 'http://127.0.0.1:%d' % port
    FAKE.services = Services(a.region, FAKE.endpoint)
    if a.port_file:
        tmp = a.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % port)
        os.rename(tmp, a.port_file)
    else:
        print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
