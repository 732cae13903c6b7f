/* tejun check RUNBOOK and tejun plan RUNBOOK: validate and show, never run a step. */
#include "config.h"
#include "cmd/cmd.h"
#include "lua/lmodules.h"
#include "core/runbook.h"
#include "core/secret.h"
#include "core/util.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_check(int argc, char **argv);
static int cmd_plan(int argc, char **argv);
const struct cmd_entry cmd_check_entry = {"check", "RUNBOOK", "validate a runbook; errors as FILE:LINE: message",
					  cmd_check};
const struct cmd_entry cmd_plan_entry = {"plan", "RUNBOOK [--param K=V]... [--rehearsal SESSION [--json] [--analyze] "
					 "[--log-dir DIR]]",
					 "show phases, steps, confirmations; with --rehearsal, forecast each step and the "
					 "window; runs nothing", cmd_plan};

static int print_errors(struct runbook *rb)
{
	for (size_t i = 0; i < rb->nerrors; i++)
		fprintf(stderr, "%s\n", rb->errors[i]);
	return rb->nerrors ? EXIT_USAGE : EXIT_DONE;
}

static int cmd_check(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage(&cmd_check_entry);
	struct runbook *rb = runbook_load(argv[1], lmodules_all);
	int rc = print_errors(rb);
	if (rc == EXIT_DONE)
		printf("%s: ok (%zu steps in %zu phases, %zu params)\n", argv[1], rb->nsteps, rb->nphases, rb->nparams);
	runbook_free(rb);
	return rc;
}

static void plan_params(struct runbook *rb, bool resolved)
{
	if (!rb->nparams)
		return;
	printf("params:\n");
	for (size_t i = 0; i < rb->nparams; i++) {
		struct param_def *p = &rb->params[i];
		printf("  %-16s", p->name);
		if (resolved && p->value)
			printf(" = %s", p->secret ? SECRET_MASK : p->value);
		else if (p->has_default)
			printf(" (default %s)", p->def);
		else if (p->optional)
			printf(" (optional)");
		else if (!p->env)
			printf(" (required)");
		if (p->secret)
			printf(" secret");
		if (p->env)
			printf(" env %s", p->env);
		if (p->nchoices) {
			printf(" choices:");
			for (size_t c = 0; c < p->nchoices; c++)
				printf("%s%s", c ? "|" : " ", p->choices[c]);
		}
		if (p->doc)
			printf("  -- %s", p->doc);
		printf("\n");
	}
}

static int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {{"param", required_argument, NULL, 'p'},
					     {"rehearsal", required_argument, NULL, 'r'},
					     {"json", no_argument, NULL, 'j'},
					     {"analyze", no_argument, NULL, 'a'},
					     {"log-dir", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	char **params = NULL;
	size_t nparams = 0;
	struct forecast_opts fo = {0};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			params = xrealloc(params, (nparams + 1) * sizeof *params);
			params[nparams++] = optarg;
			break;
		case 'r': fo.rehearsal = optarg; break;
		case 'j': fo.json = true; break;
		case 'a': fo.analyze = true; break;
		case 'l': fo.log_dir = optarg; break;
		default:
			free(params);
			return cmd_usage(&cmd_plan_entry);
		}
	}
	if ((fo.json || fo.analyze) && !fo.rehearsal) {
		free(params);
		fprintf(stderr, "tejun plan: --json and --analyze go with --rehearsal SESSION\n");
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		free(params);
		return cmd_usage(&cmd_plan_entry);
	}
	struct runbook *rb = runbook_load(argv[optind], lmodules_all);
	int rc = print_errors(rb);
	if (rc == EXIT_DONE && (nparams || fo.rehearsal) && runbook_resolve_params(rb, params, nparams) != 0)
		rc = print_errors(rb);
	free(params);
	if (rc != EXIT_DONE) {
		runbook_free(rb);
		return rc;
	}
	if (fo.rehearsal) {
		rc = cmd_forecast(rb, &fo);
		runbook_free(rb);
		return rc;
	}
	/* titles, confirm texts and docs are the runbook's: no escape sequences reach the terminal */
	FILE *real_stdout = stdout;
	stdout = ctl_filter_open(real_stdout);
	printf("%s — %s\nrunbook %s (sha256 %.12s…)\n", rb->id, rb->title, rb->path, rb->sha256);
	plan_params(rb, nparams > 0);
	const char *phase = NULL;
	for (size_t i = 0; i < rb->nsteps; i++) {
		struct step_def *s = &rb->steps[i];
		if (s->phase && (!phase || strcmp(phase, s->phase) != 0)) {
			phase = s->phase;
			printf("== %s ==\n", phase);
		}
		printf("%3zu. %-20s %s\n", i + 1, s->id, s->title);
		if (s->confirm_text && s->challenge)
			printf("       confirm: %s (type '%s')\n", s->confirm_text, s->challenge);
		else if (s->confirm_text)
			printf("       confirm: %s\n", s->confirm_text);
		if (s->critical)
			printf("       ⚠ CRITICAL: point of no return\n");
		struct sbuf extra;
		sbuf_init(&extra);
		if (runbook_has_fn(s->check_ref))
			sbuf_adds(&extra, " check");
		if (runbook_has_fn(s->verify_ref))
			sbuf_adds(&extra, " verify");
		if (runbook_has_fn(s->undo_ref))
			sbuf_adds(&extra, " undo");
		if (s->timeout >= 3600)
			sbuf_addf(&extra, " timeout %gh", s->timeout / 3600);
		else if (s->timeout >= 60)
			sbuf_addf(&extra, " timeout %gmin", s->timeout / 60);
		else if (s->timeout > 0)
			sbuf_addf(&extra, " timeout %gs", s->timeout);
		if (s->retries)
			sbuf_addf(&extra, " retries %d", s->retries);
		if (extra.len)
			printf("      %s\n", extra.data);
		sbuf_free(&extra);
	}
	if (stdout != real_stdout)
		fclose(stdout);
	stdout = real_stdout;
	runbook_free(rb);
	return EXIT_DONE;
}
