/* Unit checks of the dump building blocks: progress estimator, SQL literals and DDL
 * rewrites, INSERT to LOAD DATA text, the statement splitter, files (zstd round trip, sha256
 * refusal), the background fsync of finished files and how a restore weighs its tables. */
#include "config.h"
#include "mysql/dumpfile.h"
#include "mysql/dumpsql.h"
#include "mysql/dumpsync.h"
#include <errno.h>
#include <fcntl.h>
#include "core/progress.h"
#include "mysql/restore_int.h"
#include "mysql/restoreinfile.h"
#include "mysql/restoresql.h"
#include "core/util.h"
#include "tests/tap.h"
#include <math.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_progress(void)
{
	SECTION("progress: monotonic, capped, exactly 100 at the end");
	struct progress p;
	progress_init(&p, 1000, 0);
	double last = 0;
	bool mono = true, capped = true;
	/* a raw signal that jitters and overshoots (as row estimates do) */
	for (int i = 1; i <= 200; i++) {
		double raw = i * 7.0 + ((i % 3) ? 30 : -30);
		double v = progress_update(&p, raw, i * 0.5);
		mono = mono && v >= last;
		capped = capped && v < 1000;
		last = v;
	}
	CHECK(mono);
	CHECK(capped);
	CHECK(progress_pct(&p) < 100.0);
	progress_finish(&p, 101);
	CHECKF(progress_pct(&p) == 100.0, "pct %f", progress_pct(&p));
	CHECK(progress_eta(&p) == 0);

	SECTION("progress: ETA within 10 % on steady work after 10 %");
	progress_init(&p, 1000, 0);
	bool ok = true;
	for (int i = 1; i <= 400; i++) {
		double t = i * 0.25; /* 10 units/s: finishes at t=100 */
		progress_update(&p, t * 10, t);
		double eta = progress_eta(&p);
		if (t * 10 >= 100 && t < 99) {
			double real = 100 - t;
			if (eta < 0 || fabs(eta - real) > 0.1 * real + 0.5) {
				ok = false;
				fprintf(stderr, "t=%.2f eta=%.2f real=%.2f\n", t, eta, real);
				break;
			}
		}
	}
	CHECK(ok);
	CHECK(fabs(progress_rate(&p) - 10) < 0.5);

	SECTION("progress: the seconds before any work do not count in the rate");
	progress_init(&p, 1000, 0);
	for (double s = 0.25; s <= 5; s += 0.25)
		progress_update(&p, 0, s); /* connecting, checking files */
	for (double s = 5.25; s <= 7; s += 0.25)
		progress_update(&p, (s - 5) * 10, s);
	CHECKF(fabs(progress_rate(&p) - 10) < 0.5, "rate %.2f, want 10", progress_rate(&p));

	SECTION("progress: a resumed run starts where the last stopped, its rate is its own");
	progress_init_from(&p, 1000, 400, 0);
	CHECKF(progress_pct(&p) == 40.0, "pct %.1f, want 40 at once", progress_pct(&p));
	for (double s = 0.25; s <= 1; s += 0.25)
		progress_update(&p, 400, s); /* checking files again */
	for (double s = 1.25; s <= 6; s += 0.25)
		progress_update(&p, 400 + (s - 1) * 10, s);
	CHECKF(fabs(progress_rate(&p) - 10) < 0.5, "rate %.2f, want 10 (not the 400 done before)", progress_rate(&p));
	CHECKF(fabs(progress_eta(&p) - 55) < 3, "eta %.1f, want 55", progress_eta(&p));

	SECTION("progress: after a rebase the rate is the new pace's, once a second has passed");
	progress_init(&p, 1000, 0);
	double t = 0;
	for (; t < 10; t += 0.25)
		progress_update(&p, t * 5, t); /* 5 units/s while the dump competes */
	double at = t * 5;
	progress_rebase(&p, t);
	double t0 = t;
	progress_update(&p, at + 20 * 0.5, t0 + 0.5);
	CHECKF(fabs(progress_rate(&p) - 5) < 1.5, "half a second in: rate %.2f, want the old pace", progress_rate(&p));
	for (t = t0 + 0.75; t <= t0 + 3; t += 0.25)
		progress_update(&p, at + 20 * (t - t0), t);
	CHECKF(fabs(progress_rate(&p) - 20) < 0.5, "rate %.2f, want 20", progress_rate(&p));
}

