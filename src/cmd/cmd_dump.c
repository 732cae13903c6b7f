/* tejun dump | restore | copy: the dump module on its own, with a live progress line, an
 * optional JSON-lines progress log (for the benchmark and tests), and ^C that stops cleanly. */
#include "config.h"
#include "cmd/cmd.h"
#include "mysql/copy.h"
#include "mysql/dbconn.h"
#include "mysql/dump.h"
#include "mysql/op.h"
#include "mysql/restore.h"
#include "core/util.h"
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_dump(int argc, char **argv);
static int cmd_restore(int argc, char **argv);
static int cmd_copy(int argc, char **argv);
const struct cmd_entry cmd_dump_entry = {
	"dump", "--source DSN --schemas A,B --dir DIR [--threads N] [--compress[=LEVEL]] "
	"[--driver native|mysqldump] [--chunk-mb N] [--lock auto|ftwrl|none] [--keep-indexes] "
	"[--keep-definer] [--progress-log FILE]",
	"consistent parallel dump of schemas into a directory", cmd_dump};
const struct cmd_entry cmd_restore_entry = {
	"restore", "--target DSN --dir DIR [--threads N] [--map OLD=NEW]... [--sql-inserts] "
	"[--progress-log FILE]",
	"parallel, resumable restore of a dump directory", cmd_restore};
const struct cmd_entry cmd_copy_entry = {
	"copy", "--source DSN --target DSN --schemas A,B --dir DIR [--threads N] [--map OLD=NEW]... "
	"[--keep] [--sql-inserts] [--progress-log FILE]",
	"dump and load at once, file by file", cmd_copy};

static struct op *running; /* what ^C stops */
static int interrupted;
static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&interrupted, 1, __ATOMIC_SEQ_CST);
	if (running)
		op_cancel(running);
}

static void flush_notes(struct op *o, bool tty)
{
	char *n = op_take_notes(o);
	if (n) {
		if (tty) /* off the progress line being redrawn in place */
			fputs("\r\033[K", stderr);
		fputs(n, stderr);
		free(n);
	}
}

/* Runs o to its end with a progress line (redrawn on a terminal, every 5 s otherwise) and
 * the progress log; ^C cancels it. */
static int drive(struct op *o, const char *progress_log)
{
	const char *what = op_name(o);
	FILE *plog = progress_log ? fopen(progress_log, "w") : NULL;
	if (progress_log && !plog) {
		fprintf(stderr, "tejun %s: --progress-log %s: %s\n", what, progress_log, strerror(errno));
		return EXIT_USAGE;
	}
	running = o;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (op_start(o) < 0) {
		fprintf(stderr, "tejun %s: cannot start a thread\n", what);
		return EXIT_FAILED;
	}
	bool tty = isatty(2);
	double t0 = now_mono(), last_line = 0;
	for (;;) {
		bool fin = op_finished(o);
		struct op_stat st;
		op_stat(o, &st);
		double now = now_mono(), pct = st.total > 0 ? st.done / st.total * 100 : 0;
		if (plog) {
			fprintf(plog, "{\"t\":%.3f,\"done\":%.0f,\"total\":%.0f,\"pct\":%.4f,\"eta\":%.2f}\n",
				now - t0, st.done, st.total, pct, st.eta);
			fflush(plog);
		}
		flush_notes(o, tty);
		if (tty || now - last_line >= 5 || fin) {
			char e[32] = "?";
			if (st.eta >= 0)
				format_duration(st.eta, e, sizeof e);
			fprintf(stderr, "%s%s %5.1f%% ETA %s  %s%s", tty ? "\r\033[K" : "", what, pct, e, st.line,
				tty ? "" : "\n");
			last_line = now;
		}
		if (fin)
			break;
		struct pollfd pfd = {.fd = op_wait_fd(o), .events = POLLIN};
		poll(&pfd, 1, 250); /* EINTR from ^C is fine: the next tick sees the cancel */
	}
	const char *err;
	int rc = op_join(o, &err);
	if (tty)
		fputc('\n', stderr);
	flush_notes(o, false);
	if (plog)
		fclose(plog);
	if (rc < 0) {
		fprintf(stderr, "tejun %s: %s\n", what, err);
		return interrupted ? EXIT_INTERRUPTED : EXIT_FAILED;
	}
	return EXIT_DONE;
}

