/* Dump files: temp-name writer with zstd and sha256, transparent reader, verification. */
#include "config.h"
#include "mysql/dumpfile.h"
#include "mysql/dumpsync.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define WBUF (1u << 20)
/* Writeback is started every this many bytes, so the fsync that makes a file complete
 * waits for its last few megabytes instead of all of them. */
#define KICK_BYTES (8u << 20)

struct dumpfile_w {
	char *path, *tmp;
	int fd;
	ZSTD_CCtx *z;
	EVP_MD_CTX *md;
	char *buf;           /* plain: pending text; zstd: compressed output */
	size_t len;
	unsigned long long bytes, raw, kicked;
	struct dumpsync *later;
};

static void kick_writeback(struct dumpfile_w *w)
{
#ifdef SYNC_FILE_RANGE_WRITE
	if (w->bytes - w->kicked >= KICK_BYTES) {
		/* advisory: a failure here only means the final fsync does all the work */
		(void)sync_file_range(w->fd, (off_t)w->kicked, (off_t)(w->bytes - w->kicked),
				      SYNC_FILE_RANGE_WRITE);
		w->kicked = w->bytes;
	}
#else
	(void)w;
#endif
}

static int write_all(struct dumpfile_w *w, const void *p, size_t n, char **err)
{
	const char *c = p;
	EVP_DigestUpdate(w->md, p, n);
	w->bytes += n;
	while (n > 0) {
		ssize_t k = write(w->fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			*err = xasprintf("write %s: %s", w->tmp, strerror(errno));
			return -1;
		}
		c += k;
		n -= (size_t)k;
	}
	kick_writeback(w);
	return 0;
}

struct dumpfile_w *dumpfile_create(const char *path, int zstd_level, char **err)
{
	struct dumpfile_w *w = xcalloc(1, sizeof *w);
	w->path = xstrdup(path);
	w->tmp = xasprintf("%s.tmp", path);
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (w->fd < 0) {
		*err = xasprintf("create %s: %s", w->tmp, strerror(errno));
		free(w->path);
		free(w->tmp);
		free(w);
		return NULL;
	}
	w->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(w->md, EVP_sha256(), NULL);
	w->buf = xmalloc(WBUF);
	if (zstd_level > 0) {
		w->z = ZSTD_createCCtx();
		ZSTD_CCtx_setParameter(w->z, ZSTD_c_compressionLevel, zstd_level);
		ZSTD_CCtx_setParameter(w->z, ZSTD_c_checksumFlag, 1);
	}
	return w;
}

