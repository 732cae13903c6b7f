/* Credential chain and region resolution (env, shared files, assume role, process, IMDSv2). */
#include "config.h"
#include "aws/awscred.h"
#include "aws/awshttp.h"
#include "core/secret.h"
#include "core/util.h"
#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct awscred cache;
static awscred_call_fn sts_call;

void awscred_set_call(awscred_call_fn fn)
{
	sts_call = fn;
}

static char *dupenv(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? xstrdup(v) : NULL;
}

static char *home_file(const char *env, const char *rel)
{
	const char *v = getenv(env);
	if (v && *v)
		return xstrdup(v);
	const char *home = getenv("HOME");
	return xasprintf("%s/%s", home ? home : ".", rel);
}

static char *profile_name(void)
{
	char *p = dupenv("AWS_PROFILE");
	return p ? p : xstrdup("default");
}

/* Value of key in [section] of an INI file, or NULL. */
static char *ini_get(const char *path, const char *section, const char *key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char line[4096], *val = NULL;
	int in = 0;
	while (!val && fgets(line, sizeof line, f)) {
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = 0;
		if (*s == '#' || *s == ';' || !*s)
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e) {
				*e = 0;
				char *name = s + 1;
				while (isspace((unsigned char)*name))
					name++;
				in = strcmp(name, section) == 0;
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!in || !eq)
			continue;
		char *k = s, *ke = eq;
		while (ke > k && isspace((unsigned char)ke[-1]))
			ke--;
		char *v = eq + 1;
		while (isspace((unsigned char)*v))
			v++;
		if ((size_t)(ke - k) == strlen(key) && strncmp(k, key, strlen(key)) == 0)
			val = xstrdup(v);
	}
	fclose(f);
	return val;
}

static char *config_get(const char *profile, const char *key)
{
	char *path = home_file("AWS_CONFIG_FILE", ".aws/config");
	char *sec = strcmp(profile, "default") == 0 ? xstrdup("default") : xasprintf("profile %s", profile);
	char *v = ini_get(path, sec, key);
	free(sec);
	free(path);
	return v;
}

static char *creds_get(const char *profile, const char *key)
{
	char *path = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	char *v = ini_get(path, profile, key);
	free(path);
	return v ? v : config_get(profile, key);
}

char *awscred_config(const char *key)
{
	char *p = profile_name();
	char *v = config_get(p, key);
	free(p);
	return v;
}

static void set(struct awscred *c, char *akid, char *secret, char *token, double exp, char *source)
{
	c->akid = akid;
	c->secret = secret;
	c->token = token;
	c->expires = exp;
	c->source = source;
	secret_add(secret);
	secret_add(token);
}

/* "2026-11-24T10:00:00Z" -> epoch seconds; 0 if unparsable. */
static double parse_iso(const char *s)
{
	struct tm tm = {0};
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (double)timegm(&tm);
}

