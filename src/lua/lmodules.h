/* The Lua modules a runbook sees (sh, mysql, aws, slack): the commands hand this table to the
 * runbook loader, which opens each as a global. */
#ifndef TEJUN_LMODULES_H
#define TEJUN_LMODULES_H
#include "core/lbind.h"

extern const struct lb_module lmodules_all[];
#endif
