/* manifest.json: atomic write, checked load, ids and safe file names. */
#include "config.h"
#include <sys/stat.h>
#include "mysql/manifest.h"
#include "mysql/dumpfile.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int manifest_write(const char *dir, json_t *m, char **err)
{
	char *path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	char *text = json_dumps(m, JSON_INDENT(1) | JSON_SORT_KEYS);
	struct dumpfile_w *w = dumpfile_create(path, 0, err);
	int rc = -1;
	if (w) {
		if (dumpfile_write(w, text, strlen(text), err) < 0 || dumpfile_write(w, "\n", 1, err) < 0)
			dumpfile_abort(w);
		else if (dumpfile_finish(w, NULL, err) == 0)
			rc = 0;
	}
	if (rc == 0)
		dumpfile_sync_dir(dir);
	free(text);
	free(path);
	return rc;
}

bool manifest_exists(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	bool there = access(path, F_OK) == 0;
	free(path);
	return there;
}

json_t *manifest_load(const char *dir, char **err)
{
	if (!manifest_exists(dir)) {
		struct stat st;
		if (stat(dir, &st) != 0)
			*err = xasprintf("%s: %s", dir, strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			*err = xasprintf("%s is not a directory (give the dump's directory)", dir);
		else
			*err = xasprintf("%s has no %s: the dump is incomplete (interrupted?) or not a tejun "
					 "dump; refusing to restore it", dir, MANIFEST_NAME);
		return NULL;
	}
	char *path = xasprintf("%s/%s", dir, MANIFEST_NAME);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	if (!m) {
		*err = xasprintf("%s: %s (line %d)", path, je.text, je.line);
		free(path);
		return NULL;
	}
	const char *fmt = json_string_value(json_object_get(m, "format"));
	json_t *files = json_object_get(m, "files");
	if (!fmt || strcmp(fmt, MANIFEST_FORMAT) != 0 || !json_is_array(files)) {
		*err = xasprintf("%s: not a %s manifest", path, MANIFEST_FORMAT);
		json_decref(m);
		free(path);
		return NULL;
	}
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		if (!p || !*p || p[0] == '/' || strstr(p, "..") ||
		    !json_string_value(json_object_get(f, "sha256"))) {
			*err = xasprintf("%s: file entry %zu has no safe path or no sha256", path, i);
			json_decref(m);
			free(path);
			return NULL;
		}
	}
	free(path);
	return m;
}

void manifest_new_id(char out[33])
{
	unsigned char r[16];
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, r, sizeof r);
		got = k > 0 ? (size_t)k : 0;
		close(fd);
	}
	if (got < sizeof r) {
		/* no urandom: time and pid still make collisions between two dumps unlikely */
		double t = now_wall();
		unsigned long long x = (unsigned long long)(t * 1e6) ^ ((unsigned long long)getpid() << 40);
		for (size_t i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)(x >> ((i % 8) * 8)) ^ (unsigned char)i;
	}
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof r; i++) {
		out[2 * i] = hx[r[i] >> 4];
		out[2 * i + 1] = hx[r[i] & 15];
	}
	out[32] = '\0';
}

void manifest_encode_name(struct sbuf *b, const char *name)
{
	static const char hx[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-') {
			sbuf_add(b, (const char *)p, 1);
		} else {
			char e[3] = {'%', hx[*p >> 4], hx[*p & 15]};
			sbuf_add(b, e, 3);
		}
	}
}
