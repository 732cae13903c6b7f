/* The mysql Lua binding's toolkit (lmysql_job.c), shared by its parts: connection
 * references, the worker-job helper and option readers; and each part's registration,
 * called from lmysql.c's table. Not used outside src/lua. */
#ifndef TEJUN_LMYSQL_H
#define TEJUN_LMYSQL_H
#include "mysql/dbconn.h"
#include <jansson.h>
#include <lua.h>
#include <pthread.h>
#include <stdbool.h>

#define LM_CONN_MT "tejun.mysql.conn"

/* A connection shared by its Lua object and in-flight jobs; freed with the last reference.
 * Only the loop thread touches refs and busy. */
struct lm_cref {
	struct dbconn *c;
	int refs;
	bool busy;
};

/* One blocking call: prepared on the loop thread, run() on a worker, push() on the loop. */
struct lm_job {
	struct lm_cref *r;         /* referenced, or NULL */
	const char *op;            /* journal op */
	char *target, *detail;     /* journal target and detail (redacted) */
	int (*run)(struct lm_job *);
	int (*push)(lua_State *, struct lm_job *);
	void (*tick)(lua_State *, struct lm_job *); /* live gauge / progress, loop thread */
	double tick_secs, secs;
	bool tick_at_end;          /* tick once more when the work is over (a final 100 %) */
	char *err;
	unsigned errnum;
	char *sql;
	struct dbres *res;
	unsigned long long affected, insert_id;
	json_t *out;               /* result for lm_push_out */
	struct dbopts opts;
	struct dbconn *newc;
	void *arg, *arg2;
	void (*free_arg)(void *);
	pthread_mutex_t mu;        /* guards live */
	json_t *live;              /* latest sample / progress for tick */
	int cancel;                /* set by the engine when the step is abandoned */
	bool push_on_error;         /* push() also reports failures (extra results) */
};

struct lm_job *lm_job_new(struct lm_cref *r, const char *op, int (*run)(struct lm_job *),
			  int (*push)(lua_State *, struct lm_job *));
int lm_job_await(lua_State *L, struct lm_job *j);
/* True once the engine abandoned the step (timeout, abort): long work stops early. */
bool lm_job_abandoned(struct lm_job *j);
void lm_sleep(double secs);

void lm_push_json(lua_State *L, json_t *v);
int lm_push_out(lua_State *L, struct lm_job *j);

struct lm_cref *lm_check_conn(lua_State *L, int i);
struct lm_cref *lm_toconn(lua_State *L, int i);
int lm_busy(lua_State *L, struct lm_cref *r);
void lm_cref_drop(struct lm_cref *r);
int lm_opts_from_lua(lua_State *L, int i, struct dbopts *o, char **err);

const char *lm_optstring(lua_State *L, int t, const char *key, const char *def);
double lm_optnumber(lua_State *L, int t, const char *key, double def);
bool lm_optbool(lua_State *L, int t, const char *key, bool def);
char **lm_optlist(lua_State *L, int t, const char *key);
void lm_freelist(void *p);

/* The parts of the module (module and methods: stack indices of the mysql table and of
 * the connections' method table). */
void lmysql_lag_register(lua_State *L, int module, int methods);  /* lmysql_lag.c */
void lmysql_ops_register(lua_State *L, int module, int methods);  /* lmysql_ops.c */
void lmysql_dump_register(lua_State *L, int module, int methods); /* ldump.c */
int luaopen_tejun_mysql(lua_State *L);
#endif
