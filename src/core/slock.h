/* One operator at a time: a running session holds an exclusive flock on SESSION.lock beside
 * its journal for as long as its process lives (the kernel drops it when the process dies,
 * however it dies), and the file says who: pid, operator, host, start. A second run of the
 * same session, or of the same runbook on this host, asks it and refuses while it is held. */
#ifndef TEJUN_SLOCK_H
#define TEJUN_SLOCK_H
#include <stdbool.h>
#include <sys/types.h>

struct slock_holder {
	pid_t pid;
	char operator_name[128], host[128], started[40], session[128];
};

struct slock;
/* Takes the lock of the session whose journal is journal_path (mode 0600, no other user may
 * read who runs). NULL and *err when another process holds it: err names it. */
struct slock *slock_take(const char *journal_path, const char *operator_name, const char *host, char **err);
/* After fork/exec nothing inherits it (O_CLOEXEC); release drops it and removes the file. */
void slock_release(struct slock *l);
/* 1: held by a live process (h filled), 0: not held (never, or stale: its process died),
 * -1: cannot tell (unreadable). */
int slock_holder(const char *journal_path, struct slock_holder *h);
/* "session S, operator O, pid P on HOST, since T": into buf. */
void slock_describe(const struct slock_holder *h, char *buf, size_t n);
#endif
