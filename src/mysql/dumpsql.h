/* The SQL text of a tejun dump: value literals (hex for binary, escaped utf8mb4 for text),
 * file headers, and the DDL rewrites (secondary indexes split out for a deferred build,
 * DEFINER clauses dropped, a view's own schema name removed so it restores under map). */
#ifndef TEJUN_DUMPSQL_H
#define TEJUN_DUMPSQL_H
#include <stdbool.h>
#include <stddef.h>

struct sbuf;

enum dumpsql_kind { DUMPSQL_NUM, DUMPSQL_QUOTE, DUMPSQL_HEX };

/* How to write values of a result column (MYSQL_FIELD type, charsetnr and flags). */
enum dumpsql_kind dumpsql_kind_of(int type, unsigned charsetnr, unsigned flags);
/* Appends one value literal; v NULL is SQL NULL. */
void dumpsql_value(struct sbuf *b, const char *v, size_t len, enum dumpsql_kind k);
/* One row as "(v1,v2,...)", written with a single reservation (the dump's inner loop). */
void dumpsql_row(struct sbuf *b, const char *const *row, const unsigned long *lens,
		 const enum dumpsql_kind *kinds, unsigned nf);

/* Session settings every file starts with, so each file loads on its own in any order
 * and the stock client gets the same session as tejun. what: a one-line comment. */
void dumpsql_header(struct sbuf *b, const char *what);

/* Splits SHOW CREATE TABLE text: *table gets it without plain secondary KEYs, *alter gets
 * "ALTER TABLE `name` ADD KEY ..., ADD KEY ...;" (NULL when nothing was split out). */
void dumpsql_split_indexes(const char *create, const char *name, char **table, char **alter);
/* Removes a DEFINER=user@host clause in place (objects then belong to the loading user). */
void dumpsql_strip_definer(char *sql);
/* Returns a copy of sql with every "`schema`." removed (the view's own schema). */
char *dumpsql_unqualify(const char *sql, const char *schema);
#endif
