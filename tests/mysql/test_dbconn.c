/* dbconn against the sandbox: DSN parsing, connect errors, flavour, binary-safe placeholders. */
#include "config.h"
#include "mysql/dbconn.h"
#include "core/secret.h"
#include "core/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			failures++;                                            \
			fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                          \
			fprintf(stderr, "\n");                                 \
		}                                                              \
	} while (0)

static void dsn_ok(void)
{
	struct dbopts o;
	char *err;
	int rc = dbopts_parse_dsn("mysql://app%40x:p%3Ass@db.example:3307/shop?ssl-mode=required"
				  "&connect_timeout=5&read-timeout=30", &o, &err);
	CHECK(rc == 0, "%s", err ? err : "");
	CHECK(strcmp(o.user, "app@x") == 0, "user %s", o.user);
	CHECK(strcmp(o.password, "p:ss") == 0, "password decoded");
	CHECK(strcmp(o.host, "db.example") == 0, "host %s", o.host);
	CHECK(o.port == 3307, "port %u", o.port);
	CHECK(strcmp(o.database, "shop") == 0, "db %s", o.database);
	CHECK(o.connect_timeout == 5 && o.read_timeout == 30, "timeouts");
	CHECK(secret_present("xx p:ss yy"), "password registered as a secret");
	dbopts_free(&o);

	rc = dbopts_parse_dsn("mysql://root@[::1]:3306/", &o, &err);
	CHECK(rc == 0 && strcmp(o.host, "::1") == 0 && o.port == 3306 && !o.database && !o.password,
	      "ipv6");
	dbopts_free(&o);

	/* the label in logs names where the client library really connects */
	const char *labels[][2] = {
		{"mysql://root:pw@localhost/app?socket=/run/my.sock", "/run/my.sock/app"},
		{"mysql://root@db.example/", "db.example:3306/"},
		{"mysql://root@127.0.0.1:3307/shop", "127.0.0.1:3307/shop"},
	};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		rc = dbopts_parse_dsn(labels[i][0], &o, &err);
		char *l = rc == 0 ? dbopts_label(&o) : NULL;
		CHECK(l && strcmp(l, labels[i][1]) == 0, "label of %s: %s", labels[i][0], l ? l : err);
		CHECK(!l || !strstr(l, "pw"), "password in label %s", l);
		free(l);
		dbopts_free(&o);
	}
}

static void dsn_bad(const char *dsn, const char *want)
{
	struct dbopts o;
	char *err = NULL;
	int rc = dbopts_parse_dsn(dsn, &o, &err);
	CHECK(rc == -1 && err && strstr(err, want), "%s -> %s (want '%s')", dsn, err ? err : "ok", want);
	CHECK(!err || !strstr(err, "hunter22"), "secret in error: %s", err);
	free(err);
}

static struct dbconn *open_dsn(const char *dsn, char **err, unsigned *num)
{
	struct dbopts o;
	if (dbopts_parse_dsn(dsn, &o, err) < 0)
		return NULL;
	o.no_defaults = true;
	struct dbconn *c = dbconn_open(&o, err, num);
	dbopts_free(&o);
	return c;
}

static void connect_errors(const char *dsn)
{
	char *err;
	unsigned num;
	struct dbopts o;
	CHECK(dbopts_parse_dsn(dsn, &o, &err) == 0, "%s", err);
	o.no_defaults = true;
	free(o.password);
	o.password = xstrdup("hunter22-wrong");
	secret_add(o.password);
	struct dbconn *c = dbconn_open(&o, &err, &num);
	CHECK(!c && num == 1045 && strstr(err, "Access denied") && strstr(err, "password"),
	      "wrong password: %u %s", num, err);
	CHECK(!strstr(err, "hunter22"), "password leaked: %s", err);
	free(err);

	free(o.password);
	o.password = NULL;
	o.port = 1;
	c = dbconn_open(&o, &err, &num);
	CHECK(!c && (num == 2002 || num == 2003) && strstr(err, "127.0.0.1:1/") && strstr(err, "port"),
	      "unreachable: %u %s", num, err);
	free(err);
	dbopts_free(&o);

	char *bad = xasprintf("%sno_such_db_tj", dsn);
	c = open_dsn(bad, &err, &num);
	CHECK(!c && num == 1049 && strstr(err, "no_such_db_tj"), "unknown db: %u %s", num, err);
	CHECK(!secret_present(err), "secret in: %s", err);
	free(err);
	free(bad);
}

