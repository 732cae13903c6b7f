/* What a view may ask of whoever drives the session (the engine live, the player in replay). */
#ifndef TEJUN_CONTROL_H
#define TEJUN_CONTROL_H
#include <stddef.h>

#define CONTROL_COMMANDS(X)                                                        \
	X(RUN_NEXT, "run-next", "run the next pending step")                       \
	X(RUN_ON, "run-on", "run steps until the next confirmation")               \
	X(RETRY, "retry", "retry the failed or interrupted step")                  \
	X(SKIP, "skip", "skip the current step (reason required)")                 \
	X(ABORT, "abort", "abort the session")                                     \
	X(UNDO, "undo", "run the undo of a finished step (arg: step id)")         \
	X(QUIT, "quit", "leave the console once the session has ended")

enum control_cmd {
#define X(name, wire, doc) CTL_##name,
	CONTROL_COMMANDS(X)
#undef X
	CTL__COUNT
};
const char *control_cmd_name(enum control_cmd c);

struct controller {
	void *self;
	/* arg: skip reason, undo step id, or NULL. Returns 0, or -1 with why in errbuf. */
	int (*command)(void *self, enum control_cmd cmd, const char *arg, char *errbuf, size_t errlen);
	/* Answer prompt prompt_id (from its prompt event). source: "tty", "stdin", "answers-file". */
	void (*answer)(void *self, long prompt_id, const char *text, const char *source);
};
#endif
