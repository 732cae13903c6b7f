/* Process-wide registry of secret values; every event and message is scrubbed of them. */
#ifndef TEJUN_SECRET_H
#define TEJUN_SECRET_H
#include <stddef.h>

#define SECRET_MASK "***"
/* Remember a secret value (copied). Values shorter than 3 bytes are remembered but
 * only masked when they make up a whole string, so "a" does not blank every word. */
void secret_add(const char *value);
/* Returns a malloc'd copy of text with every known secret replaced by SECRET_MASK. */
char *secret_redact(const char *text);
/* Does text contain any known secret? */
int secret_present(const char *text);
void secret_clear(void);
#endif
