/* tejun replay SESSION: the journal fed back into a view through the player. Nothing runs:
 * no engine is created, and views get no controller. */
#include "config.h"
#include "cmd/cmd.h"
#include "core/jindex.h"
#include "core/loop.h"
#include "review/player.h"
#include "core/session.h"
#include "core/util.h"
#include "ui/view.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_replay(int argc, char **argv);
const struct cmd_entry cmd_replay_entry = {"replay", "SESSION [--speed X] [--no-tui] [--log-dir DIR]",
					   "replay a recorded session (runs nothing)", cmd_replay};

struct target {
	const struct view_ops *ops;
	struct view *v;
};

static void t_reset(void *arg)
{
	struct target *t = arg;
	t->ops->reset(t->v);
}

static void t_flush(void *arg)
{
	struct target *t = arg;
	t->ops->flush(t->v);
}

/* Said before anything is shown: a reviewer must know whether to trust what follows. */
static void integrity_line(FILE *f, const char *path, const struct journal_scan *s)
{
	switch (s->problem) {
	case JOURNAL_OK:
		fprintf(f, "journal %s: chain intact (%ld events)\n", path, s->lines);
		break;
	case JOURNAL_TORN:
		fprintf(f, "journal %s: chain intact up to line %ld; %s\n", path, s->lines, s->message);
		break;
	default:
		fprintf(f, "WARNING: journal %s was TAMPERED WITH: %s; replaying only the %ld intact lines before it\n",
			path, s->message, s->lines);
		break;
	}
}

static bool tampered(const struct journal_scan *s)
{
	return s->problem != JOURNAL_OK && s->problem != JOURNAL_TORN;
}

static int replay_lines(struct jindex *ix, const char *path, const struct journal_scan *scan)
{
	integrity_line(stdout, path, scan);
	char *err = NULL;
	struct view_config vc = {.replay = true, .out = stdout};
	struct view *v = line_view_ops.open(&vc, &err);
	if (!v) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	struct target tg = {&line_view_ops, v};
	struct player_target pt = {line_view_ops.sink(v), t_reset, t_flush, &tg};
	struct player *p = player_new(ix, &pt);
	player_seek(p, player_count(p));
	player_free(p);
	line_view_ops.close(v);
	return tampered(scan) ? EXIT_FAILED : EXIT_DONE;
}

/* The hash check runs on a worker while the reviewer already watches; a bad line found
 * then cuts the replay there and says so on screen, in the session log. */
struct verify_job {
	struct jindex *ix;
	struct player *p;
	struct target *tg;
	struct journal_scan scan;
	bool done;
};

static void verify_work(void *arg)
{
	struct verify_job *j = arg;
	jindex_verify(j->ix, &j->scan);
}

static void verify_done(void *arg)
{
	struct verify_job *j = arg;
	j->done = true;
	if (!tampered(&j->scan))
		return;
	player_limit(j->p, (size_t)j->scan.lines);
	char *text = xasprintf("replay: this journal was TAMPERED WITH: %s; only the %ld lines before it are shown",
			       j->scan.message, j->scan.lines);
	struct event ev = {.type = EV_LOG, .seq = j->scan.lines + 1, .ts = 0,
			   .data = json_pack("{s:s,s:s}", "text", text, "level", "error")};
	if (j->scan.lines > 0)
		ev.ts = jindex_ts(j->ix, (size_t)j->scan.lines - 1);
	struct event_sink *sink = j->tg->ops->sink(j->tg->v);
	sink->on_event(sink, &ev);
	json_decref(ev.data);
	free(text);
	j->tg->ops->flush(j->tg->v);
}

/* ---- the player's keys and state, through the view's own interface ---- */

static bool player_view_key(void *ud, int key)
{
	int k = key == VIEW_KEY_LEFT ? PLAYER_KEY_LEFT : key == VIEW_KEY_RIGHT ? PLAYER_KEY_RIGHT : key;
	return player_key(ud, k, now_mono());
}

static void player_view_help(void *ud, void (*fn)(void *arg, const char *keys, const char *doc), void *arg)
{
	(void)ud;
	player_key_help(fn, arg);
}

static void show_status(const struct view_ops *ops, struct view *v, const struct player *p)
{
	char st[128];
	player_status(p, st, sizeof st);
	ops->set_status(v, st);
}

static int replay_tui(struct jindex *ix, const char *path, const struct journal_scan *scan0, double speed)
{
	char *err = NULL;
	const struct view_ops *ops = &tui_view_ops;
	struct loop *loop = loop_new();
	struct view_config vc = {.replay = true, .loop = loop, .out = stdout};
	struct view *v = ops->open(&vc, &err);
	if (!v) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
		loop_free(loop);
		return EXIT_USAGE;
	}
	struct target tg = {ops, v};
	struct player_target pt = {ops->sink(v), t_reset, t_flush, &tg};
	struct player *p = player_new(ix, &pt);
	ops->add_keys(v, &(struct view_keys){player_view_key, player_view_help, p});
	struct verify_job vj = {.ix = ix, .p = p, .tg = &tg, .scan = *scan0};
	loop_submit(loop, verify_work, verify_done, &vj);
	player_seek(p, 1);
	player_set_speed(p, speed, now_mono());
	player_play(p, now_mono());
	while (!ops->quit_requested(v)) {
		double due = player_tick(p, now_mono());
		show_status(ops, v, p);
		loop_once(loop, due < 0 || due > 0.25 ? 0.25 : due);
		ops->flush(v);
	}
	while (!vj.done) /* the worker reads ix: it must finish before ix goes */
		loop_once(loop, 0.25);
	ops->close(v);
	player_free(p);
	loop_free(loop);
	integrity_line(stderr, path, &vj.scan);
	return tampered(&vj.scan) ? EXIT_FAILED : EXIT_DONE;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {{"speed", required_argument, NULL, 's'},
					     {"no-tui", no_argument, NULL, 'n'},
					     {"log-dir", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	const char *log_dir = NULL;
	double speed = 1.0;
	bool no_tui = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 's':
			speed = strtod(optarg, &end);
			if (end == optarg || *end || speed < PLAYER_SPEED_MIN || speed > PLAYER_SPEED_MAX) {
				fprintf(stderr, "tejun replay: --speed takes %g to %g\n", PLAYER_SPEED_MIN, PLAYER_SPEED_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'n': no_tui = true; break;
		case 'l': log_dir = optarg; break;
		default: return cmd_usage(&cmd_replay_entry);
		}
	}
	if (optind != argc - 1)
		return cmd_usage(&cmd_replay_entry);
	char *dir = session_log_dir(log_dir), *err = NULL;
	char *path = session_resolve(dir, argv[optind], &err);
	free(dir);
	if (!path) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	struct journal_scan scan;
	struct jindex *ix = jindex_open(path, no_tui ? 0 : JINDEX_VERIFY_LATER, &scan, &err);
	int rc = EXIT_USAGE;
	if (!ix) {
		fprintf(stderr, "tejun replay: %s\n", err);
		free(err);
	} else if (scan.problem == JOURNAL_IOERR) {
		fprintf(stderr, "tejun replay: %s\n", scan.message);
	} else {
		bool tty = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
		if (no_tui || !tty)
			rc = replay_lines(ix, path, &scan);
		else
			rc = replay_tui(ix, path, &scan, speed);
	}
	jindex_free(ix);
	free(path);
	return rc;
}
