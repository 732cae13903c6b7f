/* driver="mysqldump": the seed's mysqldump command, run as a child whose output tejun
 * counts (progress against information_schema sizes), hashes, optionally compresses and
 * records in a manifest like a native dump. */
#include "config.h"
#include "mysql/dump_int.h"
#include "mysql/dbconn.h"
#include "mysql/dumpfile.h"
#include "mysql/manifest.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *find_client(const char *want)
{
	if (want)
		return xstrdup(want);
	static const char *const names[] = {"mysqldump", "mariadb-dump", NULL};
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	for (int i = 0; names[i]; i++) {
		for (const char *dir = path; *dir;) {
			size_t n = strcspn(dir, ":");
			char *f = xasprintf("%.*s/%s", (int)n, dir, names[i]);
			if (n && access(f, X_OK) == 0)
				return f;
			free(f);
			dir += n;
			if (*dir == ':')
				dir++;
		}
	}
	return NULL;
}

/* Runs argv and returns its stdout+stderr (at most 64 KiB), NULL when it cannot run. */
static char *capture(char *const argv[])
{
	int fds[2];
	if (pipe(fds) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	struct sbuf b;
	sbuf_init(&b);
	char buf[4096];
	ssize_t k;
	while ((k = read(fds[0], buf, sizeof buf)) > 0 || (k < 0 && errno == EINTR))
		if (k > 0 && b.len < 65536)
			sbuf_add(&b, buf, (size_t)k);
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	return sbuf_steal(&b);
}

/* MySQL 8's client wants --skip-column-statistics against older servers; MariaDB's client
 * rejects the flag, so it is added only when --help lists it. */
static bool accepts_column_statistics(const char *client)
{
	char *argv[] = {(char *)client, "--help", NULL};
	char *out = capture(argv);
	bool yes = out && strstr(out, "column-statistics");
	free(out);
	return yes;
}

static void opt_value(struct sbuf *b, const char *key, const char *v)
{
	if (!v)
		return;
	sbuf_addf(b, "%s=\"", key);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			sbuf_add(b, "\\", 1);
		sbuf_add(b, p, 1);
	}
	sbuf_adds(b, "\"\n");
}

