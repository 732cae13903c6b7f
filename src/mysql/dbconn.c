/* MySQL connections on the client library: DSN parsing, connect, flavour, queries. */
#include "config.h"
#include "mysql/dbconn.h"
#include "core/secret.h"
#include "core/util.h"
#include <ctype.h>
#include <errno.h>
#include <mysql.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const ssl_modes[] = {"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA",
					"VERIFY_IDENTITY", NULL};

const char *dbflavour_name(enum dbflavour f)
{
	switch (f) {
	case DB_MARIADB: return "mariadb";
	case DB_AURORA: return "aurora";
	default: return "mysql";
	}
}

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

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
	mysql_library_init(0, NULL, NULL);
}

void dbconn_thread_init(void)
{
	pthread_once(&lib_once, lib_init);
	mysql_thread_init();
}

static void set_err(struct dbconn *c, unsigned num, const char *msg)
{
	char *r = secret_redact(msg);
	snprintf(c->err, sizeof c->err, "%s", r);
	free(r);
	c->errnum = num;
}

static void set_mysql_err(struct dbconn *c)
{
	MYSQL *m = c->mysql;
	set_err(c, mysql_errno(m), mysql_error(m));
}

/* The library's default LOCAL INFILE handler reads any file the server names; with
 * local_infile on, this one is in place whenever the caller's stream is not. */
static int refuse_init(void **ptr, const char *name, void *ud)
{
	(void)name;
	*ptr = ud;
	return 1;
}
static int refuse_read(void *ptr, char *buf, unsigned len)
{
	(void)ptr, (void)buf, (void)len;
	return -1;
}
static void refuse_end(void *ptr)
{
	(void)ptr;
}
static int refuse_error(void *ptr, char *msg, unsigned len)
{
	(void)ptr;
	snprintf(msg, len, "tejun sends no local file the server asks for by itself");
	return 2000;
}

void dbconn_refuse_local_infile(struct dbconn *c)
{
	mysql_set_local_infile_handler(c->mysql, refuse_init, refuse_read, refuse_end, refuse_error, NULL);
}

static void apply_options(MYSQL *m, const struct dbopts *o)
{
	if (o->local_infile) {
		unsigned one = 1;
		mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &one);
		mysql_set_local_infile_handler(m, refuse_init, refuse_read, refuse_end, refuse_error, NULL);
	}
	if (o->connect_timeout)
		mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &o->connect_timeout);
	if (o->read_timeout)
		mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &o->read_timeout);
	if (o->write_timeout)
		mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &o->write_timeout);
	if (!o->no_defaults || o->defaults_file) {
		if (o->defaults_file)
			mysql_options(m, MYSQL_READ_DEFAULT_FILE, o->defaults_file);
		mysql_options(m, MYSQL_READ_DEFAULT_GROUP, o->group ? o->group : "client");
	}
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *mode = o->ssl_mode ? o->ssl_mode : "PREFERRED";
	if (strcasecmp(mode, "DISABLED") != 0) {
		bool want = strcasecmp(mode, "PREFERRED") != 0;
		my_bool enforce = want, verify = strncasecmp(mode, "VERIFY", 6) == 0;
		/* Connector/C tries TLS only after mysql_ssl_set; PREFERRED means "when offered" */
		mysql_ssl_set(m, o->ssl_key, o->ssl_cert, o->ssl_ca, NULL, NULL);
		/* SSL_ENFORCE also sets use_ssl: setting it to false would switch TLS off again */
		if (enforce)
			mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &enforce);
		mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	}
}

char *dbopts_label(const struct dbopts *o)
{
	/* the client library takes the socket for no host and for "localhost" */
	if (o->socket && (!o->host || strcmp(o->host, "localhost") == 0))
		return xasprintf("%s/%s", o->socket, o->database ? o->database : "");
	return xasprintf("%s:%u/%s", o->host ? o->host : "localhost", o->port ? o->port : 3306,
			 o->database ? o->database : "");
}

