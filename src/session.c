/* Session naming and lookup. */
#include "config.h"
#include "session.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *session_log_dir(const char *override)
{
	if (override && *override)
		return xstrdup(override);
	const char *xdg = getenv("XDG_STATE_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/tejun/sessions", xdg);
	const char *home = getenv("HOME");
	return xasprintf("%s/.local/state/tejun/sessions", home && *home ? home : ".");
}

int session_mkdir(const char *dir, char **err)
{
	if (mkdir_p(dir, 0700) != 0) {
		*err = xasprintf("cannot create log directory %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

char *session_new_id(const char *runbook_id)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	unsigned r = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &r, sizeof r) != (ssize_t)sizeof r)
		r = (unsigned)getpid() ^ (unsigned)t;
	if (fd >= 0)
		close(fd);
	return xasprintf("%s-%s-%04x", ts, runbook_id, r & 0xffff);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *session_resolve(const char *dir, const char *arg, char **err)
{
	struct stat st;
	if ((strchr(arg, '/') || ends_with(arg, ".jsonl")) && stat(arg, &st) == 0)
		return xstrdup(arg);
	char *direct = xasprintf("%s/%s.jsonl", dir, arg);
	if (stat(direct, &st) == 0)
		return direct;
	free(direct);
	DIR *d = opendir(dir);
	if (!d) {
		*err = xasprintf("no session '%s' (cannot read %s: %s)", arg, dir, strerror(errno));
		return NULL;
	}
	char *found = NULL;
	int matches = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!ends_with(de->d_name, ".jsonl") || strncmp(de->d_name, arg, strlen(arg)) != 0)
			continue;
		matches++;
		free(found);
		found = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (matches == 1)
		return found;
	free(found);
	*err = matches ? xasprintf("session '%s' is ambiguous in %s (%d match)", arg, dir, matches)
		       : xasprintf("no session '%s' in %s", arg, dir);
	return NULL;
}

char *session_id_of(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	size_t n = strlen(b);
	if (ends_with(b, ".jsonl"))
		n -= 6;
	return xstrndup(b, n);
}
