/* Small helpers shared by every module. */
#include "config.h"
#include "core/util.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

void (*util_fatal_hook)(void);

void die(const char *fmt, ...)
{
	va_list ap;
	if (util_fatal_hook)
		util_fatal_hook();
	fputs("tejun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		die("bad format string");
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void sbuf_init(struct sbuf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

static void sbuf_grow(struct sbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

char *sbuf_reserve(struct sbuf *b, size_t n)
{
	sbuf_grow(b, n);
	return b->data + b->len;
}

size_t mem_span_not4(const void *sv, size_t n, unsigned char a, unsigned char b, unsigned char c,
		     unsigned char d)
{
	const unsigned char *s = sv;
	size_t i = 0;
#ifdef __SSE2__
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b),
		      vc = _mm_set1_epi8((char)c), vd = _mm_set1_epi8((char)d);
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
					 _mm_or_si128(_mm_cmpeq_epi8(v, vc), _mm_cmpeq_epi8(v, vd)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	while (i < n && s[i] != a && s[i] != b && s[i] != c && s[i] != d)
		i++;
	return i;
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	sbuf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	sbuf_adds(b, p);
	free(p);
}

char *sbuf_steal(struct sbuf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	sbuf_init(b);
	return p;
}

void sbuf_free(struct sbuf *b)
{
	free(b->data);
	sbuf_init(b);
}

double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void format_iso_time(double t, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	int ms = (int)((t - (double)s) * 1000.0);
	if (ms < 0)
		ms = 0;
	if (ms > 999)
		ms = 999;
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

void format_duration(double secs, char *buf, size_t n)
{
	if (secs < 0)
		secs = 0;
	long s = (long)(secs + 0.5);
	snprintf(buf, n, "%02ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
}

void format_bytes(double bytes, char *buf, size_t n)
{
	static const char *units[] = {"B", "KB", "MB", "GB", "TB"};
	int u = 0;
	while (bytes >= 1000.0 && u < 4) {
		bytes /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%.0f %s", bytes, units[u]);
	else
		snprintf(buf, n, "%.1f %s", bytes, units[u]);
}

void hex_digest(const unsigned char *md, unsigned len, char out[65])
{
	static const char hx[] = "0123456789abcdef";
	for (unsigned i = 0; i < len && i < 32; i++) {
		out[2 * i] = hx[md[i] >> 4];
		out[2 * i + 1] = hx[md[i] & 15];
	}
	out[64] = '\0';
}

void sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	hex_digest(md, len, out);
}

int sha256_file_hex(const char *path, char out[65])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	char buf[65536];
	size_t r;
	while ((r = fread(buf, 1, sizeof buf, f)) > 0)
		EVP_DigestUpdate(ctx, buf, r);
	int err = ferror(f);
	fclose(f);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (err)
		return -1;
	hex_digest(md, len, out);
	return 0;
}

int mkdir_p(const char *dir, unsigned mode)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
		rc = -1;
	int saved = errno;
	free(p);
	errno = saved;
	return rc;
}

/* Text for a terminal or a log file: a title or a log line from a runbook must not carry
 * escape sequences (clear the screen, retitle the window, hide what follows). */
static ssize_t ctl_filter_write(void *cookie, const char *buf, size_t n)
{
	FILE *real = cookie;
	char tmp[4096];
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < sizeof tmp ? n - done : sizeof tmp;
		for (size_t i = 0; i < k; i++) {
			unsigned char c = (unsigned char)buf[done + i];
			tmp[i] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
		}
		if (fwrite(tmp, 1, k, real) != k)
			return done ? (ssize_t)done : -1;
		done += k;
	}
	fflush(real); /* a prompt without a newline shows when the caller flushes */
	return (ssize_t)n;
}

static int ctl_filter_close(void *cookie)
{
	return fflush(cookie);
}

FILE *ctl_filter_open(FILE *real)
{
	cookie_io_functions_t io = {.write = ctl_filter_write, .close = ctl_filter_close};
	FILE *f = fopencookie(real, "w", io);
	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return f ? f : real;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 30 || lb > 30)
		return 99;
	size_t d[31][31];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

/* The name in names nearest to k (at most 2 edits away), or NULL; *exact when k is one. */
const char *closest_name(const char *k, const char *const *names, bool *exact)
{
	const char *best = NULL;
	size_t bestd = 3;
	*exact = false;
	for (const char *const *a = names; *a; a++) {
		if (strcmp(*a, k) == 0)
			*exact = true;
		size_t dd = edit_distance(*a, k);
		if (dd < bestd) {
			bestd = dd;
			best = *a;
		}
	}
	return best;
}
