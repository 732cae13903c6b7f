/* The session report as one self-contained HTML page with inline SVG charts. */
#ifndef TEJUN_REPORT_HTML_H
#define TEJUN_REPORT_HTML_H
#include "review/report.h"
#include <stdio.h>

void report_html_write(FILE *f, const struct report *r);
void report_html_compare(FILE *f, const struct report *rehearsal, const struct report *live);
/* Writes s with & < > " ' escaped. */
void report_html_escape(FILE *f, const char *s);
#endif
