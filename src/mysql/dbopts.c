/* Connection options: DSN parsing (mysql://user:pass@host:port/db?opts, unix sockets, option
 * files), validation, copy and free. */
#include "config.h"
#include "mysql/dbconn.h"
#include "core/secret.h"
#include "core/util.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const ssl_modes[] = {"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA",
					"VERIFY_IDENTITY", NULL};

/* Percent-decodes [s, s+n); NULL when an escape is malformed. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		int hi = i + 2 < n ? hex_value((char)s[i + 1]) : -1;
		int lo = i + 2 < n ? hex_value((char)s[i + 2]) : -1;
		if (i + 2 >= n || hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

static void set_str(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

static int parse_uint(const char *v, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (!*v || *end || errno || n > max || v[0] == '-')
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int dsn_param(struct dbopts *o, const char *key, char *val, char **err)
{
	static const struct {
		const char *key;
		size_t str_off;     /* offset of a char * field, or 0 */
		size_t num_off;     /* offset of an unsigned field, or 0 */
	} params[] = {
		{"ssl-mode", offsetof(struct dbopts, ssl_mode), 0},
		{"ssl-ca", offsetof(struct dbopts, ssl_ca), 0},
		{"ssl-cert", offsetof(struct dbopts, ssl_cert), 0},
		{"ssl-key", offsetof(struct dbopts, ssl_key), 0},
		{"defaults-file", offsetof(struct dbopts, defaults_file), 0},
		{"group", offsetof(struct dbopts, group), 0},
		{"socket", offsetof(struct dbopts, socket), 0},
		{"connect-timeout", 0, offsetof(struct dbopts, connect_timeout)},
		{"read-timeout", 0, offsetof(struct dbopts, read_timeout)},
		{"write-timeout", 0, offsetof(struct dbopts, write_timeout)},
	};
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
		if (strcmp(params[i].key, key) != 0)
			continue;
		if (params[i].str_off) {
			set_str((char **)((char *)o + params[i].str_off), val);
			return 0;
		}
		int bad = parse_uint(val, 86400, (unsigned *)((char *)o + params[i].num_off));
		if (bad)
			*err = xasprintf("DSN parameter %s: '%s' is not a number of seconds", key, val);
		free(val);
		return bad ? -1 : 0;
	}
	*err = xasprintf("DSN parameter '%s' is unknown (known: ssl-mode, ssl-ca, ssl-cert, "
			 "ssl-key, connect-timeout, read-timeout, write-timeout, defaults-file, group, socket)", key);
	free(val);
	return -1;
}

