/* MySQL connections on the client library: connect, flavour, queries, results. DSN and
 * option parsing are in dbopts.c, SQL quoting and formatting in dbsql.c. */
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

const char *dbflavour_name(enum dbflavour f)
{
	switch (f) {
	case DB_MARIADB: return "mariadb";
	case DB_AURORA: return "aurora";
	default: return "mysql";
	}
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

bool dbconn_is_mysql8(const struct dbconn *c)
{
	return c->flavour != DB_MARIADB && c->vnum >= 80000;
}
