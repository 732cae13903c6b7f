/* tejun verify-log SESSION: walk the hash chain, name the first bad line. */
#include "config.h"
#include "cmd/cmd.h"
#include "core/journal.h"
#include "core/session.h"
#include "core/util.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static int cmd_verify_log(int argc, char **argv);
const struct cmd_entry cmd_verify_log_entry = {"verify-log", "SESSION [--log-dir DIR]",
					       "check a session journal's hash chain", cmd_verify_log};

static int cmd_verify_log(int argc, char **argv)
{
	static const struct option opts[] = {{"log-dir", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	const char *log_dir = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			log_dir = optarg;
		else
			return cmd_usage(&cmd_verify_log_entry);
	}
	if (optind != argc - 1)
		return cmd_usage(&cmd_verify_log_entry);
	char *dir = session_log_dir(log_dir), *err = NULL;
	char *path = session_resolve(dir, argv[optind], &err);
	free(dir);
	if (!path) {
		fprintf(stderr, "tejun verify-log: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	struct journal_scan scan;
	journal_scan(path, NULL, NULL, &scan);
	int rc = EXIT_DONE;
	switch (scan.problem) {
	case JOURNAL_OK:
		printf("%s: intact (%ld lines, last seq %ld)\n", path, scan.lines, scan.last_seq);
		break;
	case JOURNAL_TORN:
		printf("%s: intact up to line %ld (seq %ld); %s\n", path, scan.lines, scan.last_seq, scan.message);
		break;
	case JOURNAL_IOERR:
		fprintf(stderr, "tejun verify-log: %s\n", scan.message);
		rc = EXIT_USAGE;
		break;
	default:
		printf("%s: TAMPERED: %s (the %ld lines before it are intact)\n", path, scan.message, scan.lines);
		rc = EXIT_FAILED;
		break;
	}
	free(path);
	return rc;
}
