/* AWS XML documents to and from JSON values (expat): answers become Lua-friendly tables. */
#ifndef TEJUN_AWSXML_H
#define TEJUN_AWSXML_H
#include "aws/awsops.h"
#include "core/util.h"
#include <jansson.h>

/* Parses an AWS XML answer into an object keyed by element names: <member>/<item> children
 * and repeated names become arrays, known list containers always do, text becomes strings.
 * The root element is dropped. Returns NULL and sets *err (malloc'd) on malformed XML. */
json_t *awsxml_parse(const char *xml, size_t n, char **err);
/* Writes value as children of <root attrs>; list items named as op->lists says. */
void awsxml_write(struct sbuf *b, const char *root, json_t *value, const struct awsops_op *op);
#endif
