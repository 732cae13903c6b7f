/* The session report as Markdown (for a change ticket). */
#ifndef TEJUN_REPORT_MD_H
#define TEJUN_REPORT_MD_H
#include "review/report.h"
#include <stdio.h>

void report_md_write(FILE *f, const struct report *r);
void report_md_compare(FILE *f, const struct report *rehearsal, const struct report *live);
#endif