/* The password goes to the child through a 0600 option file, never on its command line. */
static char *write_cnf(const struct dbopts *o, const char *dir, char **err)
{
	char *path = xasprintf("%s/.tejun-client.cnf", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("create %s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	struct sbuf b;
	sbuf_init(&b);
	sbuf_adds(&b, "[client]\n");
	opt_value(&b, "user", o->user);
	opt_value(&b, "password", o->password);
	opt_value(&b, "host", o->host);
	opt_value(&b, "socket", o->socket);
	if (o->port)
		sbuf_addf(&b, "port=%u\n", o->port);
	ssize_t k = write(fd, b.data, b.len);
	close(fd);
	sbuf_free(&b);
	if (k < 0) {
		*err = xasprintf("write %s: %s", path, strerror(errno));
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

static double source_total(struct dump *d, struct dbconn *c)
{
	double total = 0;
	for (size_t i = 0; d->schemas[i]; i++) {
		struct sbuf q;
		sbuf_init(&q);
		sbuf_adds(&q, "SELECT COALESCE(SUM(DATA_LENGTH),0) FROM information_schema.TABLES WHERE TABLE_SCHEMA=");
		dbconn_quote(c, &q, d->schemas[i], strlen(d->schemas[i]));
		char *v = NULL;
		if (dbconn_scalar(c, q.data, &v) == 0 && v)
			total += strtod(v, NULL);
		free(v);
		sbuf_free(&q);
	}
	return total > 0 ? total : 1;
}

int dumpext_run(struct dump *d, struct dbconn *c, char **err)
{
	char *client = find_client(d->o.mysqldump);
	if (!client) {
		*err = xstrdup("driver mysqldump: no mysqldump or mariadb-dump in PATH");
		return -1;
	}
	pthread_mutex_lock(&d->mu);
	progress_init(&d->prog, source_total(d, c), now_mono());
	d->prog_started = true;
	opbox_phase(&d->box, "data");
	snprintf(d->label, sizeof d->label, "mysqldump %s", d->schemas[0]);
	pthread_mutex_unlock(&d->mu);
	char *cnf = write_cnf(d->o.src, d->o.dir, err);
	if (!cnf) {
		free(client);
		return -1;
	}
	const char *fixed[] = {"--quote-names", "--opt", "--single-transaction", "--hex-blob", "-R",
			       "--order-by-primary", "--events", NULL}; /* --events: the seed's flags lose events */
	size_t ns = 0;
	while (d->schemas[ns])
		ns++;
	char **argv = xcalloc(ns + 16, sizeof *argv);
	size_t a = 0;
	argv[a++] = client;
	argv[a++] = xasprintf("--defaults-extra-file=%s", cnf);
	for (int i = 0; fixed[i]; i++)
		argv[a++] = xstrdup(fixed[i]);
	bool colstats = accepts_column_statistics(client);
	if (colstats)
		argv[a++] = xstrdup("--skip-column-statistics");
	argv[a++] = xstrdup("--databases");
	for (size_t i = 0; i < ns; i++)
		argv[a++] = xstrdup(d->schemas[i]);
	dump_note(d, "driver mysqldump: %s with the seed's flags%s", client,
		  colstats ? " and --skip-column-statistics" : " (this client rejects --skip-column-statistics)");
	char *errpath = xasprintf("%s/.mysqldump.stderr", d->o.dir);
	const char *rel = d->o.zstd_level > 0 ? "mysqldump.sql.zst" : "mysqldump.sql";
	char *path = xasprintf("%s/%s", d->o.dir, rel);
	struct dumpfile_w *w = dumpfile_create(path, d->o.zstd_level, err);
	int rc = -1, fds[2] = {-1, -1};
	pid_t pid = -1;
	if (!w || pipe(fds) < 0)
		goto out;
	pid = fork();
	if (pid == 0) {
		int ef = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fds[1], 1);
		if (ef >= 0)
			dup2(ef, 2);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	fds[1] = -1;
	char *buf = xmalloc(1 << 20);
	ssize_t k;
	rc = 0;
	while ((k = read(fds[0], buf, 1 << 20)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 || dumpfile_write(w, buf, (size_t)k, err) < 0) {
			rc = -1;
			break;
		}
		pthread_mutex_lock(&d->mu);
		d->bytes_written = dumpfile_raw_bytes(w);
		pthread_mutex_unlock(&d->mu);
		if (dump_cancelled(d)) {
			rc = -1;
			*err = xstrdup("dump cancelled: no manifest written");
			break;
		}
	}
	free(buf);
	if (rc < 0)
		kill(pid, SIGTERM);
	int st = 0;
	waitpid(pid, &st, 0);
	if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		FILE *ef = fopen(errpath, "r");
		char line[512] = "";
		if (ef) {
			if (!fgets(line, sizeof line, ef))
				line[0] = '\0';
			fclose(ef);
		}
		line[strcspn(line, "\n")] = '\0';
		*err = xasprintf("mysqldump failed (status %d): %s", WIFEXITED(st) ? WEXITSTATUS(st) : -1, line);
		rc = -1;
	}
	struct dumpfile_info fi;
	if (rc == 0) {
		rc = dumpfile_finish(w, &fi, err);
		w = NULL;
	}
	if (rc == 0) {
		char started[40], finished[40];
		format_iso_time(d->t0, started, sizeof started);
		format_iso_time(now_wall(), finished, sizeof finished);
		json_t *sch = json_array();
		for (size_t i = 0; i < ns; i++)
			json_array_append_new(sch, json_pack("{s:s,s:[]}", "name", d->schemas[i], "tables"));
		json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:{s:s,s:s,s:s?},s:{s:s},s:s?,s:I,s:o,"
				      "s:[{s:s,s:s,s:I,s:I,s:s}]}",
			"format", MANIFEST_FORMAT, "id", d->id, "tool", PACKAGE_STRING, "driver", "mysqldump",
			"started", started, "finished", finished, "secs", now_mono() - d->prog.t0,
			"source", "target", c->target, "flavour", dbflavour_name(c->flavour), "version", c->version,
			"consistency", "method", "mysqldump --single-transaction (one snapshot; position not recorded)",
			"compress", d->o.zstd_level > 0 ? "zstd" : NULL, "bytes", (json_int_t)fi.bytes,
			"schemas", sch, "files", "path", rel, "kind", "mysqldump", "bytes", (json_int_t)fi.bytes,
			"raw_bytes", (json_int_t)fi.raw_bytes, "sha256", fi.sha256);
		if (d->o.on_file)
			d->o.on_file(d->o.ud, json_array_get(json_object_get(m, "files"), 0));
		rc = manifest_write(d->o.dir, m, err);
		pthread_mutex_lock(&d->mu);
		if (rc == 0) {
			d->manifest = m;
			progress_finish(&d->prog, now_mono());
			opbox_phase(&d->box, "done");
		} else {
			json_decref(m);
		}
		pthread_mutex_unlock(&d->mu);
	}
out:
	if (w)
		dumpfile_abort(w);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	unlink(cnf);
	unlink(errpath);
	free(cnf);
	free(errpath);
	free(path);
	for (size_t i = 0; i < a; i++)
		free(argv[i]);
	free(argv);
	return rc;
}
