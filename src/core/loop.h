/* The single-threaded poll() loop: fds, timers, and blocking work handed to worker threads. */
#ifndef TEJUN_LOOP_H
#define TEJUN_LOOP_H

struct loop;
typedef void (*loop_fd_fn)(void *arg, int fd, short revents);
typedef void (*loop_fn)(void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch fd for poll events; returns an id for loop_unwatch. */
int loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg);
void loop_unwatch(struct loop *l, int id);

/* One-shot timer after delay seconds; returns an id (> 0) for loop_cancel. */
int loop_timer(struct loop *l, double delay, loop_fn fn, void *arg);
void loop_cancel(struct loop *l, int id);

/* Runs work(arg) on its own worker thread (signals blocked there), then done(arg) on the loop thread. */
void loop_submit(struct loop *l, loop_fn work, loop_fn done, void *arg);
/* Thread-safe: queue fn(arg) to run on the loop thread. */
void loop_post(struct loop *l, loop_fn fn, void *arg);
/* Number of submitted jobs whose done has not run yet. */
int loop_busy(struct loop *l);

/* Waits at most max_wait seconds (negative: until something happens) and dispatches. */
void loop_once(struct loop *l, double max_wait);
#endif
