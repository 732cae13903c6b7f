/* Replica status on MySQL and MariaDB, heartbeat writer and sub-second heartbeat lag. */
#include "config.h"
#include "mysql/dblag.h"
#include "mysql/dbconn.h"
#include "core/util.h"
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* First column that exists among MySQL 8.0.22+ (Replica/Source) and older (Slave/Master) names. */
static const char *field(struct dbres *r, const char *a, const char *b)
{
	int i = dbres_col(r, a);
	if (i < 0)
		i = dbres_col(r, b);
	return i < 0 ? NULL : dbres_get(r, 0, (unsigned)i);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

static void set_num(json_t *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_set_new(o, key, json_integer(strtoll(v, NULL, 10)));
}

json_t *dblag_replica_status(struct dbconn *c)
{
	struct dbres *r = NULL;
	if (dbconn_query(c, "SHOW REPLICA STATUS", &r) < 0) {
		if (c->errnum != 1064 || dbconn_query(c, "SHOW SLAVE STATUS", &r) < 0)
			return NULL;
	}
	json_t *o = json_object();
	json_object_set_new(o, "configured", json_boolean(r && r->nrows > 0));
	if (!r || !r->nrows) {
		dbres_free(r);
		return o;
	}
	const char *io = field(r, "Replica_IO_Running", "Slave_IO_Running");
	const char *sq = field(r, "Replica_SQL_Running", "Slave_SQL_Running");
	set_str(o, "io_running", io);
	set_str(o, "sql_running", sq);
	set_num(o, "seconds_behind", field(r, "Seconds_Behind_Source", "Seconds_Behind_Master"));
	set_str(o, "last_io_error", field(r, "Last_IO_Error", "Last_IO_Error"));
	set_str(o, "last_sql_error", field(r, "Last_SQL_Error", "Last_SQL_Error"));
	set_num(o, "last_io_errno", field(r, "Last_IO_Errno", "Last_IO_Errno"));
	set_num(o, "last_sql_errno", field(r, "Last_SQL_Errno", "Last_SQL_Errno"));
	set_str(o, "source_host", field(r, "Source_Host", "Master_Host"));
	set_num(o, "source_port", field(r, "Source_Port", "Master_Port"));
	set_num(o, "source_server_id", field(r, "Source_Server_Id", "Master_Server_Id"));
	set_str(o, "source_log_file", field(r, "Source_Log_File", "Master_Log_File"));
	set_num(o, "read_source_log_pos", field(r, "Read_Source_Log_Pos", "Read_Master_Log_Pos"));
	set_str(o, "exec_source_log_file", field(r, "Relay_Source_Log_File", "Relay_Master_Log_File"));
	set_num(o, "exec_source_log_pos", field(r, "Exec_Source_Log_Pos", "Exec_Master_Log_Pos"));
	set_str(o, "sql_state", field(r, "Replica_SQL_Running_State", "Slave_SQL_Running_State"));
	set_str(o, "io_state", field(r, "Replica_IO_State", "Slave_IO_State"));
	set_str(o, "gtid", field(r, "Executed_Gtid_Set", "Gtid_IO_Pos"));
	set_num(o, "sql_delay", field(r, "SQL_Delay", "SQL_Delay"));
	json_t *raw = json_object();
	for (unsigned i = 0; i < r->ncols; i++)
		set_str(raw, r->names[i], dbres_get(r, 0, i));
	json_object_set_new(o, "raw", raw);
	dbres_free(r);
	return o;
}

struct dbheartbeat {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, running;
	struct dbconn *c;
	struct dbopts opts;
	char *insert;
	double interval;
	long beats, errors;
	char err[sizeof ((struct dbconn *)0)->err];
	unsigned long server_id;
};

static char *heartbeat_table(const char *schema)
{
	struct sbuf b;
	sbuf_init(&b);
	dbconn_quote_ident(&b, schema);
	sbuf_adds(&b, "." DBLAG_TABLE);
	return sbuf_steal(&b);
}

static void beat(struct dbheartbeat *h)
{
	if (!h->c) { /* reconnect after a lost connection */
		char *err;
		unsigned num;
		h->c = dbconn_open(&h->opts, &err, &num);
		if (!h->c) {
			pthread_mutex_lock(&h->mu);
			h->errors++;
			snprintf(h->err, sizeof h->err, "%s", err);
			pthread_mutex_unlock(&h->mu);
			free(err);
			return;
		}
	}
	int rc = dbconn_query(h->c, h->insert, NULL);
	pthread_mutex_lock(&h->mu);
	if (rc == 0) {
		h->beats++;
	} else {
		h->errors++;
		snprintf(h->err, sizeof h->err, "%s", h->c->err);
		if (h->c->errnum >= 2000) { /* client side: connection gone */
			dbconn_close(h->c);
			h->c = NULL;
		}
	}
	pthread_mutex_unlock(&h->mu);
}

static void *heartbeat_main(void *arg)
{
	struct dbheartbeat *h = arg;
	dbconn_thread_init();
	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		pthread_mutex_unlock(&h->mu);
		beat(h);
		pthread_mutex_lock(&h->mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double t = ts.tv_sec + ts.tv_nsec / 1e9 + h->interval;
		ts.tv_sec = (time_t)t;
		ts.tv_nsec = (long)((t - floor(t)) * 1e9);
		while (!h->stop && pthread_cond_timedwait(&h->cv, &h->mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct dbheartbeat *dblag_heartbeat_start(const struct dbopts *src, const char *schema,
					  double interval, char **err)
{
	unsigned num;
	*err = NULL;
	struct dbconn *c = dbconn_open(src, err, &num);
	if (!c)
		return NULL;
	char *tbl = heartbeat_table(schema);
	struct sbuf q;
	sbuf_init(&q);
	sbuf_adds(&q, "CREATE DATABASE IF NOT EXISTS ");
	dbconn_quote_ident(&q, schema);
	if (dbconn_query(c, q.data, NULL) < 0 ||
	    dbconn_execf(c, "CREATE TABLE IF NOT EXISTS %s (server_id INT UNSIGNED NOT NULL PRIMARY KEY, "
			    "ts DATETIME(6) NOT NULL, seq BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB", tbl) < 0) {
		*err = xasprintf("heartbeat on %s: %s", c->target, c->err);
		sbuf_free(&q);
		free(tbl);
		dbconn_close(c);
		return NULL;
	}
	sbuf_free(&q);
	struct dbheartbeat *h = xcalloc(1, sizeof *h);
	/* UTC on both sides, so a replica in another time zone reads the same clock. */
	h->insert = xasprintf("REPLACE INTO %s (server_id, ts, seq) VALUES (@@server_id, UTC_TIMESTAMP(6), "
			      "UNIX_TIMESTAMP(UTC_TIMESTAMP(6)) * 1000)", tbl);
	free(tbl);
	h->c = c;
	h->server_id = c->server_id;
	h->interval = interval > 0.01 ? interval : 0.2;
	dbopts_copy(&h->opts, src);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	beat(h);
	if (h->errors) {
		*err = xasprintf("heartbeat on %s: %s", c->target, h->err);
		dblag_heartbeat_stop(h);
		return NULL;
	}
	if (pthread_create(&h->thread, NULL, heartbeat_main, h) != 0)
		die("pthread_create failed");
	h->running = true;
	return h;
}

void dblag_heartbeat_stats(struct dbheartbeat *h, long *beats, long *errors, char *err, size_t n)
{
	pthread_mutex_lock(&h->mu);
	*beats = h->beats;
	*errors = h->errors;
	if (err && n)
		snprintf(err, n, "%s", h->err);
	pthread_mutex_unlock(&h->mu);
}

unsigned long dblag_heartbeat_server_id(struct dbheartbeat *h)
{
	return h->server_id;
}

void dblag_heartbeat_stop(struct dbheartbeat *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->running)
		pthread_join(h->thread, NULL);
	dbconn_close(h->c);
	dbopts_free(&h->opts);
	free(h->insert);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}

int dblag_heartbeat_lag(struct dbconn *replica, const char *schema, unsigned long source_id,
			double *lag)
{
	char *tbl = heartbeat_table(schema), *v = NULL;
	char *where = source_id ? xasprintf("WHERE server_id = %lu", source_id) : xstrdup("");
	char *sql = xasprintf("SELECT TIMESTAMPDIFF(MICROSECOND, MAX(ts), UTC_TIMESTAMP(6)) FROM %s %s",
			      tbl, where);
	int rc = dbconn_scalar(replica, sql, &v);
	free(sql);
	free(where);
	if (rc == 0 && !v) {
		snprintf(replica->err, sizeof replica->err, "no heartbeat row in %s%s: start "
			 "mysql.heartbeat on the source", tbl, source_id ? " for that source" : "");
		replica->errnum = 0;
		rc = -1;
	} else if (rc < 0 && (replica->errnum == 1146 || replica->errnum == 1049)) {
		snprintf(replica->err, sizeof replica->err, "no heartbeat table %s on %s: start "
			 "mysql.heartbeat on the source", tbl, replica->target);
	}
	free(tbl);
	if (rc == 0)
		*lag = strtod(v, NULL) / 1e6;
	free(v);
	return rc;
}

json_t *dblag_sample(struct dbconn *replica, const char *schema, unsigned long source_id)
{
	json_t *st = dblag_replica_status(replica);
	if (!st)
		return NULL;
	json_t *o = json_object();
	if (!json_is_true(json_object_get(st, "configured"))) {
		json_object_set_new(o, "stopped", json_string("not a replica (no replica status)"));
		json_decref(st);
		return o;
	}
	const char *io = json_string_value(json_object_get(st, "io_running"));
	const char *sq = json_string_value(json_object_get(st, "sql_running"));
	json_t *sbm = json_object_get(st, "seconds_behind");
	set_str(o, "io_running", io);
	set_str(o, "sql_running", sq);
	if (sbm)
		json_object_set(o, "seconds_behind", sbm);
	double hb = -1;
	if (schema && dblag_heartbeat_lag(replica, schema, source_id, &hb) == 0)
		json_object_set_new(o, "heartbeat_lag", json_real(hb < 0 ? 0 : hb));
	else if (schema)
		json_object_set_new(o, "heartbeat_error", json_string(replica->err));
	bool io_ok = io && strcmp(io, "Yes") == 0, sql_ok = sq && strcmp(sq, "Yes") == 0;
	const char *ioerr = json_string_value(json_object_get(st, "last_io_error"));
	const char *sqlerr = json_string_value(json_object_get(st, "last_sql_error"));
	char buf[600];
	/* The cases where Seconds_Behind_Master cannot be believed. */
	if (!sbm) {
		snprintf(buf, sizeof buf, "Seconds_Behind_Master is NULL (IO thread %s, SQL thread %s)",
			 io ? io : "?", sq ? sq : "?");
		json_object_set_new(o, "sbm_lie", json_string(buf));
	} else if (json_integer_value(sbm) == 0 && !io_ok) {
		snprintf(buf, sizeof buf, "Seconds_Behind_Master is 0 but the IO thread is %s: the replica "
			 "does not know what the source has written", io ? io : "?");
		json_object_set_new(o, "sbm_lie", json_string(buf));
	} else if (hb >= 0 && hb > (double)json_integer_value(sbm) + 2) {
		snprintf(buf, sizeof buf, "Seconds_Behind_Master is %lld but heartbeat lag is %.1f s "
			 "(IO thread behind)", (long long)json_integer_value(sbm), hb);
		json_object_set_new(o, "sbm_lie", json_string(buf));
	}
	if (sq && strcmp(sq, "No") == 0) {
		snprintf(buf, sizeof buf, "replica SQL thread is stopped%s%s", sqlerr && *sqlerr ? ": " : "",
			 sqlerr ? sqlerr : "");
		json_object_set_new(o, "stopped", json_string(buf));
	} else if (io && strcmp(io, "No") == 0) {
		snprintf(buf, sizeof buf, "replica IO thread is stopped%s%s", ioerr && *ioerr ? ": " : "",
			 ioerr ? ioerr : "");
		json_object_set_new(o, "stopped", json_string(buf));
	}
	(void)sql_ok;
	/* The lag to act on: heartbeat when there is one, else Seconds_Behind_Master. */
	if (hb >= 0)
		json_object_set_new(o, "lag", json_real(hb));
	else if (sbm)
		json_object_set_new(o, "lag", json_real((double)json_integer_value(sbm)));
	json_decref(st);
	return o;
}

static double num_or(json_t *o, const char *k, double def)
{
	json_t *v = json_object_get(o, k);
	return v ? json_number_value(v) : def;
}

static void nap(double secs)
{
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
}

int dblag_wait(struct dbconn *c, const struct dblag_wait *w, json_t **last, char **err)
{
	double t0 = now_mono(), below = -1;
	*last = NULL;
	for (long n = 0;; n++) {
		if (w->cancelled && w->cancelled(w->ud)) {
			*err = xstrdup("wait for replica lag abandoned");
			return -1;
		}
		json_t *s = dblag_sample(c, w->schema, w->source_id);
		if (!s) {
			*err = xstrdup(c->err);
			return -1;
		}
		const char *hberr = json_string_value(json_object_get(s, "heartbeat_error"));
		/* a writer just started: its first beat may still be on its way through replication */
		double waited = now_mono() - t0;
		if (hberr && w->hb_required && waited < DBLAG_HB_GRACE && waited < w->timeout &&
		    !json_object_get(s, "stopped")) {
			json_decref(s);
			nap(w->interval);
			continue;
		}
		if (hberr && w->hb_required) {
			*err = xstrdup(hberr);
			json_decref(s);
			return -1;
		}
		double now = now_mono();
		json_object_set_new(s, "waited", json_real(now - t0));
		json_object_set_new(s, "samples", json_integer(n + 1));
		if (w->on_sample)
			w->on_sample(w->ud, s);
		const char *stopped = json_string_value(json_object_get(s, "stopped"));
		if (stopped) {
			*err = xstrdup(stopped);
			json_decref(s);
			return -1;
		}
		double lag = num_or(s, "lag", -1);
		if (lag >= 0 && lag <= w->max) {
			if (below < 0)
				below = now;
			if (now - below >= w->stable) {
				*last = s;
				return 0;
			}
		} else {
			below = -1;
		}
		if (now - t0 >= w->timeout) {
			const char *lie = json_string_value(json_object_get(s, "sbm_lie"));
			if (lag >= 0)
				*err = xasprintf("replica lag %.2f s is still above max %g s after %g s%s%s", lag,
						 w->max, w->timeout, lie ? "; " : "", lie ? lie : "");
			else
				*err = xasprintf("replica lag is unknown after %g s%s%s", w->timeout, lie ? ": " : "",
						 lie ? lie : "");
			json_decref(s);
			return -1;
		}
		json_decref(s);
		nap(w->interval);
	}
}
