/* poll() loop with timers and a completion pipe that worker threads write to. */
#include "config.h"
#include "core/loop.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct watch {
	int id, fd;
	short events;
	loop_fd_fn fn;
	void *arg;
};

struct timer {
	int id;
	double at;
	loop_fn fn;
	void *arg;
};

struct posted {
	loop_fn fn;
	void *arg;
	struct posted *next;
};

struct job {
	struct loop *l;
	loop_fn work, done;
	void *arg;
};

struct loop {
	struct watch *watches;
	size_t nwatches;
	struct timer *timers;
	size_t ntimers;
	int next_id;
	int wake[2];
	pthread_mutex_t mu;
	struct posted *head, *tail;
	int busy;
};

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof *l);
	if (pipe(l->wake) != 0)
		die("pipe: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		fcntl(l->wake[i], F_SETFL, O_NONBLOCK);
		fcntl(l->wake[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&l->mu, NULL);
	l->next_id = 1;
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->wake[0]);
	close(l->wake[1]);
	struct posted *p = l->head;
	while (p) {
		struct posted *n = p->next;
		free(p);
		p = n;
	}
	free(l->watches);
	free(l->timers);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	l->watches = xrealloc(l->watches, (l->nwatches + 1) * sizeof *l->watches);
	l->watches[l->nwatches] = (struct watch){l->next_id, fd, events, fn, arg};
	l->nwatches++;
	return l->next_id++;
}

void loop_unwatch(struct loop *l, int id)
{
	for (size_t i = 0; i < l->nwatches; i++)
		if (l->watches[i].id == id) {
			memmove(&l->watches[i], &l->watches[i + 1],
				(l->nwatches - i - 1) * sizeof *l->watches);
			l->nwatches--;
			return;
		}
}

int loop_timer(struct loop *l, double delay, loop_fn fn, void *arg)
{
	l->timers = xrealloc(l->timers, (l->ntimers + 1) * sizeof *l->timers);
	l->timers[l->ntimers] = (struct timer){l->next_id, now_mono() + delay, fn, arg};
	l->ntimers++;
	return l->next_id++;
}

void loop_cancel(struct loop *l, int id)
{
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id) {
			memmove(&l->timers[i], &l->timers[i + 1],
				(l->ntimers - i - 1) * sizeof *l->timers);
			l->ntimers--;
			return;
		}
}

void loop_post(struct loop *l, loop_fn fn, void *arg)
{
	struct posted *p = xmalloc(sizeof *p);
	p->fn = fn;
	p->arg = arg;
	p->next = NULL;
	pthread_mutex_lock(&l->mu);
	if (l->tail)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	pthread_mutex_unlock(&l->mu);
	char c = 1;
	ssize_t r = write(l->wake[1], &c, 1);
	(void)r; /* a full pipe already guarantees a wake-up */
}

static void job_finish(void *arg)
{
	struct job *j = arg;
	j->l->busy--;
	if (j->done)
		j->done(j->arg);
	free(j);
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	j->work(j->arg);
	loop_post(j->l, job_finish, j);
	return NULL;
}

void loop_submit(struct loop *l, loop_fn work, loop_fn done, void *arg)
{
	struct job *j = xmalloc(sizeof *j);
	*j = (struct job){l, work, done, arg};
	l->busy++;
	/* Signals belong to the loop thread: block them in the worker. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	int rc = pthread_create(&t, &attr, job_thread, j);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		die("cannot start worker thread: %s", strerror(rc));
}

int loop_busy(struct loop *l)
{
	return l->busy;
}

static void run_posted(struct loop *l)
{
	char buf[256];
	while (read(l->wake[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&l->mu);
	struct posted *p = l->head;
	l->head = l->tail = NULL;
	pthread_mutex_unlock(&l->mu);
	while (p) {
		struct posted *n = p->next;
		p->fn(p->arg);
		free(p);
		p = n;
	}
}

static void run_timers(struct loop *l)
{
	double t = now_mono();
	/* Fire one due timer at a time: a callback may add or cancel timers. */
	for (;;) {
		size_t best = l->ntimers;
		for (size_t i = 0; i < l->ntimers; i++)
			if (l->timers[i].at <= t && (best == l->ntimers || l->timers[i].at < l->timers[best].at))
				best = i;
		if (best == l->ntimers)
			return;
		struct timer tm = l->timers[best];
		loop_cancel(l, tm.id);
		tm.fn(tm.arg);
	}
}

void loop_once(struct loop *l, double max_wait)
{
	double wait = max_wait;
	double t = now_mono();
	for (size_t i = 0; i < l->ntimers; i++) {
		double d = l->timers[i].at - t;
		if (d < 0)
			d = 0;
		if (wait < 0 || d < wait)
			wait = d;
	}
	size_t n = l->nwatches + 1;
	struct pollfd *pfd = xcalloc(n, sizeof *pfd);
	int *ids = xcalloc(n, sizeof *ids);
	pfd[0].fd = l->wake[0];
	pfd[0].events = POLLIN;
	for (size_t i = 0; i < l->nwatches; i++) {
		pfd[i + 1].fd = l->watches[i].fd;
		pfd[i + 1].events = l->watches[i].events;
		ids[i + 1] = l->watches[i].id;
	}
	int timeout = wait < 0 ? -1 : (int)(wait * 1000.0 + 0.999);
	int rc = poll(pfd, n, timeout);
	if (rc > 0) {
		if (pfd[0].revents)
			run_posted(l);
		for (size_t i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			/* The watch may have been removed by an earlier callback. */
			for (size_t w = 0; w < l->nwatches; w++)
				if (l->watches[w].id == ids[i]) {
					struct watch wt = l->watches[w];
					wt.fn(wt.arg, wt.fd, pfd[i].revents);
					break;
				}
		}
	}
	free(pfd);
	free(ids);
	run_timers(l);
}