static int zpush(struct dumpfile_w *w, const void *p, size_t n, ZSTD_EndDirective end, char **err)
{
	ZSTD_inBuffer in = {p, n, 0};
	for (;;) {
		ZSTD_outBuffer out = {w->buf, WBUF, 0};
		size_t left = ZSTD_compressStream2(w->z, &out, &in, end);
		if (ZSTD_isError(left)) {
			*err = xasprintf("zstd %s: %s", w->tmp, ZSTD_getErrorName(left));
			return -1;
		}
		if (out.pos && write_all(w, w->buf, out.pos, err) < 0)
			return -1;
		if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

int dumpfile_write(struct dumpfile_w *w, const void *p, size_t n, char **err)
{
	w->raw += n;
	if (w->z)
		return zpush(w, p, n, ZSTD_e_continue, err);
	if (w->len + n > WBUF) {
		if (w->len && write_all(w, w->buf, w->len, err) < 0)
			return -1;
		w->len = 0;
		if (n > WBUF)
			return write_all(w, p, n, err);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

void dumpfile_sync_later(struct dumpfile_w *w, struct dumpsync *s)
{
	w->later = s;
}

unsigned long long dumpfile_raw_bytes(const struct dumpfile_w *w)
{
	return w->raw;
}

static void wfree(struct dumpfile_w *w)
{
	if (w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->z);
	EVP_MD_CTX_free(w->md);
	free(w->buf);
	free(w->path);
	free(w->tmp);
	free(w);
}

int dumpfile_finish(struct dumpfile_w *w, struct dumpfile_info *info, char **err)
{
	int rc = 0;
	if (w->z)
		rc = zpush(w, "", 0, ZSTD_e_end, err);
	else if (w->len)
		rc = write_all(w, w->buf, w->len, err);
	/* durable before the rename makes it look complete, unless a dumpsync makes it so
	 * before the manifest does (it then owns the descriptor) */
	if (!w->later) {
		if (rc == 0 && fsync(w->fd) < 0) {
			*err = xasprintf("fsync %s: %s", w->tmp, strerror(errno));
			rc = -1;
		}
		if (rc == 0 && close(w->fd) < 0) {
			*err = xasprintf("close %s: %s", w->tmp, strerror(errno));
			rc = -1;
		}
		w->fd = -1;
	}
	if (rc == 0 && rename(w->tmp, w->path) < 0) {
		*err = xasprintf("rename %s: %s", w->tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && w->later) {
		dumpsync_add(w->later, w->fd, w->path);
		w->fd = -1;
	}
	if (rc < 0) {
		unlink(w->tmp);
		wfree(w);
		return -1;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_DigestFinal_ex(w->md, md, &mdlen);
	if (info) {
		info->bytes = w->bytes;
		info->raw_bytes = w->raw;
		hex_digest(md, mdlen, info->sha256);
	}
	wfree(w);
	return 0;
}

void dumpfile_abort(struct dumpfile_w *w)
{
	if (!w)
		return;
	unlink(w->tmp);
	wfree(w);
}

struct dumpfile_r {
	char *path;
	int fd;
	ZSTD_DCtx *z;
	char *in;
	size_t in_len, in_pos;
	bool eof;
};

struct dumpfile_r *dumpfile_open(const char *path, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("open %s: %s", path, strerror(errno));
		return NULL;
	}
	struct dumpfile_r *r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	r->fd = fd;
	r->in = xmalloc(WBUF);
	unsigned char magic[4];
	ssize_t k = pread(fd, magic, 4, 0);
	if (k == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		r->z = ZSTD_createDCtx();
	return r;
}

static ssize_t raw_read(struct dumpfile_r *r, void *buf, size_t n, char **err)
{
	for (;;) {
		ssize_t k = read(r->fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			*err = xasprintf("read %s: %s", r->path, strerror(errno));
		return k;
	}
}

ssize_t dumpfile_read(struct dumpfile_r *r, void *buf, size_t n, char **err)
{
	if (!r->z)
		return raw_read(r, buf, n, err);
	ZSTD_outBuffer out = {buf, n, 0};
	while (out.pos == 0) {
		if (r->in_pos == r->in_len) {
			if (r->eof)
				return 0;
			ssize_t k = raw_read(r, r->in, WBUF, err);
			if (k < 0)
				return -1;
			if (k == 0) {
				r->eof = true;
				return 0;
			}
			r->in_len = (size_t)k;
			r->in_pos = 0;
		}
		ZSTD_inBuffer in = {r->in, r->in_len, r->in_pos};
		size_t rc = ZSTD_decompressStream(r->z, &out, &in);
		r->in_pos = in.pos;
		if (ZSTD_isError(rc)) {
			*err = xasprintf("zstd %s: %s", r->path, ZSTD_getErrorName(rc));
			return -1;
		}
	}
	return (ssize_t)out.pos;
}

void dumpfile_close(struct dumpfile_r *r)
{
	if (!r)
		return;
	close(r->fd);
	ZSTD_freeDCtx(r->z);
	free(r->in);
	free(r->path);
	free(r);
}

int dumpfile_verify(const char *path, unsigned long long bytes, const char *sha256, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	char *buf = xmalloc(WBUF);
	unsigned long long total = 0;
	ssize_t k;
	while ((k = read(fd, buf, WBUF)) > 0 || (k < 0 && errno == EINTR))
		if (k > 0) {
			EVP_DigestUpdate(md, buf, (size_t)k);
			total += (unsigned long long)k;
		}
	int rerr = k < 0 ? errno : 0;
	close(fd);
	free(buf);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	EVP_DigestFinal_ex(md, d, &dlen);
	EVP_MD_CTX_free(md);
	if (rerr) {
		*err = xasprintf("%s: %s", path, strerror(rerr));
		return -1;
	}
	char hex[65];
	hex_digest(d, dlen, hex);
	if (total != bytes) {
		*err = xasprintf("%s: size %llu, manifest says %llu: refusing to load it", path, total, bytes);
		return -1;
	}
	if (!sha256 || strcmp(hex, sha256) != 0) {
		*err = xasprintf("%s: sha256 %s does not match the manifest (%s): refusing to load it",
				 path, hex, sha256 ? sha256 : "none");
		return -1;
	}
	return 0;
}

int dumpfile_check_size(const char *path, unsigned long long bytes, char **err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((unsigned long long)st.st_size != bytes) {
		*err = xasprintf("%s: size %llu, the dump wrote %llu: refusing to load it", path,
				 (unsigned long long)st.st_size, bytes);
		return -1;
	}
	return 0;
}

void dumpfile_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}
