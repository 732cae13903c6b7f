/* GET_LOCK held on a connection of its own, watched by a thread. */
#include "config.h"
#include "mysql/dblock.h"
#include "mysql/dbconn.h"
#include "core/util.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_SECS 5

struct dblock {
	struct dbopts opts;
	char *name;
	struct dbconn *c;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, lost;
	char why[512];
};

/* 1 taken, 0 held by someone else (*err says who), -1 error (*err). */
static int try_take(struct dblock *l, struct dbconn *c, char **err)
{
	struct dbval v = {.kind = DBV_STRING, .s = l->name, .len = strlen(l->name)};
	char *sql = dbconn_format(c, "SELECT GET_LOCK(?, 0), IS_USED_LOCK(?)", (struct dbval[]){v, v}, 2);
	struct dbres *r = NULL;
	int rc = sql ? dbconn_query(c, sql, &r) : -1;
	free(sql);
	if (rc < 0 || !r || r->nrows != 1) {
		*err = xasprintf("GET_LOCK on %s: %s", c->target, c->err);
		dbres_free(r);
		return -1;
	}
	const char *got = dbres_get(r, 0, 0), *holder = dbres_get(r, 0, 1);
	if (got && strcmp(got, "1") == 0) {
		dbres_free(r);
		return 1;
	}
	char *who = NULL;
	if (holder) {
		struct dbval h = {.kind = DBV_STRING, .s = holder, .len = strlen(holder)};
		char *q = dbconn_format(c, "SELECT CONCAT(USER, '@', HOST) FROM information_schema.PROCESSLIST WHERE ID = ?", &h, 1);
		if (q)
			dbconn_scalar(c, q, &who);
		free(q);
	}
	*err = xasprintf("the lock '%s' on %s is held by connection %s%s%s%s: another session runs this cut-over",
			 l->name, c->target, holder ? holder : "?", who ? " (" : "", who ? who : "", who ? ")" : "");
	free(who);
	dbres_free(r);
	return 0;
}

static void *keeper(void *arg)
{
	struct dblock *l = arg;
	dbconn_thread_init();
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += CHECK_SECS;
		pthread_cond_timedwait(&l->cv, &l->mu, &until);
		if (l->stop || l->lost)
			continue;
		pthread_mutex_unlock(&l->mu);
		char *mine = NULL, *err = NULL;
		int ok = l->c && dbconn_scalar(l->c, "SELECT 1", &mine) == 0;
		free(mine);
		if (!ok) {
			/* the connection dropped, and the lock with it: take it again on a new one */
			unsigned en;
			dbconn_close(l->c);
			l->c = dbconn_open(&l->opts, &err, &en);
			int rc = l->c ? try_take(l, l->c, &err) : -1;
			pthread_mutex_lock(&l->mu);
			if (rc == 0) {
				l->lost = true;
				snprintf(l->why, sizeof l->why, "%s", err);
			} else if (rc < 0 && !l->c) {
				snprintf(l->why, sizeof l->why, "lost the connection holding the lock; reconnecting: %s",
					 err ? err : "?");
			}
			pthread_mutex_unlock(&l->mu);
			free(err);
		}
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

struct dblock *dblock_take(const struct dbopts *o, const char *name, char **err)
{
	struct dblock *l = xcalloc(1, sizeof *l);
	dbopts_copy(&l->opts, o);
	l->name = xstrdup(name);
	unsigned en;
	dbconn_thread_init();
	l->c = dbconn_open(&l->opts, err, &en);
	/* hours idle between checks must not end the session's hold */
	if (l->c && dbconn_exec(l->c, "SET SESSION wait_timeout = 31536000", NULL, NULL) < 0) {
		*err = xasprintf("%s: %s", l->c->target, l->c->err);
		dbconn_close(l->c);
		l->c = NULL;
	}
	if (!l->c || try_take(l, l->c, err) != 1) {
		dbconn_close(l->c);
		dbopts_free(&l->opts);
		free(l->name);
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	pthread_create(&l->th, NULL, keeper, l);
	return l;
}

bool dblock_lost(struct dblock *l, char *why, size_t n)
{
	pthread_mutex_lock(&l->mu);
	bool lost = l->lost;
	snprintf(why, n, "%s", l->why);
	pthread_mutex_unlock(&l->mu);
	return lost;
}

void dblock_release(struct dblock *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->th, NULL);
	if (l->c && !l->lost) {
		struct dbval v = {.kind = DBV_STRING, .s = l->name, .len = strlen(l->name)};
		char *sql = dbconn_format(l->c, "DO RELEASE_LOCK(?)", &v, 1);
		if (sql)
			dbconn_exec(l->c, sql, NULL, NULL);
		free(sql);
	}
	dbconn_close(l->c);
	dbopts_free(&l->opts);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l->name);
	free(l);
}
