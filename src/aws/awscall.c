/* AWS request building per protocol, signing, standard-mode retries and error parsing. */
#include "config.h"
#include "aws/awscall.h"
#include "aws/awshttp.h"
#include "aws/awsxml.h"
#include "aws/sigv4.h"
#include "core/secret.h"
#include "core/util.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cfg_attempts;
static double cfg_backoff = -1, cfg_timeout = 60;

void awscall_configure(int max_attempts, double max_backoff, double timeout)
{
	if (max_attempts > 0)
		cfg_attempts = max_attempts;
	if (max_backoff >= 0)
		cfg_backoff = max_backoff;
	if (timeout > 0)
		cfg_timeout = timeout;
}

static int max_attempts(void)
{
	if (cfg_attempts > 0)
		return cfg_attempts;
	const char *e = getenv("AWS_MAX_ATTEMPTS");
	int n = e ? atoi(e) : 0;
	return n > 0 ? n : 3;
}

static double max_backoff(void)
{
	if (cfg_backoff >= 0)
		return cfg_backoff;
	const char *e = getenv("TEJUN_AWS_MAX_BACKOFF");
	return e ? atof(e) : 20.0;
}

static const char *const throttle_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
	"SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", NULL,
};
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable", NULL,
};

static int in_list(const char *const *list, const char *code)
{
	for (; code && *list; list++)
		if (strcmp(*list, code) == 0)
			return 1;
	return 0;
}

int awscall_is_throttle(const char *code)
{
	return in_list(throttle_codes, code);
}

int awscall_is_not_found(const char *code)
{
	if (!code)
		return 0;
	size_t n = strlen(code);
	return strncmp(code, "NoSuch", 6) == 0 || (n > 8 && strcmp(code + n - 8, "NotFound") == 0) ||
	       strstr(code, "NotFoundFault") || strstr(code, "NotFoundException") || strstr(code, "NonExistent");
}

int awscall_is_denied(const char *code)
{
	return code && (strcmp(code, "AccessDenied") == 0 || strcmp(code, "AccessDeniedException") == 0 ||
			strcmp(code, "UnauthorizedOperation") == 0);
}

char *awscall_endpoint(const struct awsops_service *svc, const char *region)
{
	char *name = xasprintf("AWS_ENDPOINT_URL_%s", svc->env);
	const char *e = getenv(name);
	free(name);
	if (!e || !*e)
		e = getenv("AWS_ENDPOINT_URL");
	char *url;
	if (e && *e) {
		url = xstrdup(e);
	} else {
		const char *pct = strstr(svc->host, "%s"); /* the table's host: "rds.%s.amazonaws.com" */
		url = pct ? xasprintf("https://%.*s%s%s", (int)(pct - svc->host), svc->host, region, pct + 2)
			  : xasprintf("https://%s", svc->host);
	}
	size_t n = strlen(url);
	while (n && url[n - 1] == '/')
		url[--n] = 0;
	return url;
}

static void enc(struct sbuf *b, const char *s)
{
	sigv4_uri_encode(b, s, strlen(s), false);
}

static char *scalar(json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.15g", json_real_value(v));
	return NULL;
}

/* Query protocol: nested values become Name.member.1.Field=... pairs. */
static void flatten(struct sbuf *b, const char *prefix, const char *key, json_t *v, const struct awsops_op *op)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c) {
			char *p = *prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
			flatten(b, p, k, c, op);
			free(p);
		}
	} else if (json_is_array(v)) {
		if (json_array_size(v) == 0) {
			sbuf_adds(b, "&");
			enc(b, prefix);
			sbuf_adds(b, "=");
			return;
		}
		bool flat;
		char *item = xstrdup(awsops_list_item(op, key, &flat));
		char *base;
		if (flat) {
			const char *dot = strrchr(prefix, '.');
			base = dot ? xasprintf("%.*s.%s", (int)(dot - prefix), prefix, item) : xstrdup(item);
		} else {
			base = xasprintf("%s.%s", prefix, item);
		}
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c) {
			char *p = xasprintf("%s.%zu", base, i + 1);
			flatten(b, p, item, c, op);
			free(p);
		}
		free(base);
		free(item);
	} else {
		char *s = scalar(v);
		if (!s)
			return;
		sbuf_adds(b, "&");
		enc(b, prefix);
		sbuf_adds(b, "=");
		enc(b, s);
		free(s);
	}
}

struct request {
	const char *method;
	struct sbuf path, query, body;
	const char *content_type;
	char *target; /* X-Amz-Target */
};