/* Flavour from @@version; Aurora MySQL answers AURORA_VERSION(), plain MySQL says 1305. */
static void detect_flavour(struct dbconn *c)
{
	struct dbres *r = NULL;
	if (dbconn_query(c, "SELECT @@version, @@server_id", &r) == 0 && r->nrows) {
		const char *v = dbres_get(r, 0, 0);
		c->version = xstrdup(v ? v : "");
		c->server_id = strtoul(dbres_get(r, 0, 1) ? dbres_get(r, 0, 1) : "0", NULL, 10);
	}
	dbres_free(r);
	if (!c->version)
		c->version = xstrdup("");
	unsigned a = 0, b = 0, d = 0;
	sscanf(c->version, "%u.%u.%u", &a, &b, &d);
	c->vnum = a * 10000UL + b * 100UL + d;
	c->flavour = strcasestr(c->version, "mariadb") ? DB_MARIADB : DB_MYSQL;
	if (c->flavour == DB_MYSQL && dbconn_scalar(c, "SELECT AURORA_VERSION()", &c->aurora_version) == 0
	    && c->aurora_version)
		c->flavour = DB_AURORA;
	c->err[0] = '\0';
	c->errnum = 0;
}

struct dbconn *dbconn_open(const struct dbopts *o, char **err, unsigned *errnum)
{
	*err = NULL;
	*errnum = 0;
	if (dbopts_validate(o, err) < 0)
		return NULL;
	dbconn_thread_init();
	MYSQL *m = mysql_init(NULL);
	if (!m)
		die("out of memory");
	apply_options(m, o);
	if (o->password)
		secret_add(o->password);
	char *target = dbopts_label(o);
	MYSQL *ok = mysql_real_connect(m, o->host, o->user, o->password, o->database, o->port,
				       o->socket, CLIENT_MULTI_RESULTS | CLIENT_FOUND_ROWS);
	/* A password read from an option file is a secret too. */
	if (m->options.password)
		secret_add(m->options.password);
	if (!ok) {
		char *msg = secret_redact(mysql_error(m));
		unsigned num = mysql_errno(m);
		const char *hint = "";
		if (num == 2002 && o->socket && *o->socket)
			hint = " (check the socket path, and that the server runs)";
		else if (num == 2002 || num == 2003 || num == 2005)
			hint = " (check host and port)";
		else if (num == 1040)
			hint = " (the server's max_connections is reached: fewer threads?)";
		else if (num == 1045)
			hint = " (check user and password)";
		else if (num == 1049)
			hint = " (check the database name)";
		else if (num == 2026)
			hint = " (TLS: check ssl_mode and certificates)";
		*err = xasprintf("connect to %s: %s%s", target, msg, hint);
		*errnum = num;
		free(msg);
		free(target);
		mysql_close(m);
		return NULL;
	}
	/* Some client libraries fall back to plain text silently: check, never trust. */
	if (o->ssl_mode && strcasecmp(o->ssl_mode, "DISABLED") != 0 && strcasecmp(o->ssl_mode, "PREFERRED") != 0
	    && !mysql_get_ssl_cipher(m)) {
		*err = xasprintf("connect to %s: ssl_mode=%s but the connection is not encrypted (TLS: does "
				 "the server support it?)", target, o->ssl_mode);
		*errnum = 2026;
		free(target);
		mysql_close(m);
		return NULL;
	}
	struct dbconn *c = xcalloc(1, sizeof *c);
	c->mysql = m;
	c->target = target;
	dbopts_copy(&c->opts, o);
	detect_flavour(c);
	return c;
}

void dbconn_close(struct dbconn *c)
{
	if (!c)
		return;
	mysql_close(c->mysql);
	dbopts_free(&c->opts);
	free(c->target);
	free(c->version);
	free(c->aurora_version);
	free(c);
}

static enum dbtype map_type(const MYSQL_FIELD *f)
{
	bool uns = f->flags & UNSIGNED_FLAG;
	switch (f->type) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24: case MYSQL_TYPE_YEAR:
		return DBT_INT;
	case MYSQL_TYPE_LONGLONG:
		return uns ? DBT_UINT : DBT_INT;
	case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
		return DBT_FLOAT;
	case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL:
		return DBT_DECIMAL;
	case MYSQL_TYPE_BIT:
		return DBT_BINARY;
	default:
		return f->charsetnr == 63 ? DBT_BINARY : DBT_STRING;
	}
}