static int parse_query(struct dbopts *o, const char *q, char **err)
{
	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		if (!eq) {
			*err = xasprintf("DSN parameter '%.*s' has no value (want key=value)", (int)n, q);
			return -1;
		}
		char *key = xstrndup(q, (size_t)(eq - q));
		char *val = pct_decode(eq + 1, n - (size_t)(eq - q) - 1);
		if (!val) {
			*err = xasprintf("DSN parameter %s: bad %%-escape", key);
			free(key);
			return -1;
		}
		for (char *k = key; *k; k++)
			if (*k == '_')
				*k = '-';
		int rc = dsn_param(o, key, val, err);
		free(key);
		if (rc)
			return -1;
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

static int parse_authority(struct dbopts *o, const char *a, size_t n, char **err)
{
	const char *at = NULL;
	for (size_t i = n; i-- > 0;)
		if (a[i] == '@') {
			at = a + i;
			break;
		}
	if (at) {
		const char *colon = memchr(a, ':', (size_t)(at - a));
		size_t ulen = colon ? (size_t)(colon - a) : (size_t)(at - a);
		o->user = pct_decode(a, ulen);
		if (colon) {
			o->password = pct_decode(colon + 1, (size_t)(at - colon - 1));
			if (!o->password) {
				*err = xstrdup("DSN password: bad %-escape");
				return -1;
			}
			secret_add(o->password);
		}
		if (!o->user) {
			*err = xstrdup("DSN user: bad %-escape");
			return -1;
		}
		n -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	const char *hend = a + n, *port = NULL;
	if (n && a[0] == '[') { /* [::1]:3306 */
		const char *rb = memchr(a, ']', n);
		if (!rb) {
			*err = xstrdup("DSN host: '[' without ']'");
			return -1;
		}
		o->host = xstrndup(a + 1, (size_t)(rb - a - 1));
		if (rb + 1 < hend && rb[1] == ':')
			port = rb + 2;
		else if (rb + 1 != hend) {
			*err = xstrdup("DSN host: junk after ']'");
			return -1;
		}
	} else {
		const char *colon = memchr(a, ':', n);
		o->host = xstrndup(a, colon ? (size_t)(colon - a) : n);
		if (colon)
			port = colon + 1;
	}
	if (port) {
		char *p = xstrndup(port, (size_t)(hend - port));
		int bad = parse_uint(p, 65535, &o->port) || o->port == 0;
		if (bad)
			*err = xasprintf("DSN port: '%s' is not a port number (1-65535)", p);
		free(p);
		if (bad)
			return -1;
	}
	return 0;
}

int dbopts_parse_dsn(const char *dsn, struct dbopts *o, char **err)
{
	memset(o, 0, sizeof *o);
	*err = NULL;
	if (!dsn || !*dsn) {
		*err = xstrdup("DSN is empty (want mysql://user:password@host:port/db)");
		return -1;
	}
	const char *p = strstr(dsn, "://");
	if (!p || (strncmp(dsn, "mysql://", 8) != 0 && strncmp(dsn, "mariadb://", 10) != 0)) {
		*err = xstrdup("DSN must start with mysql:// (want mysql://user:password@host:port/db)");
		return -1;
	}
	p += 3;
	size_t alen = strcspn(p, "/?");
	if (parse_authority(o, p, alen, err) < 0)
		goto fail;
	p += alen;
	if (*p == '/') {
		p++;
		size_t dlen = strcspn(p, "?");
		if (dlen) {
			o->database = pct_decode(p, dlen);
			if (!o->database) {
				*err = xstrdup("DSN database: bad %-escape");
				goto fail;
			}
		}
		p += dlen;
	}
	if (*p == '?' && parse_query(o, p + 1, err) < 0)
		goto fail;
	if (o->host && !*o->host)
		set_str(&o->host, NULL);
	if (o->user && !*o->user)
		set_str(&o->user, NULL);
	if (dbopts_validate(o, err) < 0)
		goto fail;
	return 0;
fail:
	dbopts_free(o);
	return -1;
}

int dbopts_validate(const struct dbopts *o, char **err)
{
	if (o->ssl_mode) {
		int ok = 0;
		for (int i = 0; ssl_modes[i]; i++)
			ok |= strcasecmp(o->ssl_mode, ssl_modes[i]) == 0;
		if (!ok) {
			*err = xasprintf("ssl_mode '%s' is unknown (DISABLED, PREFERRED, REQUIRED, "
					 "VERIFY_CA, VERIFY_IDENTITY)", o->ssl_mode);
			return -1;
		}
	}
	if (o->port > 65535) {
		*err = xasprintf("port %u is out of range (1-65535)", o->port);
		return -1;
	}
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void dbopts_copy(struct dbopts *dst, const struct dbopts *s)
{
	*dst = *s;
	dst->host = dup_or_null(s->host);
	dst->user = dup_or_null(s->user);
	dst->password = dup_or_null(s->password);
	dst->database = dup_or_null(s->database);
	dst->socket = dup_or_null(s->socket);
	dst->ssl_mode = dup_or_null(s->ssl_mode);
	dst->ssl_ca = dup_or_null(s->ssl_ca);
	dst->ssl_cert = dup_or_null(s->ssl_cert);
	dst->ssl_key = dup_or_null(s->ssl_key);
	dst->defaults_file = dup_or_null(s->defaults_file);
	dst->group = dup_or_null(s->group);
}

void dbopts_free(struct dbopts *o)
{
	char **f[] = {&o->host, &o->user, &o->password, &o->database, &o->socket, &o->ssl_mode,
		      &o->ssl_ca, &o->ssl_cert, &o->ssl_key, &o->defaults_file, &o->group};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		set_str(f[i], NULL);
}