/* REST: fill {Labels} of the path and the optional ?k={Param} query from params (taken out). */
static int build_rest(struct request *rq, const struct awsops_op *op, json_t *params, char **err)
{
	const char *t = op->http;
	size_t ml = strcspn(t, " ");
	rq->method = op->http[0] == 'G' ? "GET" : op->http[0] == 'D' ? "DELETE" : op->http[1] == 'U' ? "PUT" : "POST";
	t += ml + 1;
	const char *q = strchr(t, '?');
	const char *pend = q ? q : t + strlen(t);
	for (const char *p = t; p < pend;) {
		if (*p != '{') {
			sbuf_add(&rq->path, p++, 1);
			continue;
		}
		const char *e = strchr(p, '}');
		char *name = xstrndup(p + 1, (size_t)(e - p - 1));
		char *v = scalar(json_object_get(params, name));
		if (!v) {
			*err = xasprintf("%s: missing required parameter %s", op->name, name);
			free(name);
			return -1;
		}
		const char *val = v;
		if (strcmp(op->svc->name, "route53") == 0 && strrchr(v, '/'))
			val = strrchr(v, '/') + 1; /* "/hostedzone/Z1" and "/change/C1" are accepted too */
		enc(&rq->path, val);
		json_object_del(params, name);
		free(name);
		free(v);
		p = e + 1;
	}
	for (const char *p = q ? q + 1 : NULL; p && *p;) {
		size_t l = strcspn(p, "&");
		const char *eq = memchr(p, '=', l), *br = eq ? memchr(eq, '{', l - (size_t)(eq - p)) : NULL;
		if (!br) { /* literal subresource, e.g. ?website */
			sbuf_addf(&rq->query, "%s%.*s=", rq->query.len ? "&" : "", (int)(eq ? eq - p : (long)l), p);
		} else {
			char *name = xstrndup(br + 1, l - (size_t)(br - p) - 2);
			char *v = scalar(json_object_get(params, name));
			if (v) {
				sbuf_addf(&rq->query, "%s%.*s=", rq->query.len ? "&" : "", (int)(eq - p), p);
				enc(&rq->query, v);
				json_object_del(params, name);
			}
			free(v);
			free(name);
		}
		p += l + (p[l] == '&');
	}
	if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "DELETE") == 0)
		return 0;
	if (op->svc->proto == AWSOPS_REST_JSON) {
		char *j = json_dumps(params, JSON_COMPACT);
		sbuf_adds(&rq->body, j);
		free(j);
		rq->content_type = "application/json";
	} else if (op->root && op->root[0] == '=') {
		json_t *payload = json_object_get(params, op->root + 1);
		if (!payload) {
			*err = xasprintf("%s: missing required parameter %s", op->name, op->root + 1);
			return -1;
		}
		awsxml_write(&rq->body, op->root + 1, payload, op);
		rq->content_type = "application/xml";
	} else if (op->root) {
		awsxml_write(&rq->body, op->root, params, op);
		rq->content_type = "application/xml";
	}
	return 0;
}

static int build(struct request *rq, const struct awsops_op *op, json_t *params, char **err)
{
	sbuf_init(&rq->path);
	sbuf_init(&rq->query);
	sbuf_init(&rq->body);
	switch (op->svc->proto) {
	case AWSOPS_QUERY:
		rq->method = "POST";
		sbuf_adds(&rq->path, "/");
		sbuf_addf(&rq->body, "Action=%s&Version=%s", awsops_action(op), op->svc->version);
		flatten(&rq->body, "", "", params, op);
		rq->content_type = "application/x-www-form-urlencoded; charset=utf-8";
		return 0;
	case AWSOPS_JSON: {
		rq->method = "POST";
		sbuf_adds(&rq->path, "/");
		char *j = json_dumps(params, JSON_COMPACT);
		sbuf_adds(&rq->body, j);
		free(j);
		rq->content_type = "application/x-amz-json-1.1";
		rq->target = xasprintf("%s.%s", op->svc->version, awsops_action(op));
		return 0;
	}
	default:
		return build_rest(rq, op, params, err);
	}
}

static void request_free(struct request *rq)
{
	sbuf_free(&rq->path);
	sbuf_free(&rq->query);
	sbuf_free(&rq->body);
	free(rq->target);
}

static char *dup_json_str(json_t *v)
{
	const char *s = json_string_value(v);
	return s ? xstrdup(s) : NULL;
}

