/* One background thread that fsyncs finished dump files (see dumpsync.h). */
#include "config.h"
#include "mysql/dumpsync.h"
#include "core/util.h"
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_QUEUED 16

struct item {
	int fd;
	char *path;
	struct item *next;
};

struct dumpsync {
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	struct item *head, *tail;
	int queued;                    /* in the list or being synced */
	bool stop;
	char *err;
	pthread_t th;
};

static void *syncer(void *arg)
{
	struct dumpsync *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->head && !s->stop)
			pthread_cond_wait(&s->wake, &s->mu);
		struct item *it = s->head;
		if (!it)
			break;
		s->head = it->next;
		if (!s->head)
			s->tail = NULL;
		pthread_mutex_unlock(&s->mu);
		int e = fsync(it->fd) < 0 ? errno : 0;
		if (close(it->fd) < 0 && !e)
			e = errno;
		pthread_mutex_lock(&s->mu);
		if (e && !s->err)
			s->err = xasprintf("fsync %s: %s", it->path, strerror(e));
		free(it->path);
		free(it);
		s->queued--;
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct dumpsync *dumpsync_new(void)
{
	struct dumpsync *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	pthread_cond_init(&s->done, NULL);
	if (pthread_create(&s->th, NULL, syncer, s) != 0)
		die("pthread_create failed");
	return s;
}

void dumpsync_add(struct dumpsync *s, int fd, const char *path)
{
	struct item *it = xcalloc(1, sizeof *it);
	it->fd = fd;
	it->path = xstrdup(path);
	pthread_mutex_lock(&s->mu);
	while (s->queued >= MAX_QUEUED)
		pthread_cond_wait(&s->done, &s->mu);
	if (s->tail)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	s->queued++;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
}

int dumpsync_drain(struct dumpsync *s, char **err)
{
	pthread_mutex_lock(&s->mu);
	while (s->queued > 0)
		pthread_cond_wait(&s->done, &s->mu);
	int rc = 0;
	if (s->err) {
		*err = s->err;
		s->err = NULL;
		rc = -1;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void dumpsync_free(struct dumpsync *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	free(s->err);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
