/* Replica state and lag: SHOW REPLICA/SLAVE STATUS normalised, a pt-heartbeat-like writer on
 * the source, sub-second heartbeat lag on the replica, and when Seconds_Behind_Master lies. */
#ifndef TEJUN_DBLAG_H
#define TEJUN_DBLAG_H
#include <jansson.h>
#include <stdbool.h>

struct dbconn;
struct dbopts;

#define DBLAG_DEFAULT_SCHEMA "tejun"
#define DBLAG_TABLE "tejun_heartbeat"

/* {configured, io_running, sql_running, seconds_behind (absent when NULL), last_io_error,
 * last_sql_error, last_io_errno, last_sql_errno, source_host, source_port, source_log_file,
 * read_source_log_pos, exec_source_log_file, exec_source_log_pos, sql_state, gtid, raw{}};
 * NULL with c->err on error. configured=false on a server that is not a replica. */
json_t *dblag_replica_status(struct dbconn *c);

/* Heartbeat writer: its own connection, its own thread, REPLACE INTO schema.tejun_heartbeat
 * every interval seconds. Start blocks while it connects and creates the table. */
struct dbheartbeat;
struct dbheartbeat *dblag_heartbeat_start(const struct dbopts *src, const char *schema,
					  double interval, char **err);
/* Beats written, failures, last error (copied into err, may be empty). */
void dblag_heartbeat_stats(struct dbheartbeat *h, long *beats, long *errors, char *err, size_t n);
unsigned long dblag_heartbeat_server_id(struct dbheartbeat *h);
void dblag_heartbeat_stop(struct dbheartbeat *h);

/* Heartbeat lag in seconds on a replica: now - the newest beat of source_id (0 = newest of
 * any). -1 with c->err when there is no heartbeat table or row. */
int dblag_heartbeat_lag(struct dbconn *replica, const char *schema, unsigned long source_id,
			double *lag);

/* One lag sample: {io_running, sql_running, seconds_behind?, heartbeat_lag?, lag (the best
 * measure), sbm_lie? (why Seconds_Behind_Master cannot be trusted), stopped? (a thread is
 * "No": the reason), last_error?}. schema NULL = no heartbeat. */
json_t *dblag_sample(struct dbconn *replica, const char *schema, unsigned long source_id);

/* Waiting until a replica has caught up: lag <= max, held for stable seconds. */
struct dblag_wait {
	const char *schema;            /* heartbeat schema, NULL: Seconds_Behind_Master only */
	unsigned long source_id;       /* heartbeat rows of this server (0: newest of any) */
	bool hb_required;              /* no heartbeat row (after a grace) is an error */
	double max, timeout, stable, interval;
	bool (*cancelled)(void *ud);   /* polled between samples: stop early */
	void (*on_sample)(void *ud, json_t *s); /* each sample (borrowed), with waited and samples */
	void *ud;
};
#define DBLAG_HB_GRACE 10.0 /* seconds a wait waits for the first heartbeat row to arrive */
/* Blocking. 0 and *last (the sample that ended it; caller frees), or -1 and *err: a stopped
 * thread, no heartbeat, the timeout (with the lag then and why Seconds_Behind_Master may
 * lie), a query error, or cancelled. */
int dblag_wait(struct dbconn *replica, const struct dblag_wait *w, json_t **last, char **err);
#endif
