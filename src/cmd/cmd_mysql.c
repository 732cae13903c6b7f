/* MySQL operations on their own: tejun sizes, tejun verify, tejun preflight. */
#include "config.h"
#include "cmd/cmd.h"
#include "mysql/dbcheck.h"
#include "mysql/dbconn.h"
#include "mysql/dbsizes.h"
#include "mysql/dbverify.h"
#include "core/secret.h"
#include "core/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct cmd_entry cmd_sizes_entry, cmd_verify_entry, cmd_preflight_entry;

static struct dbconn *open_dsn(const char *what, const char *dsn)
{
	struct dbopts o;
	char *err = NULL;
	unsigned num = 0;
	struct dbconn *c = NULL;
	if (dbopts_parse_dsn(dsn, &o, &err) == 0) {
		c = dbconn_open(&o, &err, &num);
		dbopts_free(&o);
	}
	if (!c) {
		char *r = secret_redact(err);
		fprintf(stderr, "tejun: %s: %s\n", what, r);
		free(r);
		free(err);
	}
	return c;
}

/* A list of strings from repeated options, NULL-terminated. */
struct list {
	char **v;
	size_t n;
};

static void list_add(struct list *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof *l->v);
	l->v[l->n++] = (char *)s;
	l->v[l->n] = NULL;
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	puts(s);
	free(s);
}

static int cmd_sizes(int argc, char **argv)
{
	const char *dsn = NULL;
	bool json = false;
	struct list schemas = {0};
	struct dbsizes_opts o = {0};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--analyze") == 0)
			o.analyze = true;
		else if (strcmp(argv[i], "--exact") == 0)
			o.exact = true;
		else if (strcmp(argv[i], "--schema") == 0 && i + 1 < argc)
			list_add(&schemas, argv[++i]);
		else if (argv[i][0] != '-' && !dsn)
			dsn = argv[i];
		else {
			free(schemas.v);
			return cmd_usage(&cmd_sizes_entry);
		}
	}
	if (!dsn) {
		free(schemas.v);
		return cmd_usage(&cmd_sizes_entry);
	}
	o.schemas = (const char *const *)schemas.v;
	struct dbconn *c = open_dsn("sizes", dsn);
	if (!c) {
		free(schemas.v);
		return EXIT_FAILED;
	}
	json_t *r = dbsizes_collect(c, &o);
	int rc = EXIT_DONE;
	if (!r) {
		fprintf(stderr, "tejun: sizes on %s: %s\n", c->target, c->err);
		rc = EXIT_FAILED;
	} else if (json) {
		print_json(r);
	} else {
		dbsizes_print(r, stdout);
	}
	json_decref(r);
	dbconn_close(c);
	free(schemas.v);
	return rc;
}

static void verify_progress(void *ud, double done, double total, const char *label)
{
	if (*(bool *)ud)
		fprintf(stderr, "\rverifying %-40.40s %3.0f%%", label, total > 0 ? 100 * done / total : 100);
}

static int cmd_verify(int argc, char **argv)
{
	const char *dsn[2] = {NULL, NULL};
	bool json = false, tty = false;
	struct list schemas = {0}, map = {0};
	struct dbverify_opts o = {.chunk = 1000};
	int rc = EXIT_USAGE, nd = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--no-data") == 0) {
			o.no_data = true;
		} else if (strcmp(argv[i], "--schema") == 0 && i + 1 < argc) {
			list_add(&schemas, argv[++i]);
		} else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
			long n = strtol(argv[++i], NULL, 10);
			if (n < 1)
				goto usage;
			o.chunk = (size_t)n;
		} else if (strcmp(argv[i], "--map") == 0 && i + 1 < argc) {
			char *eq = strchr(argv[++i], '=');
			if (!eq || eq == argv[i] || !eq[1])
				goto usage;
			*eq = '\0';
			list_add(&map, argv[i]);
			list_add(&map, eq + 1);
		} else if (argv[i][0] != '-' && nd < 2) {
			dsn[nd++] = argv[i];
		} else {
			goto usage;
		}
	}
	if (nd != 2)
		goto usage;
	o.schemas = (const char *const *)schemas.v;
	o.map = (const char *const *)map.v;
	tty = !json && isatty(fileno(stderr));
	o.progress = verify_progress;
	o.ud = &tty;
	struct dbconn *a = open_dsn("verify source", dsn[0]), *b = a ? open_dsn("verify target", dsn[1]) : NULL;
	rc = EXIT_FAILED;
	if (a && b) {
		char *err = NULL;
		json_t *r = dbverify_run(a, b, &o, &err);
		if (tty)
			fputc('\n', stderr);
		if (!r) {
			char *red = secret_redact(err);
			fprintf(stderr, "tejun: verify: %s\n", red);
			free(red);
			free(err);
		} else {
			if (json) {
				print_json(r);
			} else {
				json_t *p;
				size_t i;
				json_array_foreach(json_object_get(r, "problems"), i, p)
					printf("MISMATCH %s\n", json_string_value(p));
				printf("%s: %lld tables, %lld rows checked, %lld mismatches\n",
				       json_is_true(json_object_get(r, "ok")) ? "ok" : "FAILED",
				       (long long)json_integer_value(json_object_get(r, "tables_checked")),
				       (long long)json_integer_value(json_object_get(r, "rows")),
				       (long long)json_integer_value(json_object_get(r, "mismatches")));
			}
			rc = json_is_true(json_object_get(r, "ok")) ? EXIT_DONE : EXIT_FAILED;
			json_decref(r);
		}
	}
	dbconn_close(a);
	dbconn_close(b);
	free(schemas.v);
	free(map.v);
	return rc;
usage:
	free(schemas.v);
	free(map.v);
	return cmd_usage(&cmd_verify_entry);
}

static int cmd_preflight(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return cmd_usage(&cmd_preflight_entry);
	struct dbconn *a = open_dsn("preflight source", argv[1]);
	struct dbconn *b = a && argc == 3 ? open_dsn("preflight target", argv[2]) : NULL;
	if (!a || (argc == 3 && !b)) {
		dbconn_close(a);
		return EXIT_FAILED;
	}
	json_t *r = dbcheck_all(a, b, NULL);
	int rc = EXIT_FAILED;
	if (r) {
		json_t *c;
		size_t i;
		json_array_foreach(json_object_get(r, "checks"), i, c)
			printf("%-4s %-12s %s\n", json_string_value(json_object_get(c, "status")),
			       json_string_value(json_object_get(c, "name")),
			       json_string_value(json_object_get(c, "reason")));
		rc = strcmp(json_string_value(json_object_get(r, "status")), "fail") == 0 ? EXIT_FAILED : EXIT_DONE;
		json_decref(r);
	} else {
		fprintf(stderr, "tejun: preflight: %s\n", a->err);
	}
	dbconn_close(a);
	dbconn_close(b);
	return rc;
}

const struct cmd_entry cmd_sizes_entry = {
	"sizes", "DSN [--schema S]... [--exact] [--analyze] [--json]",
	"schema and table sizes (data, index, rows)", cmd_sizes};
const struct cmd_entry cmd_verify_entry = {
	"verify", "SOURCE_DSN TARGET_DSN [--schema S]... [--map OLD=NEW]... [--chunk N] [--no-data] [--json]",
	"row counts, chunked checksums and schema diff between two servers", cmd_verify};
const struct cmd_entry cmd_preflight_entry = {
	"preflight", "SOURCE_DSN [TARGET_DSN]",
	"safety checks before the window: connections, binlog, version, read_only, tz, charset", cmd_preflight};
