/* The subcommand table; a new command is one new line (and its extern). */
#include "config.h"
#include "cmd.h"
#include <stddef.h>

const struct cmd_entry *const cmd_table[] = {
	NULL,
};