static void test_sql(void)
{
	SECTION("dumpsql: literals");
	struct sbuf b;
	sbuf_init(&b);
	dumpsql_value(&b, "a'b\\c\n\0d", 8, DUMPSQL_QUOTE);
	CHECKF(strcmp(b.data, "'a\\'b\\\\c\\n\\0d'") == 0, "%s", b.data);
	b.len = 0;
	dumpsql_value(&b, "\x00\xff", 2, DUMPSQL_HEX);
	CHECKF(strcmp(b.data, "0x00FF") == 0, "%s", b.data);
	b.len = 0;
	dumpsql_value(&b, "", 0, DUMPSQL_HEX);
	CHECKF(strcmp(b.data, "''") == 0, "%s", b.data);
	b.len = 0;
	dumpsql_value(&b, NULL, 0, DUMPSQL_QUOTE);
	CHECKF(strcmp(b.data, "NULL") == 0, "%s", b.data);

	SECTION("dumpsql: a whole row in one reservation, every value at its longest");
	b.len = 0;
	sbuf_add(&b, "x", 1);
	const char *row[] = {"-12.50", NULL, "''''", "\xff\x00", "", "a\n"};
	const unsigned long lens[] = {6, 0, 4, 2, 0, 2};
	const enum dumpsql_kind kinds[] = {DUMPSQL_NUM, DUMPSQL_HEX, DUMPSQL_QUOTE, DUMPSQL_HEX,
					   DUMPSQL_HEX, DUMPSQL_QUOTE};
	for (int i = 0; i < 3; i++) /* grows from a small buffer */
		dumpsql_row(&b, row, lens, kinds, 6);
	const char *one = "(-12.50,NULL,'\\'\\'\\'\\'',0xFF00,'','a\\n')";
	char *three = xasprintf("x%s%s%s", one, one, one);
	CHECKF(strcmp(b.data, three) == 0 && b.len == strlen(three), "%s", b.data);
	free(three);
	sbuf_free(&b);
	CHECK(dumpsql_kind_of(MYSQL_TYPE_BLOB, 63, 0) == DUMPSQL_HEX);
	CHECK(dumpsql_kind_of(MYSQL_TYPE_BLOB, 45, 0) == DUMPSQL_QUOTE);
	CHECK(dumpsql_kind_of(MYSQL_TYPE_LONG, 63, 0) == DUMPSQL_NUM);
	CHECK(dumpsql_kind_of(MYSQL_TYPE_DATETIME, 63, 0) == DUMPSQL_QUOTE);
	CHECK(dumpsql_kind_of(245, 63, 0) == DUMPSQL_QUOTE);

	SECTION("dumpsql: every escaped byte at every offset, across the 16-byte scan");
	static const char special[] = {0, '\n', '\r', 26, '\\', '\'', '"'};
	static const char letter[] = {'0', 'n', 'r', 'Z', '\\', '\'', '"'};
	bool same = true;
	for (size_t k = 0; k < sizeof special && same; k++)
		for (size_t at = 0; at < 40 && same; at++) {
			char in[40], want[2 * 40 + 3];
			memset(in, 'x', sizeof in);
			in[7] = (char)0xe6; /* a utf8mb4 lead byte passes through */
			in[at] = special[k];
			size_t w = 0;
			want[w++] = '\'';
			for (size_t i = 0; i < sizeof in; i++) {
				if (i == at) {
					want[w++] = '\\';
					want[w++] = letter[k];
				} else {
					want[w++] = in[i];
				}
			}
			want[w++] = '\'';
			sbuf_init(&b);
			dumpsql_value(&b, in, sizeof in, DUMPSQL_QUOTE);
			same = b.len == w && memcmp(b.data, want, w) == 0;
			CHECKF(same, "byte %d at %zu: %s", special[k], at, b.data);
			sbuf_free(&b);
		}

	SECTION("dumpsql: secondary keys split out");
	const char *ct = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
			 "  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`a`),\n  KEY `k1` (`a`),\n  KEY `k2` (`a`,`id`)\n"
			 ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
	char *t = NULL, *a = NULL;
	dumpsql_split_indexes(ct, "t", &t, &a);
	CHECKF(strcmp(t, "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
			 "  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`a`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4") == 0,
	       "%s", t);
	CHECKF(a && strcmp(a, "ALTER TABLE `t`\n  ADD KEY `k1` (`a`),\n  ADD KEY `k2` (`a`,`id`);\n") == 0, "%s", a);
	free(t);
	free(a);

	SECTION("dumpsql: definer and own schema removed");
	char def[] = "CREATE DEFINER=`ro``ot`@`localhost` TRIGGER `x` BEFORE INSERT ON `t` FOR EACH ROW SET @a=1";
	dumpsql_strip_definer(def);
	CHECKF(strcmp(def, "CREATE TRIGGER `x` BEFORE INSERT ON `t` FOR EACH ROW SET @a=1") == 0, "%s", def);
	char *u = dumpsql_unqualify("select `app`.`t`.`a` AS `a` from `app`.`t`", "app");
	CHECKF(strcmp(u, "select `t`.`a` AS `a` from `t`") == 0, "%s", u);
	free(u);
}

