"""Wire protocols of the fake AWS endpoint: requests parsed and responses written
from botocore's service models (query, json, rest-json, rest-xml), so a request the
real service would reject is rejected here with the same error shape."""
import base64
import datetime
import json
import re
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, unquote

from botocore.validate import ParamValidator

MISSING = object()


class AwsError(Exception):
    """An error answer: code, message, HTTP status, optional extra fields."""

    def __init__(self, code, message, status=400, sender=True, **extra):
        super().__init__(message)
        self.code, self.message, self.status, self.sender = code, message, status, sender
        self.extra = extra


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


# --- scalars ---------------------------------------------------------------

def _scalar_in(shape, text, where):
    t = shape.type_name
    try:
        if t in ('integer', 'long'):
            return int(text)
        if t in ('float', 'double'):
            return float(text)
        if t == 'boolean':
            if text not in ('true', 'false'):
                raise ValueError(text)
            return text == 'true'
        if t == 'timestamp':
            return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
        if t == 'blob':
            return base64.b64decode(text)
    except ValueError:
        raise AwsError('ValidationError', "Invalid value '%s' for %s: expected %s" % (text, where, t))
    return text


def _scalar_out_text(shape, value):
    t = shape.type_name
    if t == 'boolean':
        return 'true' if value else 'false'
    if t == 'timestamp':
        if isinstance(value, (int, float)):
            value = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
        return value.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'
    if t == 'blob':
        return base64.b64encode(value).decode()
    return str(value)


# --- query protocol ----------------------------------------------------------

def _q_value(shape, flat, p, used):
    t = shape.type_name
    if t == 'structure':
        if not any(k.startswith(p + '.') for k in flat):
            return MISSING
        return _q_struct(shape, flat, p, used)
    if t == 'list':
        if flat.get(p) == '':
            used.add(p)
            return []
        mname = shape.member.serialization.get('name')
        if shape.serialization.get('flattened'):
            lp = '.'.join(p.split('.')[:-1] + [mname]) if mname else p
        else:
            lp = p + '.' + (mname or 'member')
        items = []
        while True:
            v = _q_value(shape.member, flat, '%s.%d' % (lp, len(items) + 1), used)
            if v is MISSING:
                break
            items.append(v)
        return items if items else MISSING
    if t == 'map':
        base = p if shape.serialization.get('flattened') else p + '.entry'
        kn = shape.key.serialization.get('name', 'key')
        vn = shape.value.serialization.get('name', 'value')
        out, i = {}, 1
        while True:
            k = _q_value(shape.key, flat, '%s.%d.%s' % (base, i, kn), used)
            if k is MISSING:
                break
            v = _q_value(shape.value, flat, '%s.%d.%s' % (base, i, vn), used)
            out[k] = None if v is MISSING else v
            i += 1
        return out if out else MISSING
    if p in flat:
        used.add(p)
        return _scalar_in(shape, flat[p], p)
    return MISSING


def _q_struct(shape, flat, prefix, used):
    out = {}
    for name, m in shape.members.items():
        sname = m.serialization.get('name') or name
        v = _q_value(m, flat, prefix + '.' + sname if prefix else sname, used)
        if v is not MISSING:
            out[name] = v
    return out


def parse_query(op, flat):
    used = {'Action', 'Version'}
    params = _q_struct(op.input_shape, flat, '', used) if op.input_shape else {}
    unknown = sorted(set(flat) - used)
    if unknown:
        raise AwsError('InvalidParameterValue', 'Unknown parameter in input: "%s", must be one of: %s'
                       % (unknown[0], ', '.join(op.input_shape.members) if op.input_shape else ''))
    return params


# --- XML in and out ----------------------------------------------------------

def _tag(el):
    return el.tag.split('}', 1)[-1]


def _member_key(m, name):
    if m.type_name == 'list' and m.serialization.get('flattened') and m.member.serialization.get('name'):
        return m.member.serialization['name']
    return m.serialization.get('name', name)


