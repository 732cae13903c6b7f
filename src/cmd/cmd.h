/* Subcommands: each is one table entry (name, usage, function) collected in main.c. */
#ifndef TEJUN_CMD_H
#define TEJUN_CMD_H
#include <stdbool.h>

/* Exit codes of the CLI contract. */
enum {
	EXIT_DONE = 0,
	EXIT_FAILED = 1,   /* a step failed, or the operator aborted */
	EXIT_USAGE = 2,    /* usage or runbook error */
	EXIT_INTERRUPTED = 130,
};

struct cmd_entry {
	const char *name;
	const char *usage;  /* arguments after the name */
	const char *summary;
	int (*exec)(int argc, char **argv); /* argv[0] is the command name */
};

/* Prints "usage: tejun NAME USAGE" to stderr and returns EXIT_USAGE. */
int cmd_usage(const struct cmd_entry *e);

/* tejun plan RUNBOOK --rehearsal JOURNAL (cmd_forecast.c): the forecast of each step and of
 * the window, the data measured now through the runbook's own connection params. */
struct runbook;
struct forecast_opts {
	const char *rehearsal, *log_dir;
	bool json, analyze;
};
int cmd_forecast(struct runbook *rb, const struct forecast_opts *o);
#endif
