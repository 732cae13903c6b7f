/* A SELECT's rows streamed one at a time, for the dump's hot path.
 *
 * On a plain (no TLS, no compression) connection of MariaDB Connector/C the result set is
 * read straight from the socket in large reads and parsed here: the library reads 16 KB at
 * a time through its own cache and copies every row, which on a 2-core host cost about a
 * fifth of the dump's client CPU (1.15 -> 0.93 CPU-s for 574 MB). Anything else goes through mysql_use_result. Both give
 * the same rows: NUL-terminated cells (which may contain NULs), NULL as a null pointer. */
#ifndef TEJUN_MYSQL_ROWSTREAM_H
#define TEJUN_MYSQL_ROWSTREAM_H
#include <stdbool.h>

struct rowstream_field {
	char *name;
	int type;           /* enum enum_field_types */
	unsigned charsetnr; /* 63 = binary */
	unsigned flags;
};

enum rowstream_via { ROWSTREAM_ANY, ROWSTREAM_LIBRARY };

struct rowstream;

/* Sends sql on m (a MYSQL *) and reads the result's column list. read_timeout is in
 * seconds, 0 waits for ever. NULL with *err (malloc'd) when the query fails. */
struct rowstream *rowstream_query(void *m, const char *sql, unsigned read_timeout,
				  enum rowstream_via via, char **err);
unsigned rowstream_nfields(const struct rowstream *s);
const struct rowstream_field *rowstream_fields(const struct rowstream *s);
/* True when the rows come straight off the socket. */
bool rowstream_is_wire(const struct rowstream *s);
/* The next row: 1 with *row and *lens valid until the next call, 0 after the last row,
 * -1 with *err (malloc'd) when the server or the connection failed part way. */
int rowstream_next(struct rowstream *s, char ***row, unsigned long **lens, char **err);
/* Frees the stream. Rows not yet read are read and dropped so the connection stays in
 * step; after a connection or protocol failure the socket is shut down instead, so the
 * next use of the connection fails cleanly rather than reading a stray row. */
void rowstream_close(struct rowstream *s);

#endif
