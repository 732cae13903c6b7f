/* Resume: the last state of every step, the set/get values and the prompt counter. */
#include "config.h"
#include "core/resume.h"
#include "core/util.h"
#include <stdlib.h>
#include <string.h>

static size_t slot(struct resume_info *ri, const char *step)
{
	struct resume_state *st = &ri->st;
	for (size_t i = 0; i < st->nsteps; i++)
		if (strcmp(st->step_ids[i], step) == 0)
			return i;
	st->step_ids = xrealloc(st->step_ids, (st->nsteps + 1) * sizeof *st->step_ids);
	st->states = xrealloc(st->states, (st->nsteps + 1) * sizeof *st->states);
	st->secs = xrealloc(st->secs, (st->nsteps + 1) * sizeof *st->secs);
	st->step_ids[st->nsteps] = xstrdup(step);
	st->states[st->nsteps] = STEP_PENDING;
	st->secs[st->nsteps] = 0;
	return st->nsteps++;
}

static int collect(void *arg, const struct journal_event *je)
{
	struct resume_info *ri = arg;
	const struct event *ev = &je->ev;
	json_t *d = ev->data;
	switch (ev->type) {
	case EV_SESSION:
		ri->header = json_deep_copy(d);
		break;
	case EV_RESUME:
		ri->end_status = NULL;
		break;
	case EV_STEP_STATE:
	case EV_STEP_END:
		if (ev->step) {
			int s = step_state_from_name(json_string_value(json_object_get(d, "state")));
			size_t i = slot(ri, ev->step);
			if (s >= 0)
				ri->st.states[i] = (enum step_state)s;
			if (ev->type == EV_STEP_END)
				ri->st.secs[i] = json_number_value(json_object_get(d, "secs"));
		}
		break;
	case EV_SET:
		json_object_set(ri->st.kv, json_string_value(json_object_get(d, "key")), json_object_get(d, "value"));
		break;
	case EV_PROMPT: {
		long id = (long)json_integer_value(json_object_get(d, "id"));
		if (id > ri->st.last_prompt_id)
			ri->st.last_prompt_id = id;
		break;
	}
	case EV_END:
		snprintf(ri->end_buf, sizeof ri->end_buf, "%s", json_string_value(json_object_get(d, "status")));
		ri->end_status = ri->end_buf;
		break;
	default:
		break;
	}
	return 0;
}

int resume_load(const char *path, struct resume_info *ri, char **err)
{
	memset(ri, 0, sizeof *ri);
	ri->st.kv = json_object();
	journal_scan(path, collect, ri, &ri->scan);
	if (ri->scan.problem != JOURNAL_OK && ri->scan.problem != JOURNAL_TORN) {
		*err = xasprintf("%s is damaged, refusing to resume: %s (check it with tejun verify-log)", path,
				 ri->scan.message);
		return -1;
	}
	if (!ri->header) {
		*err = xasprintf("%s has no session header: not a tejun journal", path);
		return -1;
	}
	ri->st.torn_line_dropped = ri->scan.problem == JOURNAL_TORN;
	return 0;
}

void resume_free(struct resume_info *ri)
{
	for (size_t i = 0; i < ri->st.nsteps; i++)
		free(ri->st.step_ids[i]);
	free(ri->st.step_ids);
	free(ri->st.states);
	free(ri->st.secs);
	json_decref(ri->st.kv);
	json_decref(ri->header);
}
