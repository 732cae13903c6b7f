/* A MySQL/MariaDB/Aurora connection: DSN and options, connect, flavour, queries, results.
 * Knows nothing of Lua. One connection is used by one thread at a time. */
#ifndef TEJUN_DBCONN_H
#define TEJUN_DBCONN_H
#include <stdbool.h>
#include <stddef.h>

struct sbuf;

/* How to reach a server. Strings are owned (malloc'd) by the struct. */
struct dbopts {
	char *host, *user, *password, *database, *socket;
	unsigned port;
	char *ssl_mode;                 /* DISABLED PREFERRED REQUIRED VERIFY_CA VERIFY_IDENTITY */
	char *ssl_ca, *ssl_cert, *ssl_key;
	unsigned connect_timeout, read_timeout, write_timeout; /* seconds, 0 = library default */
	char *defaults_file, *group;    /* option files read like the mysql client; group default "client" */
	bool no_defaults;               /* do not read ~/.my.cnf and friends */
	bool local_infile;              /* internal (restore): LOAD DATA LOCAL, served only
					   by handlers the caller installs; never from a DSN */
};

/* Parses mysql://user:pass@host:port/db?ssl-mode=..&connect-timeout=..&read-timeout=..
 * &ssl-ca=..&defaults-file=..&group=..&socket=..  into o (zeroed first; free with
 * dbopts_free). The password is registered as a secret at once. -1 and *err (malloc'd,
 * never containing the password) on error. */
int dbopts_parse_dsn(const char *dsn, struct dbopts *o, char **err);
/* Checks a filled struct (ssl_mode known, port range); -1 and *err naming the field. */
int dbopts_validate(const struct dbopts *o, char **err);
void dbopts_copy(struct dbopts *dst, const struct dbopts *src);
void dbopts_free(struct dbopts *o);

enum dbflavour { DB_MYSQL, DB_MARIADB, DB_AURORA };
const char *dbflavour_name(enum dbflavour f);

struct dbconn {
	void *mysql;             /* MYSQL * */
	struct dbopts opts;
	char *target;            /* "host:port/db" for journals and messages */
	enum dbflavour flavour;
	char *version;           /* @@version */
	unsigned long vnum;      /* 80036, 100611, ... */
	char *aurora_version;    /* NULL unless Aurora */
	unsigned long server_id;
	char err[512];           /* last error, secrets scrubbed */
	unsigned errnum;
};

/* Connects; on failure returns NULL with *err (malloc'd, scrubbed, names the target) and
 * *errnum (server or client error number, 0 for bad options). */
struct dbconn *dbconn_open(const struct dbopts *o, char **err, unsigned *errnum);
void dbconn_close(struct dbconn *c);
/* Puts back the handler that refuses every LOCAL INFILE request (opts.local_infile). */
void dbconn_refuse_local_infile(struct dbconn *c);
/* Call at the start of any worker thread function that uses a connection. */
void dbconn_thread_init(void);

/* Result of a query, fully fetched. Cells are NUL-terminated but may contain NULs. */
enum dbtype { DBT_INT, DBT_UINT, DBT_FLOAT, DBT_DECIMAL, DBT_STRING, DBT_BINARY };
struct dbres {
	unsigned ncols;
	size_t nrows;
	char **names;
	enum dbtype *types;
	char **cells;            /* nrows*ncols, NULL for SQL NULL */
	size_t *lens;
	void *res;               /* MYSQL_RES *, owns the cell memory */
};
const char *dbres_get(const struct dbres *r, size_t row, unsigned col);
size_t dbres_len(const struct dbres *r, size_t row, unsigned col);
/* Column index by (case-insensitive) name, -1 if absent. */
int dbres_col(const struct dbres *r, const char *name);
void dbres_free(struct dbres *r);

/* Runs one statement. res gets the rows (NULL for statements without a result set).
 * -1 on error: c->err / c->errnum hold the server's message. */
int dbconn_query(struct dbconn *c, const char *sql, struct dbres **res);
/* Runs one statement without rows; affected / insert_id may be NULL. */
int dbconn_exec(struct dbconn *c, const char *sql, unsigned long long *affected,
		unsigned long long *insert_id);
/* First column of the first row as a malloc'd string (*out NULL for no row or NULL). */
int dbconn_scalar(struct dbconn *c, const char *sql, char **out);
/* Formatted statement (c->err on formatting too). */
int dbconn_execf(struct dbconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dbconn_queryf(struct dbconn *c, struct dbres **res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Placeholder values for dbconn_format. */
enum dbval_kind { DBV_NULL, DBV_INT, DBV_FLOAT, DBV_STRING, DBV_BOOL };
struct dbval {
	enum dbval_kind kind;
	long long i;
	double d;
	const char *s;
	size_t len;
};
/* Replaces each ? outside quotes, backticks and comments by a value escaped by the client
 * library. Returns a malloc'd statement, or NULL with c->err set (count mismatch). */
char *dbconn_format(struct dbconn *c, const char *sql, const struct dbval *vals, int nvals);
/* Appends 'escaped' (binary-safe) / `identifier` to b. */
void dbconn_quote(struct dbconn *c, struct sbuf *b, const char *s, size_t len);
void dbconn_quote_ident(struct sbuf *b, const char *name);
/* Where o connects, for logs: SOCKET/DB or HOST:PORT/DB (no credentials), malloc'd. */
char *dbopts_label(const struct dbopts *o);
/* `schema`.`name` (or just `schema` when name is NULL), malloc'd. */
char *dbconn_qualified(const char *schema, const char *name);
/* Template with each %s replaced in order by args[i] (no printf: templates live in tables). */
char *dbconn_fill(const char *tpl, const char *const *args, int n);
/* SQL text shortened and scrubbed of secrets for the journal; caller frees. */
char *dbconn_redact_sql(const char *sql);
/* Is the server at least this version (e.g. 80000)? Flavour-blind: callers check flavour. */
bool dbconn_is_mysql8(const struct dbconn *c);
#endif