static void write_text(const char *path, const char *text, int level)
{
	char *err = NULL;
	struct dumpfile_w *w = dumpfile_create(path, level, &err);
	CHECK(w != NULL);
	CHECK(dumpfile_write(w, text, strlen(text), &err) == 0);
	struct dumpfile_info fi;
	CHECK(dumpfile_finish(w, &fi, &err) == 0);
	CHECK(fi.raw_bytes == strlen(text));
	CHECK(dumpfile_verify(path, fi.bytes, fi.sha256, &err) == 0);
	free(err);
}

static void test_split_and_files(const char *dir)
{
	SECTION("restoresql: statements, quotes, comments, DELIMITER");
	const char *text = "-- header ; comment\nSET NAMES utf8mb4;\n"
			   "INSERT INTO `t` VALUES (1,'a;b\\'c\\n;'),(2,\"x;\"),(3,0xAB);\n"
			   "/*!40101 SET x=1 */;\n# hash comment;\n"
			   "DELIMITER ;;\nCREATE TRIGGER `x` BEFORE INSERT ON `t` FOR EACH ROW BEGIN SET @a=1; SET @b=2; END;;\n"
			   "DELIMITER ;\nSELECT `a;b` FROM t;\n";
	const char *want[] = {"SET NAMES utf8mb4", "INSERT INTO `t` VALUES (1,'a;b\\'c\\n;'),(2,\"x;\"),(3,0xAB)",
			      "/*!40101 SET x=1 */",
			      "CREATE TRIGGER `x` BEFORE INSERT ON `t` FOR EACH ROW BEGIN SET @a=1; SET @b=2; END",
			      "SELECT `a;b` FROM t", NULL};
	for (int level = 0; level <= 3; level += 3) {
		char *path = xasprintf("%s/split-%d.sql", dir, level);
		write_text(path, text, level);
		char *err = NULL;
		struct dumpfile_r *r = dumpfile_open(path, &err);
		CHECK(r != NULL);
		struct restoresql *s = restoresql_new(r);
		struct sbuf st;
		sbuf_init(&st);
		int i = 0, rc;
		while ((rc = restoresql_next(s, &st, &err)) == 1) {
			CHECKF(want[i] && strcmp(st.data, want[i]) == 0, "level %d stmt %d: [%s]", level, i, st.data);
			if (want[i])
				i++;
		}
		CHECK(rc == 0);
		CHECKF(want[i] == NULL, "level %d: only %d statements", level, i);
		sbuf_free(&st);
		restoresql_free(s);
		dumpfile_close(r);
		free(path);
	}

	SECTION("dumpfile: a changed byte is refused by sha256, no .tmp left");
	char *path = xasprintf("%s/data.sql", dir);
	char *err = NULL;
	struct dumpfile_w *w = dumpfile_create(path, 0, &err);
	dumpfile_write(w, "INSERT INTO t VALUES (1);\n", 26, &err);
	struct dumpfile_info fi;
	CHECK(dumpfile_finish(w, &fi, &err) == 0);
	char *tmp = xasprintf("%s.tmp", path);
	CHECK(access(tmp, F_OK) != 0);
	FILE *f = fopen(path, "r+");
	fseek(f, 21, SEEK_SET);
	fputc('2', f);
	fclose(f);
	CHECK(dumpfile_verify(path, fi.bytes, fi.sha256, &err) < 0);
	CHECKF(err && strstr(err, "refusing"), "%s", err ? err : "(null)");
	free(err);
	err = NULL;
	w = dumpfile_create(path, 0, &err);
	dumpfile_write(w, "x", 1, &err);
	dumpfile_abort(w);
	CHECK(access(tmp, F_OK) != 0);
	free(tmp);
	free(path);
}

