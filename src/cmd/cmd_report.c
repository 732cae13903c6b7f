/* tejun report SESSION | --compare REHEARSAL LIVE: a summary for a change ticket, in
 * Markdown or HTML, that says whether the journal's hash chain holds. */
#include "config.h"
#include "cmd/cmd.h"
#include "review/report.h"
#include "review/report_html.h"
#include "review/report_md.h"
#include "core/session.h"
#include "core/util.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_report(int argc, char **argv);
const struct cmd_entry cmd_report_entry = {
	"report", "SESSION | --compare REHEARSAL LIVE [--format md|html] [-o FILE] [--log-dir DIR]",
	"summarise a session (or compare a rehearsal with the live run)", cmd_report};

/* The output formats, as a table. */
static const struct report_format {
	const char *name;
	void (*write)(FILE *f, const struct report *r);
	void (*compare)(FILE *f, const struct report *a, const struct report *b);
} formats[] = {
	{"md", report_md_write, report_md_compare},
	{"html", report_html_write, report_html_compare},
};

static int load(const char *dir, const char *arg, struct report *r)
{
	char *err = NULL, *path = session_resolve(dir, arg, &err);
	if (!path || report_load(path, r, &err) != 0) {
		fprintf(stderr, "tejun report: %s\n", err);
		free(err);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"output", required_argument, NULL, 'o'},
					     {"compare", no_argument, NULL, 'c'},
					     {"log-dir", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	const char *fmt_name = "md", *out_path = NULL, *log_dir = NULL;
	bool compare = false;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': fmt_name = optarg; break;
		case 'o': out_path = optarg; break;
		case 'c': compare = true; break;
		case 'l': log_dir = optarg; break;
		default: return cmd_usage(&cmd_report_entry);
		}
	}
	const struct report_format *fmt = NULL;
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (strcmp(formats[i].name, fmt_name) == 0)
			fmt = &formats[i];
	if (!fmt) {
		fprintf(stderr, "tejun report: unknown format '%s' (md or html)\n", fmt_name);
		return EXIT_USAGE;
	}
	if (argc - optind != (compare ? 2 : 1))
		return cmd_usage(&cmd_report_entry);
	char *dir = session_log_dir(log_dir);
	struct report r[2];
	int loaded = 0;
	for (; loaded < (compare ? 2 : 1); loaded++)
		if (load(dir, argv[optind + loaded], &r[loaded]) != 0)
			break;
	free(dir);
	int rc = EXIT_USAGE;
	if (loaded != (compare ? 2 : 1))
		goto out;
	FILE *f = out_path ? fopen(out_path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "tejun report: cannot write %s: %s\n", out_path, strerror(errno));
		goto out;
	}
	if (compare)
		fmt->compare(f, &r[0], &r[1]);
	else
		fmt->write(f, &r[0]);
	bool failed = ferror(f) != 0;
	if (out_path)
		failed |= fclose(f) != 0;
	else
		failed |= fflush(f) != 0;
	if (failed) {
		fprintf(stderr, "tejun report: write error on %s\n", out_path ? out_path : "standard output");
		goto out;
	}
	/* the report is written either way; the exit code tells a script the chain broke */
	rc = EXIT_DONE;
	for (int i = 0; i < loaded; i++)
		if (!report_intact(&r[i])) {
			fprintf(stderr, "tejun report: %s was tampered with: %s\n", r[i].path, r[i].scan.message);
			rc = EXIT_FAILED;
		}
out:
	for (int i = 0; i < loaded; i++)
		report_free(&r[i]);
	return rc;
}
