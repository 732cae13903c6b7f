/* Makes finished dump files durable off the workers' path. A file is renamed into place
 * as soon as its last byte is written and its descriptor handed here; one thread fsyncs
 * the files in turn while the workers go on dumping, and the dump waits for all of them
 * before it writes the manifest, the only mark of a complete dump. */
#ifndef TEJUN_DUMPSYNC_H
#define TEJUN_DUMPSYNC_H

struct dumpsync;

struct dumpsync *dumpsync_new(void);
/* Queues fd (owned from now on) for fsync and close; path names it in errors. Waits while
 * many files are queued, so a slow disk holds the dump back instead of piling up. */
void dumpsync_add(struct dumpsync *s, int fd, const char *path);
/* Waits until every queued file is on disk; -1 and *err naming the first that failed. */
int dumpsync_drain(struct dumpsync *s, char **err);
/* Drains (errors dropped: the caller failed already or drained) and frees. */
void dumpsync_free(struct dumpsync *s);
#endif
