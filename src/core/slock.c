/* The running session's lock file: flock, and who holds it as one JSON line. */
#include "config.h"
#include "core/slock.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct slock {
	int fd;
	char *path;
};

static char *lock_path(const char *journal_path)
{
	size_t n = strlen(journal_path);
	if (n > 6 && strcmp(journal_path + n - 6, ".jsonl") == 0)
		n -= 6;
	return xasprintf("%.*s.lock", (int)n, journal_path);
}

static void copy_field(json_t *o, const char *k, char *dst, size_t n)
{
	const char *v = json_string_value(json_object_get(o, k));
	snprintf(dst, n, "%s", v ? v : "?");
}

static void read_holder(int fd, struct slock_holder *h)
{
	memset(h, 0, sizeof *h);
	char buf[1024];
	ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
	buf[got > 0 ? got : 0] = '\0';
	json_t *o = json_loads(buf, 0, NULL);
	h->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	copy_field(o, "operator", h->operator_name, sizeof h->operator_name);
	copy_field(o, "host", h->host, sizeof h->host);
	copy_field(o, "started", h->started, sizeof h->started);
	copy_field(o, "session", h->session, sizeof h->session);
	json_decref(o);
}

void slock_describe(const struct slock_holder *h, char *buf, size_t n)
{
	snprintf(buf, n, "session %s, operator %s, pid %ld on %s, since %s", h->session, h->operator_name,
		 (long)h->pid, h->host, h->started);
}

struct slock *slock_take(const char *journal_path, const char *operator_name, const char *host, char **err)
{
	char *path = lock_path(journal_path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			struct slock_holder h;
			read_holder(fd, &h);
			char who[512];
			slock_describe(&h, who, sizeof who);
			*err = xasprintf("it is running: %s", who);
		} else {
			*err = xasprintf("%s: lock: %s", path, strerror(e));
		}
		close(fd);
		free(path);
		return NULL;
	}
	char started[40], *sid = xstrdup(journal_path);
	format_iso_time(now_wall(), started, sizeof started);
	char *base = strrchr(sid, '/');
	base = base ? base + 1 : sid;
	size_t bl = strlen(base);
	if (bl > 6 && strcmp(base + bl - 6, ".jsonl") == 0)
		base[bl - 6] = '\0';
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s}", "pid", (json_int_t)getpid(), "operator", operator_name ? operator_name : "?",
			      "host", host ? host : "?", "started", started, "session", base);
	char *line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(sid);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, strlen(line), 0) != (ssize_t)strlen(line)) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(line);
		close(fd);
		free(path);
		return NULL;
	}
	free(line);
	struct slock *l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->path = path;
	return l;
}

void slock_release(struct slock *l)
{
	if (!l)
		return;
	unlink(l->path); /* before the close: nobody finds a file whose lock is gone */
	close(l->fd);
	free(l->path);
	free(l);
}

int slock_holder(const char *journal_path, struct slock_holder *h)
{
	char *path = lock_path(journal_path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	int rc;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		rc = 0; /* a file left by a process that died: nobody holds it */
	} else if (errno == EWOULDBLOCK) {
		read_holder(fd, h);
		rc = 1;
	} else {
		rc = -1;
	}
	close(fd);
	return rc;
}