/* Fills res->code/message from an error answer in any of the four protocols. */
static void parse_error(const struct awsops_op *op, struct awshttp_resp *r, struct awscall_result *res)
{
	const char *body = r->body.data ? r->body.data : "";
	if (op->svc->proto == AWSOPS_JSON || op->svc->proto == AWSOPS_REST_JSON) {
		json_t *j = json_loads(body, 0, NULL);
		const char *t = r->error_type ? r->error_type : json_string_value(json_object_get(j, "__type"));
		if (!t)
			t = json_string_value(json_object_get(j, "code"));
		if (t) {
			const char *h = strrchr(t, '#');
			res->code = xstrndup(h ? h + 1 : t, strcspn(h ? h + 1 : t, ":"));
		}
		json_t *m = json_object_get(j, "message");
		res->message = dup_json_str(m ? m : json_object_get(j, "Message"));
		json_decref(j);
	} else {
		char *err = NULL;
		json_t *d = awsxml_parse(body, strlen(body), &err);
		free(err);
		json_t *e = json_object_get(d, "Error");
		if (!e)
			e = d;
		res->code = dup_json_str(json_object_get(e, "Code"));
		res->message = dup_json_str(json_object_get(e, "Message"));
		json_decref(d);
	}
	if (!res->code)
		res->code = xasprintf("HTTP%ld", r->status);
	if (!res->message)
		res->message = xasprintf("HTTP status %ld", r->status);
}

static int parse_ok(const struct awsops_op *op, struct awshttp_resp *r, struct awscall_result *res)
{
	const char *body = r->body.data ? r->body.data : "";
	char *err = NULL;
	if (!*body) {
		res->doc = json_object();
	} else if (op->svc->proto == AWSOPS_JSON || op->svc->proto == AWSOPS_REST_JSON) {
		json_error_t je;
		res->doc = json_loads(body, 0, &je);
		if (!res->doc)
			err = xasprintf("malformed JSON answer: %s", je.text);
	} else {
		json_t *d = awsxml_parse(body, r->body.len, &err);
		char *wrap = xasprintf("%sResult", awsops_action(op));
		json_t *inner = json_object_get(d, wrap);
		free(wrap);
		res->doc = inner && op->svc->proto == AWSOPS_QUERY ? json_incref(inner) : (d ? json_incref(d) : NULL);
		if (!res->doc)
			res->doc = NULL;
		json_decref(d);
		if (res->doc && json_is_string(res->doc)) {
			json_decref(res->doc);
			res->doc = json_object();
		}
	}
	if (err) {
		res->code = xstrdup("MalformedAnswer");
		res->message = err;
		return -1;
	}
	return 0;
}

/* One signed attempt. Returns 0 done (ok or final error), 1 retryable failure. */
static int attempt(const struct awsops_op *op, struct request *rq, const char *endpoint, const char *region,
		   const struct awscred *c, struct awscall_result *res)
{
	const char *hs = strstr(endpoint, "://");
	hs = hs ? hs + 3 : endpoint;
	size_t hl = strcspn(hs, "/");
	char *host = xstrndup(hs, hl);
	const char *base = hs + hl; /* path prefix of the endpoint, usually "" */
	char *path = xasprintf("%s%s", base, rq->path.data);
	char date[20];
	time_t now = time(NULL); /* one clock reading: the header and the signature must agree */
	sigv4_amz_date(now, date, sizeof date);
	char payload[65];
	sigv4_sha256_hex(rq->body.data ? rq->body.data : "", rq->body.len, payload);
	struct sigv4_header h[8];
	size_t nh = 0;
	h[nh++] = (struct sigv4_header){"host", host};
	h[nh++] = (struct sigv4_header){"x-amz-date", date};
	if (rq->content_type)
		h[nh++] = (struct sigv4_header){"content-type", rq->content_type};
	if (rq->target)
		h[nh++] = (struct sigv4_header){"x-amz-target", rq->target};
	if (c->token)
		h[nh++] = (struct sigv4_header){"x-amz-security-token", c->token};
	bool s3 = strcmp(op->svc->name, "s3") == 0;
	if (s3)
		h[nh++] = (struct sigv4_header){"x-amz-content-sha256", payload};
	struct sigv4_input in = {.method = rq->method, .path = path, .query = rq->query.data, .headers = h,
				 .nheaders = nh, .body = rq->body.data, .body_len = rq->body.len,
				 .payload_hash = payload, .region = op->svc->global ? "us-east-1" : region,
				 .service = op->svc->signing, .akid = c->akid, .secret = c->secret,
				 .when = now, .s3 = s3};
	char *auth = sigv4_sign(&in, NULL, NULL);
	struct curl_slist *hl_ = NULL;
	for (size_t i = 1; i < nh; i++) { /* curl sends Host itself, from the URL */
		char *line = xasprintf("%s: %s", h[i].name, h[i].value);
		hl_ = curl_slist_append(hl_, line);
		free(line);
	}
	char *al = xasprintf("Authorization: %s", auth);
	hl_ = curl_slist_append(hl_, al);
	hl_ = curl_slist_append(hl_, "Expect:");
	char *url = xasprintf("%s%s%s%s", endpoint, rq->path.data, rq->query.len ? "?" : "",
			      rq->query.len ? rq->query.data : "");
	struct awshttp_resp r;
	int rc = awshttp_do(rq->method, url, hl_, rq->body.data, rq->body.len, cfg_timeout, &r);
	int retry = 0;
	res->status = r.status;
	free(res->code);
	free(res->message);
	res->code = res->message = NULL;
	if (rc != 0) {
		res->code = xstrdup(r.timed_out ? "RequestTimeout" : "ConnectionError");
		res->message = xasprintf("%s %s: %s", rq->method, url, r.error);
		retry = 1;
	} else {
		free(res->request_id);
		res->request_id = r.request_id ? xstrdup(r.request_id) : NULL;
		if (r.status >= 200 && r.status < 300) {
			parse_ok(op, &r, res);
		} else {
			parse_error(op, &r, res);
			retry = r.status >= 500 || r.status == 429 || awscall_is_throttle(res->code) ||
				in_list(transient_codes, res->code);
		}
	}
	awshttp_resp_free(&r);
	free(url);
	free(al);
	curl_slist_free_all(hl_);
	free(auth);
	free(path);
	free(host);
	return retry;
}

