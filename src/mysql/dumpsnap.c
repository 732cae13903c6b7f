/* The dump's consistent snapshot over N connections: FLUSH TABLES WITH READ LOCK while every
 * connection starts its transaction, or, where the lock is refused (RDS, Aurora), snapshots
 * proved the same one by their binlog positions. */
#include "config.h"
#include "mysql/dump_int.h"
#include "mysql/dbconn.h"
#include "core/util.h"
#include <mysql.h>
#include <stdlib.h>
#include <string.h>

int dumpsnap_setup_conn(struct dbconn *c)
{
	mysql_set_character_set(c->mysql, "utf8mb4");
	if (dbconn_exec(c, "SET SESSION net_write_timeout=3600, net_read_timeout=3600, "
			"wait_timeout=86400, time_zone='+00:00', sql_mode=''", NULL, NULL) < 0)
		return -1;
	if (c->flavour != DB_MARIADB)
		dbconn_exec(c, "SET SESSION information_schema_stats_expiry=0", NULL, NULL);
	return dbconn_exec(c, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", NULL, NULL);
}

static int start_snapshot(struct dbconn *c)
{
	return dbconn_exec(c, "START TRANSACTION WITH CONSISTENT SNAPSHOT", NULL, NULL);
}

/* Binlog file/position (and GTID) of the server now; fields NULL when binlog is off. */
static void read_position(struct dbconn *c, char **file, char **pos, char **gtid)
{
	struct dbres *r = NULL;
	*file = *pos = *gtid = NULL;
	if (dbconn_query(c, "SHOW MASTER STATUS", &r) < 0 &&
	    dbconn_query(c, "SHOW BINARY LOG STATUS", &r) < 0)
		r = NULL;
	if (r && r->nrows == 1) {
		*file = xstrdup(dbres_get(r, 0, 0));
		*pos = xstrdup(dbres_get(r, 0, 1));
		int g = dbres_col(r, "Executed_Gtid_Set");
		if (g >= 0 && dbres_get(r, 0, (unsigned)g))
			*gtid = xstrdup(dbres_get(r, 0, (unsigned)g));
	}
	dbres_free(r);
	if (!*gtid && c->flavour == DB_MARIADB)
		dbconn_scalar(c, "SELECT @@gtid_binlog_pos", gtid);
}

/* MariaDB reports, per connection, the binlog position its snapshot is consistent with. */
static char *mariadb_snapshot_pos(struct dbconn *c)
{
	struct dbres *r = NULL;
	char *out = NULL;
	if (dbconn_query(c, "SHOW STATUS LIKE 'binlog_snapshot_%'", &r) == 0 && r->nrows >= 2) {
		struct sbuf b;
		sbuf_init(&b);
		for (size_t i = 0; i < r->nrows; i++)
			sbuf_addf(&b, "%s=%s;", dbres_get(r, i, 0), dbres_get(r, i, 1));
		out = sbuf_steal(&b);
	}
	dbres_free(r);
	return out;
}

/* FLUSH TABLES WITH READ LOCK queues behind a long query or a LOCK TABLES, and the
 * source's writers then queue behind it: wait in 2 s tries, so a ^C is heard, and say so.
 * 0 locked; -1 with c0->err (refused, or cancelled: *cancelled). */
static int global_lock(struct dump *d, struct dbconn *c0, bool *cancelled)
{
	*cancelled = false;
	dbconn_exec(c0, "SET SESSION lock_wait_timeout = 2", NULL, NULL);
	double t0 = now_mono();
	int rc;
	for (bool said = false;; said = true) {
		rc = dbconn_exec(c0, "FLUSH TABLES WITH READ LOCK", NULL, NULL);
		if (rc == 0 || c0->errnum != 1205 /* ER_LOCK_WAIT_TIMEOUT */)
			break;
		if (dump_cancelled(d)) {
			*cancelled = true;
			break;
		}
		if (!said)
			dump_note(d, "waiting for the global read lock: a long query or LOCK TABLES holds a "
				  "table, and writes on the source wait too (^C stops)");
	}
	if (rc == 0 && now_mono() - t0 > 2)
		dump_note(d, "global read lock taken after %.0f s", now_mono() - t0);
	dbconn_exec(c0, "SET SESSION lock_wait_timeout = DEFAULT", NULL, NULL);
	return rc;
}

int dumpsnap_take(struct dump *d, struct dbconn **conns, int n, struct dumpsnap *s, char **err)
{
	struct dbconn *c0 = conns[0];
	bool want_lock = strcmp(d->o.lock, "none") != 0, cancelled = false;
	if (want_lock && global_lock(d, c0, &cancelled) == 0) {
		for (int i = 0; i < n; i++)
			if (start_snapshot(conns[i]) < 0) {
				*err = xasprintf("start snapshot: %s", conns[i]->err);
				dbconn_exec(c0, "UNLOCK TABLES", NULL, NULL);
				return -1;
			}
		read_position(c0, &s->file, &s->pos, &s->gtid);
		dbconn_exec(c0, "UNLOCK TABLES", NULL, NULL);
		s->method = xasprintf("FLUSH TABLES WITH READ LOCK held while %d snapshots started", n);
		return 0;
	}
	if (cancelled) {
		*err = xstrdup("cancelled while waiting for the global read lock");
		return -1;
	}
	if (want_lock && strcmp(d->o.lock, "ftwrl") == 0) {
		*err = xasprintf("FLUSH TABLES WITH READ LOCK: %s (lock=\"ftwrl\" requires it)", c0->err);
		return -1;
	}
	if (want_lock)
		dump_note(d, "FLUSH TABLES WITH READ LOCK refused (%s): checking snapshot positions instead",
			  c0->err);
	/* Without the global lock: start every snapshot, then prove they are the same one by
	 * their binlog positions; any commit in between shows up and we start over. */
	for (int attempt = 1; attempt <= 20; attempt++) {
		char *f1, *p1, *g1;
		read_position(c0, &f1, &p1, &g1);
		bool same = true;
		char *first = NULL;
		for (int i = 0; i < n; i++) {
			if (start_snapshot(conns[i]) < 0) {
				*err = xasprintf("start snapshot: %s", conns[i]->err);
				free(f1); free(p1); free(g1); free(first);
				return -1;
			}
			if (c0->flavour == DB_MARIADB) {
				char *sp = mariadb_snapshot_pos(conns[i]);
				if (!sp || (first && strcmp(first, sp) != 0))
					same = false;
				if (!first)
					first = sp;
				else
					free(sp);
			}
		}
		char *f2, *p2, *g2;
		read_position(c0, &f2, &p2, &g2);
		bool have_pos = f1 && p1 && f2 && p2;
		if (c0->flavour != DB_MARIADB)
			same = have_pos && strcmp(f1, f2) == 0 && strcmp(p1, p2) == 0 &&
			       (!g1 || !g2 || strcmp(g1, g2) == 0);
		if (!have_pos && n > 1 && c0->flavour != DB_MARIADB)
			same = false;
		free(first);
		if (same && (have_pos || n == 1)) {
			s->file = f1; s->pos = p1; s->gtid = g1;
			free(f2); free(p2); free(g2);
			s->method = xasprintf(c0->flavour == DB_MARIADB
				? "no global lock: %d snapshots with the same binlog_snapshot position (attempt %d)"
				: "no global lock: binlog position unchanged while %d snapshots started (attempt %d)",
				n, attempt);
			return 0;
		}
		free(f1); free(p1); free(g1); free(f2); free(p2); free(g2);
		if (!have_pos && n > 1) {
			*err = xstrdup("cannot prove a consistent snapshot across connections without "
				       "FLUSH TABLES WITH READ LOCK or a binary log: use threads=1");
			return -1;
		}
		for (int i = 0; i < n; i++)
			dbconn_exec(conns[i], "ROLLBACK", NULL, NULL);
	}
	*err = xstrdup("writes kept moving the binlog while the snapshots started (20 attempts): "
		       "grant RELOAD for FLUSH TABLES WITH READ LOCK, or dump in a quieter moment");
	return -1;
}

void dumpsnap_free(struct dumpsnap *s)
{
	free(s->method);
	free(s->file);
	free(s->pos);
	free(s->gtid);
}
