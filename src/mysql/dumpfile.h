/* Dump files on disk: written under a temporary name with an optional zstd stream and a
 * running sha256, renamed into place only when complete; read back transparently
 * (plain or zstd) and checked against the manifest before anything is loaded. */
#ifndef TEJUN_DUMPFILE_H
#define TEJUN_DUMPFILE_H
#include <stddef.h>
#include <sys/types.h>

struct dumpfile_w;
struct dumpfile_r;

struct dumpfile_info {
	unsigned long long bytes;      /* on disk (compressed if compressed) */
	unsigned long long raw_bytes;  /* SQL text */
	char sha256[65];               /* of the bytes on disk */
};

/* Creates PATH.tmp (PATH is the final name); zstd_level 0 writes plain text.
 * NULL and *err (malloc'd) on error. */
struct dumpfile_w *dumpfile_create(const char *path, int zstd_level, char **err);
/* Buffered append; -1 and *err on I/O error (the writer stays valid for dumpfile_abort). */
int dumpfile_write(struct dumpfile_w *w, const void *p, size_t n, char **err);
struct dumpsync;
/* dumpfile_finish renames without waiting for the disk and hands the file to s, whose
 * drain the caller awaits before anything may count on the file being durable; s NULL
 * keeps the fsync in dumpfile_finish. */
void dumpfile_sync_later(struct dumpfile_w *w, struct dumpsync *s);
unsigned long long dumpfile_raw_bytes(const struct dumpfile_w *w);
/* Flushes, fsyncs and renames PATH.tmp to PATH; fills info; frees w in every case. */
int dumpfile_finish(struct dumpfile_w *w, struct dumpfile_info *info, char **err);
/* Removes the temporary file and frees w (interrupted or failed chunk). */
void dumpfile_abort(struct dumpfile_w *w);

/* Opens a dump file for reading, decompressing when it starts with the zstd magic. */
struct dumpfile_r *dumpfile_open(const char *path, char **err);
/* Up to n bytes of SQL text; 0 at end; -1 and *err on error. */
ssize_t dumpfile_read(struct dumpfile_r *r, void *buf, size_t n, char **err);
void dumpfile_close(struct dumpfile_r *r);

/* Checks size and sha256 of a file against the manifest; -1 and *err naming the file. */
int dumpfile_verify(const char *path, unsigned long long bytes, const char *sha256, char **err);
/* Checks only the size: for a file whose sha256 this process has just computed. */
int dumpfile_check_size(const char *path, unsigned long long bytes, char **err);
/* fsync a directory so renames in it are durable. */
void dumpfile_sync_dir(const char *dir);
#endif