static char **split_list(const char *s)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ',';
	char **v = xcalloc(n + 1, sizeof *v);
	size_t i = 0;
	for (const char *p = s; *p;) {
		size_t k = strcspn(p, ",");
		bool seen = false; /* app,app: one schema, dumped once */
		for (size_t j = 0; j < i && !seen; j++)
			seen = strlen(v[j]) == k && strncmp(v[j], p, k) == 0;
		if (k && !seen)
			v[i++] = xstrndup(p, k);
		p += k;
		if (*p == ',')
			p++;
	}
	return v;
}

static void free_list(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* --map OLD=NEW appended as a pair; -1 (said why) when it is not one */
static int add_map(char ***map, size_t *n, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1]) {
		fprintf(stderr, "tejun: --map %s: expected OLD=NEW, two schema names\n", arg);
		return -1;
	}
	for (size_t i = 0; i < *n; i += 2)
		if (strlen((*map)[i]) == (size_t)(eq - arg) && strncmp((*map)[i], arg, (size_t)(eq - arg)) == 0) {
			fprintf(stderr, "tejun: --map %s: %s is already mapped to %s\n", arg, (*map)[i], (*map)[i + 1]);
			return -1;
		}
	*map = xrealloc(*map, (*n + 3) * sizeof **map);
	(*map)[(*n)++] = xstrndup(arg, (size_t)(eq - arg));
	(*map)[(*n)++] = xstrdup(eq + 1);
	(*map)[*n] = NULL;
	return 0;
}

/* a whole number in [lo, hi] or -1 (said why): "4x", "" and 0 threads are mistakes */
static int int_opt(const char *name, const char *v, long lo, long hi)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (!*v || *end || errno || x < lo || x > hi) {
		fprintf(stderr, "tejun: --%s %s: expected a whole number from %ld to %ld\n", name, v, lo, hi);
		return -1;
	}
	return (int)x;
}

