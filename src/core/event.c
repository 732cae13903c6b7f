/* Event types and the bus that fans one stream out to every sink. */
#include "config.h"
#include "core/event.h"
#include "core/secret.h"
#include "core/util.h"
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int sync;
} types[] = {
#define X(name, wire, sync) {wire, sync},
	EVENT_TYPES(X)
#undef X
};

const char *event_type_name(enum event_type t)
{
	return (unsigned)t < EV__COUNT ? types[t].name : "?";
}

int event_type_from_name(const char *name)
{
	for (int i = 0; i < EV__COUNT; i++)
		if (strcmp(types[i].name, name) == 0)
			return i;
	return -1;
}

int event_type_is_sync(enum event_type t)
{
	return (unsigned)t < EV__COUNT && types[t].sync;
}

void bus_init(struct bus *b)
{
	b->seq = 0;
	b->sinks = NULL;
}

void bus_add(struct bus *b, struct event_sink *sink)
{
	struct event_sink **p = &b->sinks;
	while (*p)
		p = &(*p)->next;
	sink->next = NULL;
	*p = sink;
}

void json_redact(json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (secret_present(s)) {
			char *r = secret_redact(s);
			json_string_set(v, r);
			free(r);
		}
	} else if (json_is_object(v)) {
		const char *k;
		json_t *item;
		json_object_foreach(v, k, item)
			json_redact(item);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item)
			json_redact(item);
	}
}

void bus_deliver(struct bus *b, const struct event *ev)
{
	for (struct event_sink *s = b->sinks; s; s = s->next)
		s->on_event(s, ev);
}

void bus_emit(struct bus *b, enum event_type type, const char *step, json_t *data)
{
	if (!data)
		data = json_object();
	json_redact(data);
	struct event ev = {.type = type, .seq = ++b->seq, .ts = now_wall(), .step = step, .data = data};
	bus_deliver(b, &ev);
	json_decref(data);
}
