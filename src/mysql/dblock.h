/* A lock across bastions: a server-side advisory lock (GET_LOCK) held by a connection of its
 * own for a session's whole life, so a second host refuses the same cut-over. A thread
 * checks it every few seconds and takes it again after a dropped connection. */
#ifndef TEJUN_DBLOCK_H
#define TEJUN_DBLOCK_H
#include <stdbool.h>
#include <stddef.h>

struct dbopts;
struct dblock;
/* Blocking: connects and takes name without waiting. NULL and *err (caller frees) when it is
 * held elsewhere (err names the holder's connection, user and host) or the server refuses. */
struct dblock *dblock_take(const struct dbopts *o, const char *name, char **err);
/* The lock is no longer ours (the connection dropped and someone else took it meanwhile, or
 * it cannot be taken again): why, into why. */
bool dblock_lost(struct dblock *l, char *why, size_t n);
/* Releases it (RELEASE_LOCK) and closes the connection. */
void dblock_release(struct dblock *l);
#endif
