/* Rebuilding a session's state from its journal for tejun run --resume. */
#ifndef TEJUN_RESUME_H
#define TEJUN_RESUME_H
#include "core/engine.h"
#include "core/journal.h"

struct resume_info {
	struct resume_state st;
	json_t *header;        /* data of the session event */
	const char *end_status; /* NULL when the session never ended; points into header-owned memory */
	char end_buf[32];
	struct journal_scan scan;
};

/* 0, or -1 with *err (caller frees) when the journal is damaged (tampered, not just torn). */
int resume_load(const char *path, struct resume_info *ri, char **err);
void resume_free(struct resume_info *ri);
#endif
