/* tejun entry point: dispatch to one subcommand from the table. */
#include "config.h"
#include "cmd/cmd.h"
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

extern const struct cmd_entry *const cmd_table[];

int cmd_usage(const struct cmd_entry *e)
{
	fprintf(stderr, "usage: tejun %s %s\n", e->name, e->usage);
	return EXIT_USAGE;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tejun COMMAND [ARGS]\n\ncommands:\n");
	for (const struct cmd_entry *const *c = cmd_table; *c; c++)
		fprintf(f, "  %-11s %s\n", (*c)->name, (*c)->summary);
}

int main(int argc, char **argv)
{
	/* A closed 0/1/2 would be reused by the next open(): the journal must never land there. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
			return EXIT_USAGE;
	setlocale(LC_ALL, "");
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_DONE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tejun %s\n", PACKAGE_VERSION);
		return EXIT_DONE;
	}
	for (const struct cmd_entry *const *c = cmd_table; *c; c++)
		if (strcmp((*c)->name, argv[1]) == 0)
			return (*c)->exec(argc - 1, argv + 1);
	fprintf(stderr, "tejun: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