static void queries(const char *dsn)
{
	char *err;
	unsigned num;
	struct dbconn *c = open_dsn(dsn, &err, &num);
	CHECK(c, "connect: %s", err);
	if (!c)
		return;
	CHECK(c->flavour == DB_MARIADB && c->vnum >= 100000, "flavour %s %lu", dbflavour_name(c->flavour), c->vnum);
	CHECK(c->server_id == 1, "server_id %lu", c->server_id);

	/* A value with NUL, quotes, backslash and a ? survives the round trip byte for byte. */
	static const char blob[] = "a\0b'c\"d\\e?f\n";
	struct dbval v[] = {{.kind = DBV_STRING, .s = blob, .len = sizeof blob - 1},
			    {.kind = DBV_INT, .i = -42}, {.kind = DBV_NULL}};
	char *sql = dbconn_format(c, "SELECT ? AS b, '?' AS lit, ? AS n, ? AS z -- ?\n", v, 3);
	CHECK(sql != NULL, "format: %s", c->err);
	struct dbres *r = NULL;
	CHECK(sql && dbconn_query(c, sql, &r) == 0, "query: %s", c->err);
	if (r) {
		CHECK(dbres_len(r, 0, 0) == sizeof blob - 1 && memcmp(dbres_get(r, 0, 0), blob, sizeof blob - 1) == 0,
		      "blob round trip");
		CHECK(strcmp(dbres_get(r, 0, 1), "?") == 0, "quoted ? left alone");
		CHECK(strcmp(dbres_get(r, 0, 2), "-42") == 0 && r->types[2] == DBT_INT, "int");
		CHECK(dbres_get(r, 0, 3) == NULL, "NULL");
		CHECK(dbres_col(r, "LIT") == 1, "col by name");
	}
	dbres_free(r);
	free(sql);

	CHECK(dbconn_format(c, "SELECT ?, ?", v, 1) == NULL && strstr(c->err, "2 ? placeholders but 1 value"),
	      "count mismatch: %s", c->err);
	CHECK(dbconn_query(c, "SELEKT 1", NULL) == -1 && c->errnum == 1064 && strstr(c->err, "SELEKT"),
	      "syntax error: %u %s", c->errnum, c->err);
	/* The connection is still usable after an error. */
	char *one = NULL;
	CHECK(dbconn_scalar(c, "SELECT 1+1", &one) == 0 && one && strcmp(one, "2") == 0, "after error");
	free(one);
	dbconn_close(c);
}

int main(void)
{
	dsn_ok();
	dsn_bad("", "DSN is empty");
	dsn_bad("postgres://x@h/db", "must start with mysql://");
	dsn_bad("mysql://root:hunter22@h:99999/", "DSN port: '99999'");
	dsn_bad("mysql://root:hunter22@h:abc/", "DSN port: 'abc'");
	dsn_bad("mysql://root:hunter22@h/?ssl-mode=sometimes", "ssl_mode 'sometimes'");
	dsn_bad("mysql://root:hunter22@h/?colour=blue", "'colour' is unknown");
	dsn_bad("mysql://root:hunter22@h/?read-timeout=soon", "read-timeout");
	dsn_bad("mysql://root:hunter22%zz@h/", "DSN password: bad");

	const char *dsn = getenv("TEJUN_SRC_DSN");
	if (!dsn) {
		fprintf(stderr, "TEJUN_SRC_DSN is not set: run scripts/sandbox up; eval \"$(scripts/sandbox env)\"\n");
		return 1;
	}
	connect_errors(dsn);
	queries(dsn);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