def _x_value(shape, el, where):
    t = shape.type_name
    if t == 'structure':
        return _x_struct(shape, list(el), where)
    if t == 'list':
        return [_x_value(shape.member, c, where) for c in el]
    if t == 'map':
        raise AwsError('MalformedXML', 'maps not supported in request XML')
    return _scalar_in(shape, el.text or '', where)


def _x_struct(shape, children, where):
    by_key = {}
    for name, m in shape.members.items():
        if 'location' not in m.serialization:
            by_key[_member_key(m, name)] = (name, m)
    out = {}
    for c in children:
        hit = by_key.get(_tag(c))
        if not hit:
            raise AwsError('MalformedXML', 'Unexpected element %s in %s' % (_tag(c), where))
        name, m = hit
        if m.type_name == 'list' and m.serialization.get('flattened'):
            out.setdefault(name, []).append(_x_value(m.member, c, name))
        else:
            out[name] = _x_value(m, c, name)
    return out


def _x_build(parent, name, shape, value):
    t = shape.type_name
    if t == 'list' and shape.serialization.get('flattened'):
        for item in value:
            _x_build(parent, name, shape.member, item)
        return
    if t == 'map' and shape.serialization.get('flattened'):
        kn = shape.key.serialization.get('name', 'key')
        vn = shape.value.serialization.get('name', 'value')
        for k, v in value.items():
            e = ET.SubElement(parent, name)
            _x_build(e, kn, shape.key, k)
            _x_build(e, vn, shape.value, v)
        return
    el = ET.SubElement(parent, name)
    if t == 'structure':
        _x_fill(el, shape, value)
    elif t == 'list':
        for item in value:
            _x_build(el, shape.member.serialization.get('name', 'member'), shape.member, item)
    elif t == 'map':
        kn = shape.key.serialization.get('name', 'key')
        vn = shape.value.serialization.get('name', 'value')
        for k, v in value.items():
            e = ET.SubElement(el, 'entry')
            _x_build(e, kn, shape.key, k)
            _x_build(e, vn, shape.value, v)
    else:
        el.text = _scalar_out_text(shape, value)


def _x_fill(el, shape, value):
    for name, m in shape.members.items():
        if name in value and value[name] is not None and 'location' not in m.serialization:
            _x_build(el, _member_key(m, name), m, value[name])


def _xml_bytes(root):
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)


# --- JSON in and out ---------------------------------------------------------

def _j_out(shape, value):
    t = shape.type_name
    if t == 'structure':
        return {shape.members[k].serialization.get('name', k): _j_out(shape.members[k], v)
                for k, v in value.items() if v is not None and k in shape.members
                and 'location' not in shape.members[k].serialization}
    if t == 'list':
        return [_j_out(shape.member, v) for v in value]
    if t == 'map':
        return {k: _j_out(shape.value, v) for k, v in value.items()}
    if t == 'timestamp':
        return value.timestamp() if isinstance(value, datetime.datetime) else value
    if t == 'blob':
        return base64.b64encode(value).decode()
    return value


def _j_in(shape, value):
    """JSON types to Python; timestamps stay numbers (the validator accepts them)."""
    if shape.type_name == 'structure' and isinstance(value, dict):
        return {k: (_j_in(shape.members[k], v) if k in shape.members else v) for k, v in value.items()}
    if shape.type_name == 'list' and isinstance(value, list):
        return [_j_in(shape.member, v) for v in value]
    return value


# --- REST routing ------------------------------------------------------------

def _uri_regex(uri):
    path, _, query = uri.partition('?')
    rx = ''
    for part in re.split(r'(\{[^}]+\})', path):
        if part.startswith('{'):
            name = part[1:-1]
            greedy = name.endswith('+')
            name = name.rstrip('+')
            rx += '(?P<%s>%s)' % (name, '.+' if greedy else '[^/]+')
        else:
            rx += re.escape(part)
    if rx.endswith('/') and len(rx) > 1:
        rx = rx[:-1] + '/?'
    return re.compile('^' + rx + '$'), [q.split('=')[0] for q in query.split('&') if q]


