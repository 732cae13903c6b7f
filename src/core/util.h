/* Small helpers shared by every module: allocation that aborts cleanly, strings, clocks, hashing. */
#ifndef TEJUN_UTIL_H
#define TEJUN_UTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A stream over real that writes control characters (but newline and tab) as '?';
 * fclose it before real. real itself if one cannot be made. */
FILE *ctl_filter_open(FILE *real);
/* The name in names (NULL-terminated) nearest to k, at most 2 edits away, or NULL; *exact
 * when k is one of them. For "did you mean" in errors. */
const char *closest_name(const char *k, const char *const *names, bool *exact);
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Growable byte buffer, always NUL-terminated. */
struct sbuf {
	char *data;
	size_t len, cap;
};
void sbuf_init(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_steal(struct sbuf *b); /* returns data, leaves b empty */
/* Room for n more bytes: returns where they go; the caller adds what it wrote to len and
 * writes the terminating NUL (for hot loops that write directly). */
char *sbuf_reserve(struct sbuf *b, size_t n);
/* Length of the leading run of s[0..n) holding none of the bytes a, b, c, d (repeat one to
 * look for fewer): 16 bytes a step with SSE2. */
size_t mem_span_not4(const void *s, size_t n, unsigned char a, unsigned char b, unsigned char c,
		     unsigned char d);
void sbuf_free(struct sbuf *b);

double now_wall(void);      /* seconds since epoch */
double now_mono(void);      /* monotonic seconds */
/* ISO-8601 UTC with milliseconds into buf (>= 32 bytes). */
void format_iso_time(double t, char *buf, size_t n);
/* "01:02:03" style duration into buf. */
void format_duration(double secs, char *buf, size_t n);
/* "1.9 GB" style size into buf. */
void format_bytes(double bytes, char *buf, size_t n);

/* Lowercase hex sha256 of a buffer / file; out must hold 65 bytes. File variant returns -1 on error. */
void sha256_hex(const void *data, size_t n, char out[65]);
/* Lowercase hex of a digest of up to 32 bytes; out must hold 65 bytes. */
void hex_digest(const unsigned char *md, unsigned len, char out[65]);
/* Value of one hex digit (either case), -1 if c is not one. */
int hex_value(char c);
int sha256_file_hex(const char *path, char out[65]);

/* mkdir -p: creates dir and missing parents with mode. 0, or -1 with errno set. */
int mkdir_p(const char *dir, unsigned mode);

/* Set by the UI so a fatal allocation failure can restore the terminal before exit. */
extern void (*util_fatal_hook)(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#endif