static void test_infile(void)
{
	SECTION("mem_span_not4: each stop byte at every offset, across the 16-byte scan");
	bool spans = true;
	static const unsigned char stops[] = {'\'', '\\', '\t', '\n'};
	for (size_t k = 0; k < sizeof stops && spans; k++)
		for (size_t at = 0; at <= 40 && spans; at++) {
			unsigned char buf[41];
			memset(buf, 'q', sizeof buf);
			buf[5] = 0xe3; /* high bytes are not stops */
			if (at < 41)
				buf[at] = stops[k];
			size_t got = mem_span_not4(buf, 40, '\'', '\\', '\t', '\n');
			spans = got == (at < 40 ? at : 40);
			CHECKF(spans, "stop %d at %zu: got %zu", stops[k], at, got);
		}
	SECTION("restoreinfile: the dump's INSERT becomes LOAD DATA text");
	const char *ins = "INSERT INTO `t``x` (`a`,`b`,`c`) VALUES\n(1,'x\\'y\\\\z\\n\tw',0x00095C0A41),\n"
			  "(-2.5e3,NULL,''),\n(3,'\\N',0x)";
	size_t hl = 0;
	char *load = restoreinfile_load_sql(ins, strlen(ins), "utf8mb4", &hl);
	CHECKF(load && strstr(load, "INTO TABLE `t``x` CHARACTER SET utf8mb4") && strstr(load, "(`a`,`b`,`c`)"),
	       "%s", load ? load : "NULL");
	CHECK(hl == strlen("INSERT INTO `t``x` (`a`,`b`,`c`) VALUES"));
	struct sbuf o;
	sbuf_init(&o);
	unsigned long long rows = 0;
	/* 0x with no digits is not the dump's (it writes ''): that statement is left to SQL */
	CHECK(restoreinfile_convert(ins, strlen(ins), ins, hl, &o, &rows) == -1 && o.len == 0 && rows == 0);
	const char *ok = "INSERT INTO `t``x` (`a`,`b`,`c`) VALUES\n(1,'x\\'y\\\\z\\n\tw',0x00095C0A41),\n"
			 "(-2.5e3,NULL,''),\n(3,'\\\\N',0x5C4E)";
	CHECK(restoreinfile_convert(ok, strlen(ok), ins, hl, &o, &rows) == 0);
	const char *want = "1\tx\\'y\\\\z\\n\\tw\t\\0\\t\\\\\\nA\n"
			   "-2.5e3\t\\N\t\n"
			   "3\t\\\\N\t\\\\N\n";
	CHECKF(rows == 3 && o.len == strlen(want) && memcmp(o.data, want, o.len) == 0, "%llu rows: [%s]", rows, o.data);
	static const char *const other[] = {
		"INSERT INTO `u` (`a`,`b`,`c`) VALUES\n(1,2,3)",          /* another table */
		"INSERT INTO `t``x` (`a`,`b`,`c`) VALUES\n(1,NOW(),3)",   /* a function */
		"INSERT INTO `t``x` (`a`,`b`,`c`) VALUES\n(1,'a\\tb',3)", /* an escape the dump never writes */
		"INSERT INTO `t``x` (`a`,`b`,`c`) VALUES\n(1,'open",      /* cut short */
		"INSERT INTO `t``x` (`a`,`b`,`c`) VALUES\n(1,2,3),",      /* trailing comma */
	};
	size_t before = o.len;
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		CHECKF(restoreinfile_convert(other[i], strlen(other[i]), ins, hl, &o, &rows) == -1 && o.len == before &&
		       o.data[before] == '\0',
		       "accepted: %s", other[i]);
	CHECK(!restoreinfile_load_sql("UPDATE t SET a=1", 16, "utf8mb4", &hl));
	CHECK(!restoreinfile_load_sql("INSERT INTO t VALUES (1)", 24, "binary", &hl));
	free(load);
	sbuf_free(&o);
}

