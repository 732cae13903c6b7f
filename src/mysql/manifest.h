/* manifest.json of a dump directory: written last and atomically, so its presence is what
 * makes a dump complete; read back and checked before any restore. */
#ifndef TEJUN_MANIFEST_H
#define TEJUN_MANIFEST_H
#include <jansson.h>
#include <stdbool.h>

struct sbuf;

#define MANIFEST_FORMAT "tejun-dump/1"
#define MANIFEST_NAME "manifest.json"

/* Writes DIR/manifest.json via a temporary file, fsync and rename. -1 and *err. */
int manifest_write(const char *dir, json_t *m, char **err);
/* Loads and checks DIR/manifest.json (format, files list). NULL and *err saying why,
 * e.g. that a directory without a manifest is an incomplete dump. */
json_t *manifest_load(const char *dir, char **err);
/* dir holds a manifest, i.e. a complete dump. */
bool manifest_exists(const char *dir);
/* A random 128-bit id in hex (33 bytes with the NUL) identifying one dump. */
void manifest_new_id(char out[33]);
/* Appends name made safe as a file name: [A-Za-z0-9_-] kept, anything else as %XX. */
void manifest_encode_name(struct sbuf *b, const char *name);
#endif
