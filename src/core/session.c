/* Session naming and lookup. */
#include "config.h"
#include "core/session.h"
#include "core/util.h"
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
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

/* "20261124T100200Z-RUNBOOKID-3f2a.jsonl" of this runbook id exactly */
static bool is_session_of(const char *name, const char *rb)
{
	size_t n = strlen(name), r = strlen(rb);
	return n == 28 + r && name[15] == 'Z' && name[16] == '-' && strncmp(name + 17, rb, r) == 0 &&
	       name[17 + r] == '-' && ends_with(name, ".jsonl");
}

/* How a journal ended, from its last complete line: "done", another end status, or NULL
 * when it has no end (killed, host down, still running) or could not be read. */
static char *end_status(const char *path, bool *readable)
{
	*readable = false;
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char buf[8192];
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	long from = size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0;
	size_t n = size >= 0 && fseek(f, from, SEEK_SET) == 0 ? fread(buf, 1, sizeof buf - 1, f) : 0;
	fclose(f);
	if (size < 0)
		return NULL;
	*readable = true;
	buf[n] = '\0';
	/* the last line that ends in a newline and parses; a torn tail is skipped */
	for (char *end = strrchr(buf, '\n'); end;) {
		*end = '\0';
		char *start = strrchr(buf, '\n');
		start = start ? start + 1 : buf;
		json_t *ev = json_loads(start, 0, NULL);
		if (ev) {
			const char *type = json_string_value(json_object_get(ev, "type"));
			const char *st = json_string_value(json_object_get(json_object_get(ev, "data"), "status"));
			char *status = type && strcmp(type, "end") == 0 && st ? xstrdup(st) : NULL;
			json_decref(ev);
			return status;
		}
		end = start > buf ? start - 1 : NULL;
	}
	return NULL;
}

struct found {
	char *name;
	char start[40]; /* the header's ts, to the millisecond; "" if unreadable */
};

/* The session header's "ts": ids tell time only to the second, and two sessions of one
 * runbook may start within the same second. */
static void read_start(const char *path, char *out, size_t n)
{
	out[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	if (getline(&line, &cap, f) > 0) {
		json_t *ev = json_loads(line, 0, NULL);
		const char *ts = json_string_value(json_object_get(ev, "ts"));
		if (ts)
			snprintf(out, n, "%s", ts);
		json_decref(ev);
	}
	free(line);
	fclose(f);
}

static int newest_first(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int c = strncmp(y->name, x->name, 16); /* the id's UTC second */
	if (c == 0)
		c = strcmp(y->start, x->start);
	return c ? c : strcmp(y->name, x->name);
}

size_t session_unfinished(const char *dir, const char *runbook_id, size_t max, char ***lines)
{
	*lines = xcalloc(max + 1, sizeof **lines);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct found *names = NULL;
	size_t nn = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (is_session_of(de->d_name, runbook_id)) {
			names = xrealloc(names, (nn + 1) * sizeof *names);
			names[nn].name = xstrdup(de->d_name);
			char *path = xasprintf("%s/%s", dir, de->d_name);
			read_start(path, names[nn].start, sizeof names[nn].start);
			free(path);
			nn++;
		}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof *names, newest_first);
	size_t k = 0;
	for (size_t i = 0; i < nn && k < max; i++) {
		char *path = xasprintf("%s/%s", dir, names[i].name);
		bool readable;
		char *st = end_status(path, &readable);
		free(path);
		if (st && strcmp(st, "done") == 0) {
			free(st);
			break; /* a later finished session supersedes anything before it */
		}
		if (readable) {
			char *id = session_id_of(names[i].name);
			(*lines)[k++] = st ? xasprintf("%s ended %s", id, st)
					   : xasprintf("%s did not end (killed, its host went down, or still running)", id);
			free(id);
		}
		free(st);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i].name);
	free(names);
	return k;
}