def match_rest_op(model, method, path, query):
    best = None
    for opname in model.operation_names:
        op = model.operation_model(opname)
        if op.http.get('method') != method:
            continue
        rx, needq = _uri_regex(op.http['requestUri'])
        m = rx.match(path)
        if not m or any(q not in query for q in needq):
            continue
        score = (len(needq), len(op.http['requestUri']) - 10 * len(m.groupdict()))
        if not best or score > best[0]:
            best = (score, op, m.groupdict())
    if not best:
        raise AwsError('UnknownOperationException', 'No operation matches %s %s' % (method, path), 404)
    return best[1], best[2]


def parse_rest(op, labels, query, headers, body, protocol):
    shape = op.input_shape
    params = {}
    if shape is None:
        return params
    payload = shape.serialization.get('payload')
    body_members = []
    for name, m in shape.members.items():
        loc = m.serialization.get('location')
        key = m.serialization.get('name', name)
        if loc == 'uri':
            if key in labels:
                params[name] = unquote(labels[key])
        elif loc == 'querystring':
            if key in query:
                params[name] = _scalar_in(m, query[key][0], name) if m.type_name != 'list' else query[key]
        elif loc == 'header':
            if key.lower() in headers:
                params[name] = _scalar_in(m, headers[key.lower()], name)
        elif loc is None and name != payload:
            body_members.append(name)
    if payload:
        m = shape.members[payload]
        if m.type_name == 'structure':
            if body:
                root = _parse_xml(body)
                params[payload] = _x_struct(m, list(root), payload)
        elif body:
            params[payload] = body
    elif body_members and body:
        if protocol == 'rest-json':
            try:
                doc = json.loads(body)
            except ValueError:
                raise AwsError('SerializationException', 'Request body is not valid JSON')
            params.update(_j_in(shape, doc))
        else:
            params.update(_x_struct(shape, list(_parse_xml(body)), shape.name))
    return params


def _parse_xml(body):
    try:
        return ET.fromstring(body)
    except ET.ParseError as e:
        raise AwsError('MalformedXML', 'The XML you provided was not well-formed: %s' % e)


def validate(op, params):
    if op.input_shape is None:
        return
    report = ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        text = report.generate_report()
        code = 'MissingParameter' if 'Missing required parameter' in text else 'ValidationError'
        raise AwsError(code, text.replace('\n', ' '))


# --- requests and answers, by protocol ---------------------------------------

def parse_request(model, method, path, query_string, headers, body):
    """Returns (operation model, params) or raises AwsError."""
    proto = model.metadata['protocol']
    if proto == 'query':
        flat = dict(parse_qsl(query_string, keep_blank_values=True))
        if body:
            flat.update(parse_qsl(body.decode(), keep_blank_values=True))
        action = flat.get('Action')
        if not action or action not in model.operation_names:
            raise AwsError('InvalidAction', 'Could not find operation %s for version %s'
                           % (action, flat.get('Version')))
        if flat.get('Version') != model.metadata['apiVersion']:
            raise AwsError('InvalidParameterValue', 'Unsupported Version %s' % flat.get('Version'))
        op = model.operation_model(action)
        params = parse_query(op, flat)
    elif proto == 'json':
        target = headers.get('x-amz-target', '')
        prefix, _, action = target.partition('.')
        if prefix != model.metadata.get('targetPrefix') or action not in model.operation_names:
            raise AwsError('UnknownOperationException', 'Unknown operation %s' % target)
        op = model.operation_model(action)
        try:
            params = json.loads(body or b'{}')
        except ValueError:
            raise AwsError('SerializationException', 'Request body is not valid JSON')
        params = _j_in(op.input_shape, params) if op.input_shape else params
    else:
        query = {}
        for k, v in parse_qsl(query_string, keep_blank_values=True):
            query.setdefault(k, []).append(v)
        op, labels = match_rest_op(model, method, path, query)
        params = parse_rest(op, labels, query, headers, body, proto)
    validate(op, params)
    return op, params


