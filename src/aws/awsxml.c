/* XML answers to JSON (expat), and JSON to request XML for Route53 and S3. */
#include "config.h"
#include "aws/awsxml.h"
#include <expat.h>
#include <stdlib.h>
#include <string.h>

/* Containers whose children are always a list, even when there is only one. */
static const char *const list_names[] = {
	"ResourceRecordSets", "ResourceRecords", "HostedZones", "RoutingRules", NULL,
};

struct frame {
	char *name;
	json_t *obj; /* children seen so far, or NULL */
	struct sbuf text;
};

struct parser {
	struct frame *st;
	size_t depth, cap;
	json_t *root;
};

static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static bool is_list(const char *name)
{
	for (const char *const *p = list_names; *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

static void on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct parser *p = arg;
	if (p->depth == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->st = xrealloc(p->st, p->cap * sizeof *p->st);
	}
	struct frame *f = &p->st[p->depth++];
	f->name = xstrdup(local(name));
	f->obj = NULL;
	sbuf_init(&f->text);
}

static void on_text(void *arg, const XML_Char *s, int len)
{
	struct parser *p = arg;
	if (p->depth)
		sbuf_add(&p->st[p->depth - 1].text, s, (size_t)len);
}

/* Is child an item of a list named parent? <member>/<item>, or the singular of the
 * container's name (DBInstances/DBInstance, ResourceRecordSets/ResourceRecordSet). */
static bool is_item(const char *parent, const char *child)
{
	size_t pl = strlen(parent), cl = strlen(child);
	if (strcmp(child, "member") == 0 || strcmp(child, "item") == 0)
		return true;
	return strncmp(parent, child, cl) == 0 &&
	       (strcmp(parent + cl, "s") == 0 || strcmp(parent + cl, "es") == 0) && pl > cl;
}

static void add_child(struct frame *parent, const char *name, json_t *v)
{
	if (!parent->obj)
		parent->obj = is_list(parent->name) || is_item(parent->name, name) ? json_array() : json_object();
	if (json_is_array(parent->obj)) {
		json_array_append_new(parent->obj, v);
		return;
	}
	json_t *old = json_object_get(parent->obj, name);
	if (!old) {
		json_object_set_new(parent->obj, name, v);
	} else if (json_is_array(old) && json_object_get(parent->obj, "\x01multi")) {
		json_array_append_new(old, v);
	} else {
		json_t *arr = json_array();
		json_array_append(arr, old);
		json_array_append_new(arr, v);
		json_object_set_new(parent->obj, name, arr);
		json_object_set_new(parent->obj, "\x01multi", json_true());
	}
}

static void strip_marks(json_t *v)
{
	if (json_is_object(v)) {
		json_object_del(v, "\x01multi");
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c)
			strip_marks(c);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
			strip_marks(c);
	}
}

static void on_end(void *arg, const XML_Char *name)
{
	struct parser *p = arg;
	struct frame *f = &p->st[--p->depth];
	json_t *v;
	if (f->obj)
		v = f->obj;
	else if (is_list(f->name))
		v = json_array();
	else
		v = json_string(f->text.data ? f->text.data : "");
	if (p->depth)
		add_child(&p->st[p->depth - 1], f->name, v);
	else
		p->root = json_is_string(v) ? (json_decref(v), json_object()) : v;
	free(f->name);
	sbuf_free(&f->text);
}

json_t *awsxml_parse(const char *xml, size_t n, char **err)
{
	struct parser p = {0};
	XML_Parser x = XML_ParserCreate("UTF-8");
	XML_SetUserData(x, &p);
	XML_SetElementHandler(x, on_start, on_end);
	XML_SetCharacterDataHandler(x, on_text);
	if (XML_Parse(x, xml, (int)n, 1) == XML_STATUS_ERROR || !p.root) {
		*err = xasprintf("malformed XML answer: %s at line %lu", XML_ErrorString(XML_GetErrorCode(x)),
				 (unsigned long)XML_GetCurrentLineNumber(x));
		while (p.depth) {
			struct frame *f = &p.st[--p.depth];
			free(f->name);
			json_decref(f->obj);
			sbuf_free(&f->text);
		}
		json_decref(p.root);
		p.root = NULL;
	}
	free(p.st);
	XML_ParserFree(x);
	strip_marks(p.root);
	return p.root;
}

static void escape(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': sbuf_adds(b, "&lt;"); break;
		case '>': sbuf_adds(b, "&gt;"); break;
		case '&': sbuf_adds(b, "&amp;"); break;
		case '"': sbuf_adds(b, "&quot;"); break;
		default: sbuf_add(b, s, 1);
		}
	}
}

/* Route53 validates element order against its schema; Lua tables have none, so known
 * members go out in schema order and the rest alphabetically after them. */
static const char *const order[] = {
	"Action", "ResourceRecordSet", "Comment", "Changes", "Name", "Type", "SetIdentifier", "Weight",
	"Region", "TTL", "ResourceRecords", "Value", "AliasTarget", "HealthCheckId",
	"ErrorDocument", "IndexDocument", "RedirectAllRequestsTo", "RoutingRules", NULL,
};

static int rank(const char *k)
{
	for (int i = 0; order[i]; i++)
		if (strcmp(order[i], k) == 0)
			return i;
	return 1000;
}

static int key_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int d = rank(x) - rank(y);
	return d ? d : strcmp(x, y);
}

static void write_value(struct sbuf *b, const char *name, json_t *v, const struct awsops_op *op);

static void write_children(struct sbuf *b, json_t *obj, const struct awsops_op *op)
{
	size_t n = json_object_size(obj), i = 0;
	const char **keys = xcalloc(n + 1, sizeof *keys);
	const char *k;
	json_t *c;
	json_object_foreach(obj, k, c)
		keys[i++] = k;
	qsort(keys, n, sizeof *keys, key_cmp);
	for (i = 0; i < n; i++)
		write_value(b, keys[i], json_object_get(obj, keys[i]), op);
	free(keys);
}

static void write_value(struct sbuf *b, const char *name, json_t *v, const struct awsops_op *op)
{
	if (json_is_array(v)) {
		bool flat;
		const char *item = xstrdup(awsops_list_item(op, name, &flat));
		if (!flat)
			sbuf_addf(b, "<%s>", name);
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
			write_value(b, item, c, op);
		if (!flat)
			sbuf_addf(b, "</%s>", name);
		free((char *)item);
		return;
	}
	sbuf_addf(b, "<%s>", name);
	if (json_is_object(v)) {
		write_children(b, v, op);
	} else if (json_is_string(v)) {
		escape(b, json_string_value(v));
	} else if (json_is_boolean(v)) {
		sbuf_adds(b, json_is_true(v) ? "true" : "false");
	} else if (json_is_integer(v)) {
		sbuf_addf(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		sbuf_addf(b, "%.17g", json_real_value(v));
	}
	const char *sp = strchr(name, ' ');
	sbuf_addf(b, "</%.*s>", (int)(sp ? (size_t)(sp - name) : strlen(name)), name);
}

void awsxml_write(struct sbuf *b, const char *root, json_t *value, const struct awsops_op *op)
{
	sbuf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	write_value(b, root, value, op);
}
