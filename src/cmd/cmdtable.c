/* The subcommand table; a new command is one new line (and its extern). */
#include "config.h"
#include "cmd/cmd.h"
#include <stddef.h>

extern const struct cmd_entry cmd_sizes_entry, cmd_verify_entry, cmd_preflight_entry;

extern const struct cmd_entry cmd_run_entry, cmd_plan_entry, cmd_check_entry, cmd_verify_log_entry;
extern const struct cmd_entry cmd_replay_entry, cmd_report_entry;
extern const struct cmd_entry cmd_dump_entry, cmd_restore_entry, cmd_copy_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_run_entry,
	&cmd_plan_entry,
	&cmd_check_entry,
	&cmd_verify_log_entry,
	&cmd_replay_entry,
	&cmd_report_entry,
	&cmd_sizes_entry,
	&cmd_verify_entry,
	&cmd_preflight_entry,
	&cmd_dump_entry, &cmd_restore_entry, &cmd_copy_entry,
	NULL,
};