static struct dbres *fetch_all(MYSQL_RES *mr)
{
	struct dbres *r = xcalloc(1, sizeof *r);
	r->res = mr;
	r->ncols = mysql_num_fields(mr);
	r->nrows = (size_t)mysql_num_rows(mr);
	MYSQL_FIELD *f = mysql_fetch_fields(mr);
	r->names = xcalloc(r->ncols ? r->ncols : 1, sizeof *r->names);
	r->types = xcalloc(r->ncols ? r->ncols : 1, sizeof *r->types);
	for (unsigned i = 0; i < r->ncols; i++) {
		r->names[i] = f[i].name;
		r->types[i] = map_type(&f[i]);
	}
	size_t cells = r->nrows * r->ncols;
	r->cells = xcalloc(cells ? cells : 1, sizeof *r->cells);
	r->lens = xcalloc(cells ? cells : 1, sizeof *r->lens);
	MYSQL_ROW row;
	for (size_t i = 0; (row = mysql_fetch_row(mr)); i++) {
		unsigned long *len = mysql_fetch_lengths(mr);
		for (unsigned j = 0; j < r->ncols; j++) {
			r->cells[i * r->ncols + j] = row[j];
			r->lens[i * r->ncols + j] = len[j];
		}
	}
	return r;
}

const char *dbres_get(const struct dbres *r, size_t row, unsigned col)
{
	return row < r->nrows && col < r->ncols ? r->cells[row * r->ncols + col] : NULL;
}

size_t dbres_len(const struct dbres *r, size_t row, unsigned col)
{
	return row < r->nrows && col < r->ncols ? r->lens[row * r->ncols + col] : 0;
}

int dbres_col(const struct dbres *r, const char *name)
{
	for (unsigned i = 0; i < r->ncols; i++)
		if (strcasecmp(r->names[i], name) == 0)
			return (int)i;
	return -1;
}

void dbres_free(struct dbres *r)
{
	if (!r)
		return;
	mysql_free_result(r->res);
	free(r->names);
	free(r->types);
	free(r->cells);
	free(r->lens);
	free(r);
}

/* Drains extra result sets (CALL returns a status set last) so the connection stays usable. */
static void drain(MYSQL *m)
{
	while (mysql_more_results(m) && mysql_next_result(m) == 0) {
		MYSQL_RES *x = mysql_store_result(m);
		if (x)
			mysql_free_result(x);
	}
}

int dbconn_query(struct dbconn *c, const char *sql, struct dbres **res)
{
	MYSQL *m = c->mysql;
	if (res)
		*res = NULL;
	if (mysql_real_query(m, sql, strlen(sql)) != 0) {
		set_mysql_err(c);
		return -1;
	}
	MYSQL_RES *mr = mysql_store_result(m);
	if (!mr && mysql_field_count(m) != 0) {
		set_mysql_err(c);
		drain(m);
		return -1;
	}
	if (mr) {
		if (res)
			*res = fetch_all(mr);
		else
			mysql_free_result(mr);
	}
	drain(m);
	return 0;
}

int dbconn_exec(struct dbconn *c, const char *sql, unsigned long long *affected,
		unsigned long long *insert_id)
{
	if (dbconn_query(c, sql, NULL) < 0)
		return -1;
	MYSQL *m = c->mysql;
	if (affected)
		*affected = mysql_affected_rows(m) == (my_ulonglong)-1 ? 0 : mysql_affected_rows(m);
	if (insert_id)
		*insert_id = mysql_insert_id(m);
	return 0;
}

int dbconn_scalar(struct dbconn *c, const char *sql, char **out)
{
	struct dbres *r;
	*out = NULL;
	if (dbconn_query(c, sql, &r) < 0)
		return -1;
	if (r && r->nrows && r->ncols && dbres_get(r, 0, 0))
		*out = xstrndup(dbres_get(r, 0, 0), dbres_len(r, 0, 0));
	dbres_free(r);
	return 0;
}

int dbconn_execf(struct dbconn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = xvasprintf(fmt, ap);
	va_end(ap);
	int rc = dbconn_query(c, sql, NULL);
	free(sql);
	return rc;
}

int dbconn_queryf(struct dbconn *c, struct dbres **res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *sql = xvasprintf(fmt, ap);
	va_end(ap);
	int rc = dbconn_query(c, sql, res);
	free(sql);
	return rc;
}