static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void test_sync_later(const char *dir)
{
	SECTION("dumpsync: files renamed at once, every one synced and closed by drain");
	struct dumpsync *s = dumpsync_new();
	int before = open_fds();
	bool named = true;
	for (int i = 0; i < 40; i++) {
		char *path = xasprintf("%s/later-%d.sql", dir, i), *err = NULL;
		struct dumpfile_w *w = dumpfile_create(path, i % 2 ? 3 : 0, &err);
		dumpfile_sync_later(w, s);
		dumpfile_write(w, "SELECT 1;\n", 10, &err);
		struct dumpfile_info fi;
		named = named && dumpfile_finish(w, &fi, &err) == 0 && access(path, F_OK) == 0;
		free(path);
	}
	CHECK(named);
	char *err = NULL;
	CHECK(dumpsync_drain(s, &err) == 0 && err == NULL);
	CHECKF(open_fds() == before, "%d descriptors open, %d before", open_fds(), before);

	SECTION("dumpsync: a file that cannot be synced fails the drain and is named");
	int p[2];
	CHECK(pipe(p) == 0);
	dumpsync_add(s, p[0], "/dump/bench/2-big.000001.sql");
	CHECK(dumpsync_drain(s, &err) == -1);
	CHECKF(err && strstr(err, "2-big.000001.sql") && strstr(err, "fsync"), "%s", err ? err : "(null)");
	CHECK(fcntl(p[0], F_GETFD) < 0 && errno == EBADF);
	close(p[1]);
	free(err);
	err = NULL;
	CHECK(dumpsync_drain(s, &err) == 0);
	dumpsync_free(s);
}

static bool narrow_loaded(void *ud, const char *path)
{
	(void)ud;
	return strstr(path, "narrow") != NULL;
}

static void test_restore_weights(void)
{
	SECTION("restore progress: a table's rows weigh as well as its bytes");
	/* two tables of 1 MB each: 50,000 rows of 20 bytes against 500 rows of 2 KB; the
	 * server's cost is mostly per row, so loading the narrow one is most of the work */
	struct restore_opts o = {.dir = "/nonexistent", .threads = 2, .is_done = narrow_loaded, .stream = true};
	struct restore *r = restore_new(&o);
	const char *tables[] = {"narrow", "wide"};
	const int rows[] = {50000, 500};
	for (int i = 0; i < 2; i++) {
		char path[64];
		snprintf(path, sizeof path, "db/2-%s.000001.sql", tables[i]);
		json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:i}", "path", path, "kind", "data", "schema", "db",
				      "table", tables[i], "bytes", 1000000, "raw_bytes", 1000000, "rows", rows[i]);
		restore_feed(r, e);
		json_decref(e);
	}
	pthread_mutex_lock(&r->mu);
	double total, done = restore_raw_done(r, &total);
	pthread_mutex_unlock(&r->mu);
	double frac = done / total;
	CHECKF(frac > 0.8 && frac < 0.9, "narrow table loaded: %.0f %% done, want 80-90 %%", frac * 100);
	restore_free(r);
}

static bool schema_loaded(void *ud, const char *path)
{
	(void)ud;
	return strstr(path, "/1-") != NULL;
}

/* A restore of files "db/2-T.00000N.sql" of the given sizes (rows 0, so cost = bytes);
 * schema files count as loaded, so data files may be picked. */
static struct restore *plan(int threads, const char *const *tables, const int *sizes, int n)
{
	struct restore_opts o = {.dir = "/nonexistent", .threads = threads, .is_done = schema_loaded, .stream = true};
	struct restore *r = restore_new(&o);
	for (int i = 0; i < n; i++) {
		char path[64];
		const char *kind = sizes[i] < 0 ? "indexes" : "data";
		json_t *e;
		if (i == 0 || strcmp(tables[i], tables[i - 1]) != 0) {
			snprintf(path, sizeof path, "db/1-%s.sql", tables[i]);
			e = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i}", "path", path, "kind", "schema", "schema", "db",
				      "table", tables[i], "bytes", 100, "raw_bytes", 100);
			restore_feed(r, e);
			json_decref(e);
		}
		if (sizes[i] < 0)
			snprintf(path, sizeof path, "db/3-%s.indexes.sql", tables[i]);
		else
			snprintf(path, sizeof path, "db/2-%s.%06d.sql", tables[i], i + 1);
		e = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:i}", "path", path, "kind", kind, "schema", "db",
			      "table", tables[i], "bytes", sizes[i] < 0 ? 100 : sizes[i], "raw_bytes",
			      sizes[i] < 0 ? 100 : sizes[i], "rows", 0);
		restore_feed(r, e);
		json_decref(e);
	}
	pthread_mutex_lock(&r->mu);
	r->feed_ended = true;
	for (size_t i = 0; i < r->ntables; i++)
		r->tables[i]->files_total = 0;
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i]->kind == RK_DATA)
			r->files[i]->t->files_total++;
	pthread_mutex_unlock(&r->mu);
	return r;
}