def request_id():
    return str(uuid.uuid4())


def render_result(model, op, result, rid):
    """(status, headers, body bytes) for a successful call."""
    proto = model.metadata['protocol']
    shape = op.output_shape
    result = result or {}
    status = op.http.get('responseCode', 200)
    if proto == 'query':
        ns = model.metadata.get('xmlNamespace')
        root = ET.Element(op.name + 'Response', {'xmlns': ns} if ns else {})
        if shape is not None:
            wrap = ET.SubElement(root, shape.serialization.get('resultWrapper', op.name + 'Result'))
            _x_fill(wrap, shape, result)
        meta = ET.SubElement(root, 'ResponseMetadata')
        ET.SubElement(meta, 'RequestId').text = rid
        return status, {'Content-Type': 'text/xml', 'x-amzn-RequestId': rid}, _xml_bytes(root)
    hdrs = {'x-amzn-RequestId': rid}
    if shape is None:
        return status, hdrs, b''
    for name, m in shape.members.items():
        if m.serialization.get('location') == 'header' and result.get(name) is not None:
            hdrs[m.serialization.get('name', name)] = _scalar_out_text(m, result[name])
    if proto in ('json', 'rest-json'):
        hdrs['Content-Type'] = 'application/x-amz-json-1.1' if proto == 'json' else 'application/json'
        return status, hdrs, json.dumps(_j_out(shape, result)).encode()
    hdrs['Content-Type'] = 'application/xml'
    payload = shape.serialization.get('payload')
    ns = {'xmlns': 'http://s3.amazonaws.com/doc/2006-03-01/'} if model.service_name == 's3' else \
        {'xmlns': 'https://route53.amazonaws.com/doc/%s/' % model.metadata['apiVersion']}
    if payload:
        m = shape.members[payload]
        if m.type_name != 'structure':
            return status, hdrs, result.get(payload, b'')
        root = ET.Element(m.serialization.get('name', payload), ns)
        _x_fill(root, m, result.get(payload, {}))
    else:
        root = ET.Element(shape.serialization.get('name', shape.name), ns)
        _x_fill(root, shape, result)
    return status, hdrs, _xml_bytes(root)


def render_error(model, err, rid):
    """(status, headers, body bytes) in the error shape of the service's protocol."""
    proto = model.metadata['protocol'] if model else 'query'
    hdrs = {'x-amzn-RequestId': rid}
    if proto in ('json', 'rest-json'):
        hdrs['Content-Type'] = 'application/json'
        hdrs['x-amzn-ErrorType'] = err.code
        body = {'__type': err.code, 'message': err.message}
        if proto == 'rest-json':
            body = {'Type': 'User' if err.sender else 'Service', 'message': err.message}
        return err.status, hdrs, json.dumps(body).encode()
    hdrs['Content-Type'] = 'text/xml'
    if model is not None and model.service_name == 's3':
        root = ET.Element('Error')
        ET.SubElement(root, 'Code').text = err.code
        ET.SubElement(root, 'Message').text = err.message
        for k, v in err.extra.items():
            ET.SubElement(root, k).text = str(v)
        ET.SubElement(root, 'RequestId').text = rid
        return err.status, hdrs, _xml_bytes(root)
    ns = {'xmlns': 'https://route53.amazonaws.com/doc/2013-04-01/'} if model and model.service_name == 'route53' else {}
    root = ET.Element('ErrorResponse', ns)
    e = ET.SubElement(root, 'Error')
    ET.SubElement(e, 'Type').text = 'Sender' if err.sender else 'Receiver'
    ET.SubElement(e, 'Code').text = err.code
    ET.SubElement(e, 'Message').text = err.message
    ET.SubElement(root, 'RequestId').text = rid
    return err.status, hdrs, _xml_bytes(root)
