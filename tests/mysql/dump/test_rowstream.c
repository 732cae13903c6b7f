/* rowstream against the sandbox: rows read straight off the socket must be exactly the
 * rows the client library gives (NULLs, NULs, every length-prefix size, a value spanning
 * packets), errors part way must be errors, and the connection must stay usable. */
#include "config.h"
#include "mysql/dbconn.h"
#include "mysql/rowstream.h"
#include "core/util.h"
#include "tests/tap.h"
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct dbconn *connect_to(const char *dsn)
{
	struct dbopts o;
	char *err = NULL;
	unsigned errnum;
	if (dbopts_parse_dsn(dsn, &o, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	struct dbconn *c = dbconn_open(&o, &err, &errnum);
	dbopts_free(&o);
	if (!c) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return c;
}

static void exec(struct dbconn *c, const char *sql)
{
	if (dbconn_exec(c, sql, NULL, NULL) < 0) {
		fprintf(stderr, "setup failed: %s: %s\n", sql, c->err);
		exit(1);
	}
}

/* All of a query's rows as one byte string (cells length-prefixed, NULL marked), the
 * field list, and how it ended: 0 after the last row, else the error. */
struct result {
	struct sbuf rows, fields;
	long nrows;
	int end;
	char *err;
	bool wire;
};

static void run(struct dbconn *c, const char *sql, enum rowstream_via via, struct result *r)
{
	memset(r, 0, sizeof *r);
	sbuf_init(&r->rows);
	sbuf_init(&r->fields);
	struct rowstream *s = rowstream_query(c->mysql, sql, 30, via, &r->err);
	if (!s) {
		r->end = -2;
		return;
	}
	r->wire = rowstream_is_wire(s);
	const struct rowstream_field *f = rowstream_fields(s);
	for (unsigned i = 0; i < rowstream_nfields(s); i++)
		sbuf_addf(&r->fields, "%s:%d:%u:%u;", f[i].name, f[i].type, f[i].charsetnr, f[i].flags);
	char **row;
	unsigned long *lens;
	while ((r->end = rowstream_next(s, &row, &lens, &r->err)) > 0) {
		r->nrows++;
		for (unsigned i = 0; i < rowstream_nfields(s); i++) {
			if (!row[i]) {
				sbuf_adds(&r->rows, "N|");
				continue;
			}
			if (row[i][lens[i]] != '\0')
				r->end = 99; /* cells must be NUL-terminated, as the library's are */
			sbuf_addf(&r->rows, "%lu:", lens[i]);
			sbuf_add(&r->rows, row[i], lens[i]);
		}
		if (r->end == 99)
			break;
	}
	rowstream_close(s);
}

static void result_free(struct result *r)
{
	sbuf_free(&r->rows);
	sbuf_free(&r->fields);
	free(r->err);
}

static bool usable(struct dbconn *c)
{
	char *v = NULL;
	bool ok = dbconn_scalar(c, "SELECT 41+1", &v) == 0 && v && strcmp(v, "42") == 0;
	free(v);
	return ok;
}

/* The same query both ways on connection c: same fields, rows and ending. */
static void same(struct dbconn *c, const char *sql, long want_rows)
{
	struct result w, l;
	run(c, sql, ROWSTREAM_ANY, &w);
	run(c, sql, ROWSTREAM_LIBRARY, &l);
	CHECKF(w.wire || w.end == -2, "%s: not read off the socket", sql);
	CHECKF(w.end == l.end, "%s: wire ended %d (%s), library %d (%s)", sql, w.end,
	       w.err ? w.err : "", l.end, l.err ? l.err : "");
	CHECKF((!w.err && !l.err) || (w.err && l.err && strcmp(w.err, l.err) == 0),
	       "%s: errors differ: '%s' vs '%s'", sql, w.err ? w.err : "", l.err ? l.err : "");
	CHECKF(strcmp(w.fields.data ? w.fields.data : "", l.fields.data ? l.fields.data : "") == 0, "%s: fields %s vs %s", sql, w.fields.data,
	       l.fields.data);
	CHECKF(w.nrows == l.nrows && w.rows.len == l.rows.len &&
		       (!w.rows.len || memcmp(w.rows.data, l.rows.data, w.rows.len) == 0),
	       "%s: rows differ (%ld rows %zu bytes vs %ld rows %zu bytes)", sql, w.nrows, w.rows.len,
	       l.nrows, l.rows.len);
	if (want_rows >= 0)
		CHECKF(w.nrows == want_rows, "%s: %ld rows, want %ld", sql, w.nrows, want_rows);
	CHECKF(usable(c), "%s: connection unusable afterwards", sql);
	result_free(&w);
	result_free(&l);
}

static void setup(struct dbconn *c)
{
	exec(c, "SET GLOBAL max_allowed_packet = 64*1024*1024");
	exec(c, "SET SESSION max_recursive_iterations = 100000");
	exec(c, "DROP DATABASE IF EXISTS tj_rowstream");
	exec(c, "CREATE DATABASE tj_rowstream CHARACTER SET utf8mb4");
	exec(c, "CREATE TABLE tj_rowstream.t (id INT PRIMARY KEY, s VARCHAR(300), b LONGBLOB, "
		"n INT NULL, j JSON, d DECIMAL(20,6), f BIT(5), ts DATETIME(6))");
	exec(c, "INSERT INTO tj_rowstream.t WITH RECURSIVE q(i) AS (SELECT 1 UNION ALL SELECT i+1 "
		"FROM q WHERE i < 6000) SELECT i, CONCAT('row ', i, ' ', CONVERT(x'F09F9880' USING utf8mb4)), "
		"IF(i % 7 = 0, NULL, UNHEX(REPEAT(LPAD(HEX(i % 256), 2, '0'), i % 300))), "
		"IF(i % 3 = 0, NULL, i * 1000), JSON_OBJECT('i', i), i / 7, i % 32, "
		"'2026-11-25 01:02:03.456789' FROM q");
	/* the length-prefix forms (1, 3, 4 bytes), empty, NUL bytes, and a value bigger than one read */
	exec(c, "UPDATE tj_rowstream.t SET s = REPEAT('x', 250) WHERE id = 10");
	exec(c, "UPDATE tj_rowstream.t SET s = REPEAT('y', 251), b = '' WHERE id = 11");
	exec(c, "UPDATE tj_rowstream.t SET b = REPEAT('w', 65535) WHERE id = 12");
	exec(c, "UPDATE tj_rowstream.t SET b = REPEAT(x'00ff', 32768) WHERE id = 13");
	exec(c, "UPDATE tj_rowstream.t SET b = REPEAT('v', 3000000) WHERE id = 14");
	exec(c, "UPDATE tj_rowstream.t SET s = '' WHERE id = 15");
}

static void test_rows(struct dbconn *c)
{
	SECTION("rowstream: the same rows as the client library");
	same(c, "SELECT * FROM tj_rowstream.t ORDER BY id", 6000);
	same(c, "SELECT id, b FROM tj_rowstream.t WHERE id BETWEEN 10 AND 20", 11);
	same(c, "SELECT * FROM tj_rowstream.t WHERE 1 = 0", 0);
	same(c, "SELECT NULL, '', 0x00", 1);
	SECTION("rowstream: values of 16 MB and more span packets");
	same(c, "SELECT REPEAT('z', 16777211)", 1); /* a payload of exactly 0xffffff, then an empty one */
	same(c, "SELECT 1, REPEAT('ab', 9000000), NULL, 'end'", 1);
	SECTION("rowstream: statements without rows, errors before and during the rows");
	same(c, "DO 1", 0);
	same(c, "SELECT * FROM tj_rowstream.nope", -1);
	/* the correlated subquery fails at row 4000, after rows have been sent */
	same(c, "SELECT id, IF(id < 4000, id, (SELECT t2.id FROM tj_rowstream.t t2 "
		"WHERE t2.id IN (t.id, t.id + 1))) FROM tj_rowstream.t t ORDER BY id", -1);
	struct result r;
	run(c, "SELECT id, IF(id < 4000, id, (SELECT t2.id FROM tj_rowstream.t t2 WHERE t2.id IN (t.id, t.id + 1))) "
	       "FROM tj_rowstream.t t ORDER BY id", ROWSTREAM_ANY, &r);
	CHECKF(r.end == -1 && r.err && strstr(r.err, "more than 1 row"), "error part way: %d %s", r.end,
	       r.err ? r.err : "");
	CHECKF(r.nrows > 0 && r.nrows < 4000, "rows before the error: %ld", r.nrows);
	result_free(&r);
}

static void test_early_close(struct dbconn *c)
{
	SECTION("rowstream: closing before the end leaves the connection in step");
	char *err = NULL;
	struct rowstream *s = rowstream_query(c->mysql, "SELECT * FROM tj_rowstream.t", 30, ROWSTREAM_ANY, &err);
	CHECK(s && rowstream_is_wire(s));
	char **row;
	unsigned long *lens;
	for (int i = 0; s && i < 3; i++)
		CHECK(rowstream_next(s, &row, &lens, &err) == 1);
	rowstream_close(s);
	CHECK(usable(c));
}

static void test_killed(struct dbconn *c, const char *dsn)
{
	SECTION("rowstream: a connection killed part way is an error, never a short result");
	struct dbconn *k = connect_to(dsn);
	char *err = NULL, *id = NULL;
	dbconn_scalar(c, "SELECT CONNECTION_ID()", &id);
	struct rowstream *s = rowstream_query(c->mysql, "SELECT a.id, a.s, b.id FROM tj_rowstream.t a "
				      "CROSS JOIN tj_rowstream.t b", 30, ROWSTREAM_ANY, &err);
	CHECK(s != NULL);
	char **row;
	unsigned long *lens;
	long n = 0;
	int rc = 1;
	while (s && (rc = rowstream_next(s, &row, &lens, &err)) > 0)
		if (++n == 10) {
			char *kill = xasprintf("KILL CONNECTION %s", id);
			exec(k, kill);
			free(kill);
		}
	CHECKF(rc == -1 && err, "killed after %ld rows: ended %d", n, rc);
	CHECKF(n < 36000000L, "%ld rows", n);
	rowstream_close(s);
	CHECK(!usable(c)); /* fails cleanly: no stray row is taken for an answer */
	free(err);
	free(id);
	dbconn_close(k);
}

int main(void)
{
	const char *dsn = getenv("TEJUN_SRC_DSN"), *sock = getenv("TEJUN_SRC_SOCKET"),
		   *pw = getenv("TEJUN_SANDBOX_PASSWORD");
	if (!dsn || !sock || !pw || !getenv("TEJUN_TARGET_DSN") || !getenv("TEJUN_SANDBOX_CA")) {
		fprintf(stderr, "sandbox not set: run scripts/sandbox up; eval \"$(scripts/sandbox env)\"\n");
		return 1;
	}
	struct dbconn *admin = connect_to(dsn);
	setup(admin);
	char *unix_dsn = xasprintf("mysql://root:%s@localhost/?socket=%s", pw, sock);
	char *tcp_dsn = xasprintf("%s?ssl-mode=DISABLED", dsn);
	const char *dsns[] = {unix_dsn, tcp_dsn};
	for (int i = 0; i < 2; i++) {
		printf("# over %s\n", i ? "TCP" : "the unix socket");
		struct dbconn *c = connect_to(dsns[i]);
		test_rows(c);
		test_early_close(c);
		test_killed(c, dsn);
		dbconn_close(c);
	}
	SECTION("rowstream: a TLS connection is read through the library");
	/* the sandbox's target is the server with TLS */
	char *tls_dsn = xasprintf("%s?ssl-mode=VERIFY_CA&ssl-ca=%s", getenv("TEJUN_TARGET_DSN"),
				  getenv("TEJUN_SANDBOX_CA"));
	struct dbconn *tls = connect_to(tls_dsn);
	free(tls_dsn);
	exec(tls, "SET SESSION max_recursive_iterations = 100000");
	struct result r;
	run(tls, "WITH RECURSIVE q(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM q WHERE i < 6000) "
		 "SELECT i FROM q", ROWSTREAM_ANY, &r);
	CHECKF(mysql_get_ssl_cipher(tls->mysql) != NULL, "no TLS with ssl-mode=VERIFY_CA");
	CHECKF(!r.wire && r.end == 0 && r.nrows == 6000, "TLS: wire %d end %d rows %ld", r.wire, r.end, r.nrows);
	result_free(&r);
	dbconn_close(tls);
	exec(admin, "DROP DATABASE tj_rowstream");
	exec(admin, "SET GLOBAL max_allowed_packet = DEFAULT");
	dbconn_close(admin);
	free(unix_dsn);
	free(tcp_dsn);
	return tap_done();
}