static int from_process(const char *cmd, struct awscred *c, char **err)
{
	FILE *p = popen(cmd, "r");
	if (!p) {
		*err = xasprintf("credential_process: cannot run");
		return -1;
	}
	struct sbuf b;
	sbuf_init(&b);
	char buf[1024];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		sbuf_add(&b, buf, n);
	int st = pclose(p);
	json_t *j = json_loads(b.data ? b.data : "", 0, NULL);
	sbuf_free(&b);
	const char *ak = json_string_value(json_object_get(j, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(j, "SecretAccessKey"));
	if (st != 0 || !ak || !sk) {
		*err = xasprintf("credential_process failed (exit %d) or printed no AccessKeyId/SecretAccessKey", st);
		json_decref(j);
		return -1;
	}
	const char *tok = json_string_value(json_object_get(j, "SessionToken"));
	set(c, xstrdup(ak), xstrdup(sk), tok ? xstrdup(tok) : NULL,
	    parse_iso(json_string_value(json_object_get(j, "Expiration"))), xstrdup("process"));
	json_decref(j);
	return 0;
}

static int from_profile(const char *profile, struct awscred *c, char **err, int depth);

static int assume_role(const char *profile, const char *role, struct awscred *c, char **err, int depth)
{
	char *src = config_get(profile, "source_profile");
	if (!src) {
		*err = xasprintf("profile %s: role_arn needs source_profile", profile);
		return -1;
	}
	struct awscred base = {0};
	int rc = from_profile(src, &base, err, depth + 1);
	free(src);
	if (rc)
		return -1;
	char *sess = config_get(profile, "role_session_name");
	if (!sts_call) {
		*err = xasprintf("profile %s: role_arn needs the AWS client (no STS call installed)", profile);
		awscred_free(&base);
		free(sess);
		return -1;
	}
	json_t *params = json_pack("{s:s,s:s}", "RoleArn", role, "RoleSessionName", sess ? sess : "tejun");
	free(sess);
	char *cerr = NULL;
	json_t *doc = sts_call("sts:AssumeRole", params, &base, &cerr);
	json_decref(params);
	awscred_free(&base);
	if (!doc) {
		*err = xasprintf("assume role %s: %s", role, cerr ? cerr : "failed");
		free(cerr);
		return -1;
	}
	json_t *cr = json_object_get(doc, "Credentials");
	const char *ak = json_string_value(json_object_get(cr, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(cr, "SecretAccessKey"));
	const char *tok = json_string_value(json_object_get(cr, "SessionToken"));
	if (!ak || !sk) {
		*err = xasprintf("assume role %s: answer without credentials", role);
		json_decref(doc);
		return -1;
	}
	set(c, xstrdup(ak), xstrdup(sk), tok ? xstrdup(tok) : NULL,
	    parse_iso(json_string_value(json_object_get(cr, "Expiration"))), xasprintf("assume-role:%s", role));
	json_decref(doc);
	return 0;
}

/* 1 when the profile gave nothing (try the next provider), 0 ok, -1 error. */
static int from_profile(const char *profile, struct awscred *c, char **err, int depth)
{
	if (depth > 4) {
		*err = xasprintf("profile %s: source_profile chain too deep", profile);
		return -1;
	}
	char *role = config_get(profile, "role_arn");
	if (role) {
		int rc = assume_role(profile, role, c, err, depth);
		free(role);
		return rc;
	}
	char *ak = creds_get(profile, "aws_access_key_id");
	char *sk = creds_get(profile, "aws_secret_access_key");
	if (ak && sk) {
		set(c, ak, sk, creds_get(profile, "aws_session_token"), 0, xasprintf("profile:%s", profile));
		return 0;
	}
	free(ak);
	free(sk);
	char *proc = config_get(profile, "credential_process");
	if (proc) {
		int rc = from_process(proc, c, err);
		free(proc);
		return rc;
	}
	return 1;
}

static char *imds_base(void)
{
	char *e = dupenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (!e)
		return xstrdup("http://169.254.169.254");
	size_t n = strlen(e);
	if (n && e[n - 1] == '/')
		e[n - 1] = 0;
	return e;
}

/* GET path from IMDSv2 (token first); body malloc'd or NULL. */
static char *imds_get(const char *path)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	if (off && strcmp(off, "true") == 0)
		return NULL;
	char *base = imds_base();
	char *url = xasprintf("%s/latest/api/token", base);
	struct curl_slist *h = curl_slist_append(NULL, "X-aws-ec2-metadata-token-ttl-seconds: 21600");
	struct awshttp_resp r;
	char *out = NULL;
	if (awshttp_do("PUT", url, h, NULL, 0, 2, &r) == 0 && r.status == 200 && r.body.data) {
		char *tok = xasprintf("X-aws-ec2-metadata-token: %s", r.body.data);
		secret_add(r.body.data);
		struct curl_slist *h2 = curl_slist_append(NULL, tok);
		char *url2 = xasprintf("%s%s", base, path);
		struct awshttp_resp r2;
		if (awshttp_do("GET", url2, h2, NULL, 0, 2, &r2) == 0 && r2.status == 200 && r2.body.data)
			out = sbuf_steal(&r2.body);
		awshttp_resp_free(&r2);
		free(url2);
		curl_slist_free_all(h2);
		free(tok);
	}
	awshttp_resp_free(&r);
	curl_slist_free_all(h);
	free(url);
	free(base);
	return out;
}

static int from_imds(struct awscred *c)
{
	char *role = imds_get("/latest/meta-data/iam/security-credentials/");
	if (!role)
		return 1;
	role[strcspn(role, "\r\n")] = 0;
	char *path = xasprintf("/latest/meta-data/iam/security-credentials/%s", role);
	char *doc = imds_get(path);
	free(path);
	json_t *j = doc ? json_loads(doc, 0, NULL) : NULL;
	free(doc);
	const char *ak = json_string_value(json_object_get(j, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(j, "SecretAccessKey"));
	int rc = 1;
	if (ak && sk) {
		const char *tok = json_string_value(json_object_get(j, "Token"));
		set(c, xstrdup(ak), xstrdup(sk), tok ? xstrdup(tok) : NULL,
		    parse_iso(json_string_value(json_object_get(j, "Expiration"))), xasprintf("imds:%s", role));
		rc = 0;
	}
	json_decref(j);
	free(role);
	return rc;
}

static int resolve(struct awscred *c, char **err)
{
	char *ak = dupenv("AWS_ACCESS_KEY_ID"), *sk = dupenv("AWS_SECRET_ACCESS_KEY");
	if (ak && sk) {
		set(c, ak, sk, dupenv("AWS_SESSION_TOKEN"), 0, xstrdup("env"));
		return 0;
	}
	free(ak);
	free(sk);
	char *prof = profile_name();
	int rc = from_profile(prof, c, err, 0);
	free(prof);
	if (rc <= 0)
		return rc;
	if (from_imds(c) == 0)
		return 0;
	*err = xstrdup("no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE "
		       "(~/.aws/credentials, ~/.aws/config) or run on an instance with a role");
	return -1;
}

static void copy(struct awscred *dst, const struct awscred *src)
{
	dst->akid = xstrdup(src->akid);
	dst->secret = xstrdup(src->secret);
	dst->token = src->token ? xstrdup(src->token) : NULL;
	dst->expires = src->expires;
	dst->source = xstrdup(src->source);
}

int awscred_get(struct awscred *out, char **err)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&lock);
	if (cache.akid && (cache.expires == 0 || cache.expires - now_wall() > 300)) {
		copy(out, &cache);
		pthread_mutex_unlock(&lock);
		return 0;
	}
	awscred_free(&cache);
	*err = NULL;
	int rc = resolve(&cache, err);
	if (rc == 0)
		copy(out, &cache);
	else
		awscred_free(&cache);
	pthread_mutex_unlock(&lock);
	return rc;
}

void awscred_free(struct awscred *c)
{
	free(c->akid);
	free(c->secret);
	free(c->token);
	free(c->source);
	memset(c, 0, sizeof *c);
}

void awscred_reset(void)
{
	pthread_mutex_lock(&lock);
	awscred_free(&cache);
	pthread_mutex_unlock(&lock);
}

char *awscred_region(void)
{
	char *r = dupenv("AWS_REGION");
	if (!r)
		r = dupenv("AWS_DEFAULT_REGION");
	if (!r)
		r = awscred_config("region");
	if (!r) {
		r = imds_get("/latest/meta-data/placement/region");
		if (r)
			r[strcspn(r, "\r\n")] = 0;
	}
	return r;
}