static int parse_dsn(const char *dsn, const char *opt, const char *env, struct dbopts *o)
{
	if (!dsn)
		dsn = getenv(env);
	if (!dsn) {
		fprintf(stderr, "tejun: --%s is required (a DSN, or set %s)\n", opt, env);
		return -1;
	}
	char *err = NULL;
	if (dbopts_parse_dsn(dsn, o, &err) < 0) {
		fprintf(stderr, "tejun: %s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

struct args {
	const char *source, *target, *schemas, *dir, *driver, *lock, *plog;
	int threads, zstd;
	double chunk_mb;
	bool keep_indexes, keep_definer, keep, sql_inserts;
	char **map;
	size_t nmap;
};

/* Is --name one of the space-separated names in `takes`? */
static bool takes_option(const char *takes, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = takes; (p = strstr(p, name)); p += n)
		if ((p == takes || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* 0: go on; >0: exit with it (said why); -1: --help was shown. `takes` lists the options
 * this command uses: another command's option is a mistake, not something to ignore. */
static int parse(int argc, char **argv, struct args *a, const struct cmd_entry *e, const char *takes)
{
	enum { O_SRC = 256, O_DST, O_SCH, O_DIR, O_THR, O_ZST, O_DRV, O_CHK, O_LCK, O_KI, O_KD, O_MAP, O_KEEP, O_PLOG,
	       O_SQLI, O_HELP };
	static const struct option opts[] = {
		{"source", required_argument, NULL, O_SRC}, {"target", required_argument, NULL, O_DST},
		{"schemas", required_argument, NULL, O_SCH}, {"dir", required_argument, NULL, O_DIR},
		{"threads", required_argument, NULL, O_THR}, {"compress", optional_argument, NULL, O_ZST},
		{"driver", required_argument, NULL, O_DRV}, {"chunk-mb", required_argument, NULL, O_CHK},
		{"lock", required_argument, NULL, O_LCK}, {"keep-indexes", no_argument, NULL, O_KI},
		{"keep-definer", no_argument, NULL, O_KD}, {"map", required_argument, NULL, O_MAP},
		{"keep", no_argument, NULL, O_KEEP}, {"progress-log", required_argument, NULL, O_PLOG},
		{"sql-inserts", no_argument, NULL, O_SQLI}, {"help", no_argument, NULL, O_HELP}, {NULL, 0, NULL, 0}};
	memset(a, 0, sizeof *a);
	a->threads = 4;
	int c, li = -1;
	while ((c = getopt_long(argc, argv, "", opts, &li)) != -1) {
		if (c == O_HELP) {
			printf("usage: tejun %s %s\n%s\n", e->name, e->usage, e->summary);
			return -1;
		}
		if (c != '?' && li >= 0 && !takes_option(takes, opts[li].name)) {
			fprintf(stderr, "tejun %s: --%s is not an option of %s; it takes:", e->name, opts[li].name,
				e->name);
			for (const char *p = takes; *p; p += strspn(p, " ")) {
				size_t n = strcspn(p, " ");
				fprintf(stderr, " --%.*s", (int)n, p);
				p += n;
			}
			fputc('\n', stderr);
			return EXIT_USAGE;
		}
		li = -1;
		switch (c) {
		case O_SRC: a->source = optarg; break;
		case O_DST: a->target = optarg; break;
		case O_SCH: a->schemas = optarg; break;
		case O_DIR: a->dir = optarg; break;
		case O_THR:
			if ((a->threads = int_opt("threads", optarg, 1, 64)) < 0)
				return EXIT_USAGE;
			break;
		case O_ZST:
			if ((a->zstd = optarg ? int_opt("compress", optarg, 1, 19) : 3) < 0)
				return EXIT_USAGE;
			break;
		case O_DRV:
			if (strcmp(optarg, "native") != 0 && strcmp(optarg, "mysqldump") != 0) {
				fprintf(stderr, "tejun: --driver %s: expected native or mysqldump\n", optarg);
				return EXIT_USAGE;
			}
			a->driver = optarg;
			break;
		case O_CHK: {
			char *end;
			a->chunk_mb = strtod(optarg, &end);
			if (!*optarg || *end || !(a->chunk_mb > 0 && a->chunk_mb <= 65536)) {
				fprintf(stderr, "tejun: --chunk-mb %s: expected a size in MB above 0\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case O_LCK:
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "ftwrl") != 0 && strcmp(optarg, "none") != 0) {
				fprintf(stderr, "tejun: --lock %s: expected auto, ftwrl or none\n", optarg);
				return EXIT_USAGE;
			}
			a->lock = optarg;
			break;
		case O_KI: a->keep_indexes = true; break;
		case O_KD: a->keep_definer = true; break;
		case O_MAP:
			if (add_map(&a->map, &a->nmap, optarg) < 0)
				return EXIT_USAGE;
			break;
		case O_KEEP: a->keep = true; break;
		case O_PLOG: a->plog = optarg; break;
		case O_SQLI: a->sql_inserts = true; break;
		default: return cmd_usage(e);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tejun %s: unexpected argument '%s'\n", e->name, argv[optind]);
		return cmd_usage(e);
	}
	if (!a->dir) {
		fprintf(stderr, "tejun %s: --dir is required\n", e->name);
		return cmd_usage(e);
	}
	if (takes_option(takes, "schemas") && !a->schemas) {
		fprintf(stderr, "tejun %s: --schemas is required\n", e->name);
		return cmd_usage(e);
	}
	if (!*a->dir) {
		fprintf(stderr, "tejun: --dir must not be empty\n");
		return EXIT_USAGE;
	}
	return 0;
}

static void print_json(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (s)
		puts(s);
	free(s);
}

static int cmd_dump(int argc, char **argv)
{
	struct args a;
	int rc = parse(argc, argv, &a, &cmd_dump_entry, "source schemas dir threads compress driver chunk-mb lock "
		       "keep-indexes keep-definer progress-log");
	if (rc)
		return rc < 0 ? EXIT_DONE : rc;
	struct dbopts src;
	if (parse_dsn(a.source, "source", "TEJUN_SOURCE_DSN", &src) < 0)
		return EXIT_USAGE;
	char **schemas = split_list(a.schemas);
	struct dump_opts o = {.src = &src, .schemas = (const char *const *)schemas, .dir = a.dir,
			      .threads = a.threads, .zstd_level = a.zstd, .driver = a.driver, .lock = a.lock,
			      .chunk_bytes = a.chunk_mb > 0 ? (unsigned long long)(a.chunk_mb * 1048576) : 0,
			      .no_defer_indexes = a.keep_indexes, .keep_definer = a.keep_definer};
	struct op *d = dump_op(&o);
	rc = drive(d, a.plog);
	if (rc == EXIT_DONE) {
		json_t *m = op_result(d);
		printf("dump %s: %lld rows, %lld bytes (%s)\n", a.dir,
		       (long long)json_integer_value(json_object_get(m, "rows")),
		       (long long)json_integer_value(json_object_get(m, "bytes")),
		       json_string_value(json_object_get(json_object_get(m, "consistency"), "method")));
	}
	op_free(d);
	free_list(schemas);
	dbopts_free(&src);
	return rc;
}

static int cmd_restore(int argc, char **argv)
{
	struct args a;
	int rc = parse(argc, argv, &a, &cmd_restore_entry, "target dir threads map sql-inserts progress-log");
	if (rc) {
		free_list(a.map);
		return rc < 0 ? EXIT_DONE : rc;
	}
	struct dbopts dst;
	if (parse_dsn(a.target, "target", "TEJUN_TARGET_DSN", &dst) < 0) {
		free_list(a.map);
		return EXIT_USAGE;
	}
	struct restore_opts o = {.dst = &dst, .dir = a.dir, .threads = a.threads,
				 .map = (const char *const *)a.map, .sql_inserts = a.sql_inserts};
	struct op *r = restore_op(&o);
	rc = drive(r, a.plog);
	if (rc == EXIT_DONE)
		print_json(op_result(r));
	op_free(r);
	free_list(a.map);
	dbopts_free(&dst);
	return rc;
}

static int cmd_copy(int argc, char **argv)
{
	struct args a;
	int rc = parse(argc, argv, &a, &cmd_copy_entry, "source target schemas dir threads map keep sql-inserts "
		       "progress-log");
	if (rc) {
		free_list(a.map);
		return rc < 0 ? EXIT_DONE : rc;
	}
	struct dbopts src, dst;
	if (parse_dsn(a.source, "source", "TEJUN_SOURCE_DSN", &src) < 0) {
		free_list(a.map);
		return EXIT_USAGE;
	}
	if (parse_dsn(a.target, "target", "TEJUN_TARGET_DSN", &dst) < 0) {
		dbopts_free(&src);
		free_list(a.map);
		return EXIT_USAGE;
	}
	char **schemas = split_list(a.schemas);
	struct copy_opts o = {.src = &src, .dst = &dst, .schemas = (const char *const *)schemas,
			      .map = (const char *const *)a.map, .dir = a.dir, .threads = a.threads,
			      .keep_files = a.keep, .sql_inserts = a.sql_inserts};
	struct op *c = copy_op(&o);
	rc = drive(c, a.plog);
	if (rc == EXIT_DONE)
		print_json(op_result(c));
	op_free(c);
	free_list(schemas);
	free_list(a.map);
	dbopts_free(&src);
	dbopts_free(&dst);
	return rc;
}