static double rand01(void)
{
	static __thread unsigned int seed;
	if (!seed)
		seed = (unsigned int)time(NULL) ^ (unsigned int)(size_t)&seed;
	return (double)rand_r(&seed) / RAND_MAX;
}

/* The STS call credentials need for role_arn profiles, installed into awscred (which sits
 * below this module and must not call it by name). */
static json_t *sts_call(const char *op, json_t *params, const struct awscred *base, char **err)
{
	struct awscall_result res;
	json_t *doc = NULL;
	if (awscall_run(op, params, base, &res) == 0)
		doc = json_incref(res.doc);
	else
		*err = xasprintf("%s: %s", res.code, res.message);
	awscall_result_free(&res);
	return doc;
}

static void install(void)
{
	awscred_set_call(sts_call);
}

int awscall_run(const char *opname, json_t *params, const struct awscred *creds, struct awscall_result *res)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, install);
	memset(res, 0, sizeof *res);
	double t0 = now_mono();
	const struct awsops_op *op = awsops_find(opname);
	if (!op) {
		res->code = xstrdup("UnknownOperation");
		res->message = xasprintf("no AWS operation %s in tejun's table", opname);
		return -1;
	}
	struct awscred own = {0};
	char *err = NULL;
	if (!creds) {
		if (awscred_get(&own, &err) != 0) {
			res->code = xstrdup("NoCredentials");
			res->message = err;
			return -1;
		}
		creds = &own;
	}
	char *region = awscred_region();
	if (!region && !op->svc->global) {
		awscred_free(&own);
		res->code = xstrdup("NoRegion");
		res->message = xstrdup("no AWS region: set AWS_REGION or region in ~/.aws/config");
		return -1;
	}
	json_t *p = params ? json_deep_copy(params) : json_object();
	struct request rq = {0};
	char *endpoint = awscall_endpoint(op->svc, region ? region : "us-east-1");
	if (build(&rq, op, p, &err) != 0) {
		res->code = xstrdup("InvalidParameter");
		res->message = err;
	} else {
		int n = max_attempts();
		for (res->attempts = 1;; res->attempts++) {
			int retry = attempt(op, &rq, endpoint, region ? region : "us-east-1", creds, res);
			if (!retry || res->attempts >= n)
				break;
			/* Standard mode: capped exponential backoff with full jitter. */
			double d = fmin(rand01() * pow(2, res->attempts - 1), max_backoff());
			struct timespec ts = {(time_t)d, (long)((d - floor(d)) * 1e9)};
			nanosleep(&ts, NULL);
		}
	}
	if (res->message) {
		char *m = secret_redact(res->message);
		free(res->message);
		res->message = m;
	}
	res->secs = now_mono() - t0;
	request_free(&rq);
	json_decref(p);
	free(endpoint);
	free(region);
	awscred_free(&own);
	return res->code ? -1 : 0;
}

void awscall_result_free(struct awscall_result *r)
{
	free(r->code);
	free(r->message);
	free(r->request_id);
	json_decref(r->doc);
	memset(r, 0, sizeof *r);
}