static struct rfile *start(struct restore *r)
{
	bool more;
	struct rfile *f = restore_pick(r, &more);
	if (f) {
		f->state = RF_RUNNING;
		if (f->kind == RK_DATA)
			f->t->loading++;
	}
	return f;
}

static void test_restore_pick(void)
{
	SECTION("restore: a table loaded empty takes one loader until its first file is in");
	const char *tables[] = {"a", "a", "a", "b"};
	const int sizes[] = {50000, 10000, 30000, 40000};
	struct restore *r = plan(2, tables, sizes, 4);
	r->empty_lock = true;
	struct rfile *f1 = start(r), *f2 = start(r);
	CHECKF(f1 && strcmp(f1->path, "db/2-a.000002.sql") == 0, "first: %s, want a's smallest file", f1 ? f1->path : "none");
	CHECKF(f2 && strcmp(f2->path, "db/2-b.000004.sql") == 0, "second: %s, want b's (a is locked)", f2 ? f2->path : "none");
	bool more;
	CHECK(restore_pick(r, &more) == NULL && more);
	f1->state = RF_DONE;
	f1->t->files_done++;
	f1->t->loading--;
	struct rfile *f3 = start(r);
	CHECKF(f3 && strcmp(f3->path, "db/2-a.000001.sql") == 0, "third: %s, want a's largest", f3 ? f3->path : "none");
	restore_free(r);

	r = plan(2, tables, sizes, 4); /* MySQL: no such lock, both loaders start on a */
	f1 = start(r);
	f2 = start(r);
	CHECKF(f1 && f2 && f1->t == f2->t && strcmp(f1->t->name, "a") == 0, "%s, %s: want two of a's",
	       f1 ? f1->path : "none", f2 ? f2->path : "none");
	restore_free(r);
}

static void test_restore_sched_eta(void)
{
	SECTION("restore ETA: the last file loads alone, an index build after its table");
	const char *t3[] = {"c", "c", "c"};
	const int s3[] = {1000, 1000, 1000};
	struct restore *r = plan(2, t3, s3, 3);
	pthread_mutex_lock(&r->mu);
	/* 100 units/s on 2 loaders: two files at 50/s each (20 s), then one alone, still at
	 * 50/s (20 s); "left / rate" would say 30 s */
	double eta = restore_sched_eta(r, 100);
	CHECKF(fabs(eta - 40) < 0.01, "eta %.2f", eta);
	pthread_mutex_unlock(&r->mu);
	restore_free(r);

	const char *t2[] = {"d", "d", "d"};
	const int s2[] = {1000, 1000, -1};
	r = plan(2, t2, s2, 3);
	pthread_mutex_lock(&r->mu);
	r->tables[0]->idx_w = 1000; /* weight 1000 + 0.1 * 2000 = 1200 */
	double iw = restore_index_weight(r->tables[0]);
	eta = restore_sched_eta(r, 100);
	CHECKF(fabs(iw - 1200) < 0.01 && fabs(eta - (20 + 1200 / 50.0)) < 0.01, "iw %.0f eta %.2f", iw, eta);
	/* half of one file sent: that loader is 500 units from free */
	r->files[1]->state = RF_RUNNING;
	r->files[1]->inflight = 500;
	eta = restore_sched_eta(r, 100);
	CHECKF(fabs(eta - (10 + 500 / 50.0 + 1200 / 50.0)) < 0.01, "eta %.2f", eta);
	CHECK(restore_sched_eta(r, 0) < 0);
	pthread_mutex_unlock(&r->mu);
	restore_free(r);
}

int main(void)
{
	char tmpl[] = "/tmp/tj-dumpunit-XXXXXX";
	char *dir = mkdtemp(tmpl);
	test_progress();
	test_sql();
	test_infile();
	test_split_and_files(dir);
	test_sync_later(dir);
	test_restore_weights();
	test_restore_pick();
	test_restore_sched_eta();
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
	free(cmd);
	return tap_done();
}