void dbconn_quote(struct dbconn *c, struct sbuf *b, const char *s, size_t len)
{
	char *tmp = xmalloc(len * 2 + 3);
	tmp[0] = '\'';
	unsigned long n = mysql_real_escape_string(c->mysql, tmp + 1, s, len);
	tmp[n + 1] = '\'';
	sbuf_add(b, tmp, n + 2);
	free(tmp);
}

void dbconn_quote_ident(struct sbuf *b, const char *name)
{
	sbuf_adds(b, "`");
	for (const char *p = name; *p; p++)
		sbuf_add(b, *p == '`' ? "``" : p, *p == '`' ? 2 : 1);
	sbuf_adds(b, "`");
}

char *dbconn_format(struct dbconn *c, const char *sql, const struct dbval *vals, int nvals)
{
	struct sbuf b;
	sbuf_init(&b);
	int used = 0;
	char quote = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			sbuf_add(&b, p, 1);
			if (*p == '\\' && quote != '`' && p[1]) {
				sbuf_add(&b, ++p, 1);
			} else if (*p == quote) {
				quote = 0;
			}
			continue;
		}
		if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p;
		} else if ((*p == '-' && p[1] == '-' && (p[2] == ' ' || p[2] == '\t')) || *p == '#') {
			size_t n = strcspn(p, "\n");
			sbuf_add(&b, p, n);
			p += n - 1;
			continue;
		} else if (*p == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			size_t n = e ? (size_t)(e + 2 - p) : strlen(p);
			sbuf_add(&b, p, n);
			p += n - 1;
			continue;
		} else if (*p == '?') {
			if (used >= nvals) {
				used++;
				continue;
			}
			const struct dbval *v = &vals[used++];
			switch (v->kind) {
			case DBV_NULL: sbuf_adds(&b, "NULL"); break;
			case DBV_BOOL: sbuf_adds(&b, v->i ? "TRUE" : "FALSE"); break;
			case DBV_INT: sbuf_addf(&b, "%lld", v->i); break;
			case DBV_FLOAT: sbuf_addf(&b, "%.17g", v->d); break;
			case DBV_STRING: dbconn_quote(c, &b, v->s, v->len); break;
			}
			continue;
		}
		sbuf_add(&b, p, 1);
	}
	if (used != nvals) {
		char msg[160];
		snprintf(msg, sizeof msg, "query has %d ? placeholder%s but %d value%s given", used,
			 used == 1 ? "" : "s", nvals, nvals == 1 ? " was" : "s were");
		set_err(c, 0, msg);
		sbuf_free(&b);
		return NULL;
	}
	return sbuf_steal(&b);
}

char *dbconn_fill(const char *tpl, const char *const *args, int n)
{
	struct sbuf b;
	sbuf_init(&b);
	int k = 0;
	for (const char *p = tpl; *p; p++) {
		if (p[0] == '%' && p[1] == 's' && k < n) {
			sbuf_adds(&b, args[k++]);
			p++;
		} else {
			sbuf_add(&b, p, 1);
		}
	}
	return sbuf_steal(&b);
}

char *dbconn_redact_sql(const char *sql)
{
	const size_t max = 4000;
	size_t n = strlen(sql);
	char *cut = n > max ? xasprintf("%.*s... (%zu bytes)", (int)max, sql, n) : xstrdup(sql);
	/* Blobs: keep the journal printable and valid UTF-8 (jansson rejects anything else). */
	unsigned char *p = (unsigned char *)cut;
	while (*p) {
		int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
			: (*p & 0xf8) == 0xf0 ? 4 : 0;
		int ok = len > 0 && !(len == 2 && *p < 0xc2);
		for (int k = 1; ok && k < len; k++)
			ok = (p[k] & 0xc0) == 0x80;
		if (!ok || (len == 1 && *p < 0x20 && *p != '\n' && *p != '\t')) {
			*p++ = '.';
			continue;
		}
		p += len;
	}
	char *r = secret_redact(cut);
	free(cut);
	return r;
}

bool dbconn_is_mysql8(const struct dbconn *c)
{
	return c->flavour != DB_MARIADB && c->vnum >= 80000;
}

char *dbconn_qualified(const char *schema, const char *name)
{
	struct sbuf s;
	sbuf_init(&s);
	dbconn_quote_ident(&s, schema);
	if (name) {
		sbuf_adds(&s, ".");
		dbconn_quote_ident(&s, name);
	}
	return sbuf_steal(&s);
}
