/* Journal index for replay: one pass over a mapped journal that checks the hash chain and
 * records each line's offset, time, type and step in flat arrays. */
#include "config.h"
#include "core/jindex.h"
#include "core/util.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Tails a seek feeds per series: the TUI keeps 20000 log lines per step (TUI_LOG_MAX) and
 * 64 samples per progress bar and gauge; anything older is not on any screen. Steps other
 * than the one at the seek point keep a shorter tail, so a jump costs one step's log, not
 * every step's; jumping to an earlier step brings its full tail back. */
#define KEEP_LOG 20000
#define KEEP_LOG_OTHER 1000
#define KEEP_SAMPLES 64

static const char HASH_KEY[] = ",\"hash\":\"";
#define HASH_TAIL (sizeof HASH_KEY - 1 + 64 + 2) /* ,"hash":"<64 hex>"} */

struct series {
	enum event_type type;
	int step;
	char *key;
	size_t keep;
	uint32_t *idx;
	size_t n, cap;
};

struct jindex {
	char *map;
	size_t size;
	size_t n, cap;
	uint64_t *off;
	uint32_t *len;
	double *ts;
	uint8_t *type, *flags;
	int32_t *step;
	char **steps;
	size_t nsteps;
	bool *critical; /* per step */
	json_t *header;
	uint32_t *state; /* indices of state events */
	size_t nstate, capstate;
	struct series *series;
	size_t nseries;
	size_t *slots; /* open addressing: series index + 1, 0 empty */
	size_t nslots;
	char *path;
	struct journal_scan scan; /* as of the open */
	bool verified;            /* false: hashes are left to jindex_verify */
	/* ts parse cache: the date part rarely changes */
	char date[10];
	double day0;
};

static void push_u32(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*a = xrealloc(*a, *cap * sizeof **a);
	}
	(*a)[(*n)++] = v;
}

static int intern_step(struct jindex *ix, const char *id, size_t n)
{
	/* runbooks have tens of steps: a scan is fine, and the last hit is checked first */
	for (size_t i = ix->nsteps; i-- > 0;)
		if (strlen(ix->steps[i]) == n && memcmp(ix->steps[i], id, n) == 0)
			return (int)i;
	ix->steps = xrealloc(ix->steps, (ix->nsteps + 1) * sizeof *ix->steps);
	ix->critical = xrealloc(ix->critical, (ix->nsteps + 1) * sizeof *ix->critical);
	ix->steps[ix->nsteps] = xstrndup(id, n);
	ix->critical[ix->nsteps] = false;
	return (int)ix->nsteps++;
}

static size_t series_hash(enum event_type t, int step, const char *key, size_t n)
{
	size_t h = 1469598103934665603ull ^ (size_t)t ^ ((size_t)(step + 1) << 8);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
	return h;
}

static struct series *find_series(struct jindex *ix, enum event_type t, int step, const char *key, size_t n)
{
	if (ix->nseries * 2 >= ix->nslots) {
		size_t ns = ix->nslots ? ix->nslots * 2 : 64;
		size_t *slots = xcalloc(ns, sizeof *slots);
		for (size_t i = 0; i < ix->nseries; i++) {
			struct series *s = &ix->series[i];
			size_t h = series_hash(s->type, s->step, s->key, strlen(s->key)) & (ns - 1);
			while (slots[h])
				h = (h + 1) & (ns - 1);
			slots[h] = i + 1;
		}
		free(ix->slots);
		ix->slots = slots;
		ix->nslots = ns;
	}
	size_t h = series_hash(t, step, key, n) & (ix->nslots - 1);
	while (ix->slots[h]) {
		struct series *s = &ix->series[ix->slots[h] - 1];
		if (s->type == t && s->step == step && strlen(s->key) == n && memcmp(s->key, key, n) == 0)
			return s;
		h = (h + 1) & (ix->nslots - 1);
	}
	ix->series = xrealloc(ix->series, (ix->nseries + 1) * sizeof *ix->series);
	struct series *s = &ix->series[ix->nseries];
	*s = (struct series){.type = t, .step = step, .key = xstrndup(key, n),
			     .keep = t == EV_LOG ? KEEP_LOG : KEEP_SAMPLES};
	ix->slots[h] = ++ix->nseries;
	return s;
}

/* The string value after "name":" in s (unescaped text is enough for a series key). */
static const char *member_str(const char *s, size_t len, const char *name, size_t *n)
{
	char pat[32];
	int pl = snprintf(pat, sizeof pat, "\"%s\":\"", name);
	const char *p = memmem(s, len, pat, (size_t)pl);
	if (!p) {
		*n = 0;
		return "";
	}
	p += pl;
	const char *q = p;
	while (q < s + len && *q != '"') {
		if (*q == '\\' && q + 1 < s + len)
			q++;
		q++;
	}
	*n = (size_t)(q - p);
	return p;
}

static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "2026-11-24T10:39:55.120Z" without sscanf/timegm: a million of those is most of the open. */
static double fast_ts(struct jindex *ix, const char *s)
{
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
		return -1;
	if (memcmp(ix->date, s, 10) != 0) {
		int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
		if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
			return -1;
		memcpy(ix->date, s, 10);
		ix->day0 = (double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400.0;
	}
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2), ms = digits(s + 20, 3);
	if (h < 0 || mi < 0 || se < 0 || ms < 0)
		return -1;
	return ix->day0 + h * 3600 + mi * 60 + se + ms / 1000.0;
}

struct fields {
	long seq;
	double ts;
	int type; /* -1 unknown */
	const char *step;
	size_t steplen;
	bool has_step;
};

static bool lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/* The writer's fixed member order (seq, ts, type, step) read without a JSON parser. */
static bool fast_fields(struct jindex *ix, const char *s, size_t len, struct fields *f)
{
	const char *p = s, *end = s + len;
	if (!lit(&p, end, "{\"seq\":"))
		return false;
	f->seq = 0;
	if (p >= end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9')
		f->seq = f->seq * 10 + (*p++ - '0');
	if (!lit(&p, end, ",\"ts\":\"") || end - p < 25 || p[24] != '"')
		return false;
	f->ts = fast_ts(ix, p);
	if (f->ts < 0)
		return false;
	p += 25;
	if (!lit(&p, end, ",\"type\":\""))
		return false;
	const char *t = p;
	while (p < end && *p != '"' && *p != '\\')
		p++;
	if (p >= end || *p != '"' || p - t >= 32)
		return false;
	char tname[32];
	memcpy(tname, t, (size_t)(p - t));
	tname[p - t] = '\0';
	f->type = event_type_from_name(tname);
	p++;
	f->has_step = false;
	if (lit(&p, end, ",\"step\":\"")) {
		f->step = p;
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p >= end || *p != '"')
			return false; /* escaped step id: let jansson read it */
		f->steplen = (size_t)(p - f->step);
		f->has_step = true;
		return true;
	}
	return lit(&p, end, ",\"data\":");
}

/* Any line the fast reader does not recognise: jansson, the same rules as journal_scan. */
static bool slow_fields(json_t *o, struct fields *f)
{
	json_t *seq = json_object_get(o, "seq");
	const char *type = json_string_value(json_object_get(o, "type"));
	if (!json_is_integer(seq) || !type)
		return false;
	f->seq = (long)json_integer_value(seq);
	f->ts = journal_parse_ts(json_string_value(json_object_get(o, "ts")));
	f->type = event_type_from_name(type);
	f->step = json_string_value(json_object_get(o, "step"));
	f->has_step = f->step != NULL;
	f->steplen = f->step ? strlen(f->step) : 0;
	return true;
}

static void reserve(struct jindex *ix, size_t cap)
{
	ix->cap = cap;
	ix->off = xrealloc(ix->off, cap * sizeof *ix->off);
	ix->len = xrealloc(ix->len, cap * sizeof *ix->len);
	ix->ts = xrealloc(ix->ts, cap * sizeof *ix->ts);
	ix->type = xrealloc(ix->type, cap * sizeof *ix->type);
	ix->flags = xrealloc(ix->flags, cap * sizeof *ix->flags);
	ix->step = xrealloc(ix->step, cap * sizeof *ix->step);
}

static void grow(struct jindex *ix)
{
	if (ix->n == ix->cap)
		reserve(ix, ix->cap ? ix->cap * 2 : 1024);
}

static void header_steps(struct jindex *ix, json_t *data)
{
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(data, "steps"), i, st) {
		const char *id = json_string_value(json_object_get(st, "id"));
		if (!id)
			continue;
		int s = intern_step(ix, id, strlen(id));
		ix->critical[s] = json_is_true(json_object_get(st, "critical"));
	}
}

/* State events are few: parse them now for the jump flags (and the header for steps). */
static unsigned state_flags(struct jindex *ix, json_t *o, enum event_type t, int step)
{
	json_t *data = json_object_get(o, "data");
	const char *state = json_string_value(json_object_get(data, "state"));
	switch (t) {
	case EV_SESSION:
		if (!ix->header) {
			ix->header = json_incref(data);
			header_steps(ix, data);
		}
		return 0;
	case EV_STEP_START:
		return JINDEX_START | (step >= 0 && ix->critical[step] ? JINDEX_CRITICAL : 0);
	case EV_PROMPT:
		return JINDEX_PROMPT;
	case EV_STEP_END:
		if (state && (strcmp(state, "failed") == 0 || strcmp(state, "interrupted") == 0))
			return JINDEX_FAILURE;
		return state && strcmp(state, "skipped") == 0 ? JINDEX_SKIP : 0;
	default:
		return 0;
	}
}

struct reader {
	long last_seq;
};

/* Line i's own check: sha256(previous line's hash + "\n" + body) equals its hash. Each line
 * carries its predecessor's hash in text, so lines can be checked in any order, and the
 * chain holds when every line passes. */
static bool line_hash_ok(const struct jindex *ix, EVP_MD_CTX *ctx, EVP_MD *md, size_t i)
{
	static const char hx[] = "0123456789abcdef";
	const char *s = ix->map + ix->off[i];
	size_t len = ix->len[i], bl = len - HASH_TAIL;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	EVP_DigestInit_ex(ctx, md, NULL);
	if (i > 0)
		EVP_DigestUpdate(ctx, ix->map + ix->off[i - 1] + ix->len[i - 1] - 66, 64);
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, s, bl);
	EVP_DigestUpdate(ctx, "}", 1);
	EVP_DigestFinal_ex(ctx, d, &dl);
	const char *want = s + bl + sizeof HASH_KEY - 1;
	for (unsigned k = 0; k < 32; k++)
		if (want[2 * k] != hx[d[k] >> 4] || want[2 * k + 1] != hx[d[k] & 15])
			return false;
	return true;
}

struct vjob {
	const struct jindex *ix;
	size_t from, to, bad; /* bad: first failing line, or to */
};

static void *verify_range(void *arg)
{
	struct vjob *j = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	j->bad = j->to;
	for (size_t i = j->from; i < j->to; i++)
		if (!line_hash_ok(j->ix, ctx, md, i)) {
			j->bad = i;
			break;
		}
	EVP_MD_free(md);
	EVP_MD_CTX_free(ctx);
	return NULL;
}

/* Hashing is most of an open's cost: spread it over the cores. Returns the first bad line
 * or ix->n. */
static size_t verify_all(const struct jindex *ix)
{
	enum { MAXT = 8, MIN_PER_THREAD = 50000 };
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cores < 1 ? 1 : cores > MAXT ? MAXT : (size_t)cores;
	if (ix->n / MIN_PER_THREAD < nt)
		nt = ix->n / MIN_PER_THREAD ? ix->n / MIN_PER_THREAD : 1;
	struct vjob jobs[MAXT];
	pthread_t th[MAXT];
	bool started[MAXT] = {false};
	for (size_t t = 0; t < nt; t++) {
		jobs[t] = (struct vjob){ix, ix->n * t / nt, ix->n * (t + 1) / nt, 0};
		if (t > 0)
			started[t] = pthread_create(&th[t], NULL, verify_range, &jobs[t]) == 0;
	}
	verify_range(&jobs[0]);
	size_t bad = ix->n;
	for (size_t t = 0; t < nt; t++) {
		if (t > 0 && started[t])
			pthread_join(th[t], NULL);
		else if (t > 0)
			verify_range(&jobs[t]);
		if (jobs[t].bad < jobs[t].to && jobs[t].bad < bad)
			bad = jobs[t].bad;
	}
	return bad;
}

/* Indexes one complete line; false at the first problem (journal_scan then names it). */
static bool index_line(struct jindex *ix, struct reader *r, const char *s, size_t len, uint64_t off)
{
	if (len < HASH_TAIL || memcmp(s + len - HASH_TAIL, HASH_KEY, sizeof HASH_KEY - 1) != 0 ||
	    memcmp(s + len - 2, "\"}", 2) != 0)
		return false;
	struct fields f = {0};
	json_t *o = NULL;
	if (!fast_fields(ix, s, len, &f)) {
		o = json_loadb(s, len, 0, NULL);
		if (!o || !slow_fields(o, &f)) {
			json_decref(o);
			return false;
		}
	}
	if (f.seq != r->last_seq + 1) {
		json_decref(o);
		return false;
	}
	r->last_seq = f.seq;
	grow(ix);
	size_t i = ix->n;
	int step = f.has_step ? intern_step(ix, f.step, f.steplen) : -1;
	enum event_type t = f.type < 0 ? EV__COUNT : (enum event_type)f.type;
	ix->off[i] = off;
	ix->len[i] = (uint32_t)len;
	ix->ts[i] = f.ts;
	ix->type[i] = (uint8_t)t;
	ix->step[i] = step;
	ix->flags[i] = 0;
	if (t == EV_LOG || t == EV_PROGRESS || t == EV_GAUGE) {
		size_t kn = 0;
		const char *key = t == EV_LOG ? "" : member_str(s, len, t == EV_GAUGE ? "name" : "label", &kn);
		struct series *se = find_series(ix, t, step, key, kn);
		push_u32(&se->idx, &se->n, &se->cap, (uint32_t)i);
	} else if (t != EV__COUNT) {
		if (!o)
			o = json_loadb(s, len, 0, NULL);
		if (!o) /* valid chain but not JSON: journal_scan calls that garbled */
			return false;
		ix->flags[i] = (uint8_t)state_flags(ix, o, t, step);
		push_u32(&ix->state, &ix->nstate, &ix->capstate, (uint32_t)i);
	}
	json_decref(o);
	ix->n++;
	return true;
}

static void truncate_to(struct jindex *ix, size_t n)
{
	if (n >= ix->n)
		return;
	ix->n = n;
	while (ix->nstate && ix->state[ix->nstate - 1] >= n)
		ix->nstate--;
	for (size_t s = 0; s < ix->nseries; s++)
		while (ix->series[s].n && ix->series[s].idx[ix->series[s].n - 1] >= n)
			ix->series[s].n--;
}

/* An estimate of the line count from the first 64 KiB, so the arrays are sized once. */
static size_t guess_lines(const char *map, size_t size)
{
	size_t probe = size < 65536 ? size : 65536, nl = 0;
	for (size_t i = 0; i < probe; i++)
		nl += map[i] == '\n';
	return nl ? size / (probe / nl) + 1024 : 1024;
}

struct jindex *jindex_open(const char *path, unsigned flags, struct journal_scan *scan, char **err)
{
	memset(scan, 0, sizeof *scan);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		*err = xasprintf("cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct jindex *ix = xcalloc(1, sizeof *ix);
	ix->path = xstrdup(path);
	ix->size = (size_t)st.st_size;
	if (ix->size) {
		ix->map = mmap(NULL, ix->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (ix->map == MAP_FAILED) {
			*err = xasprintf("cannot map %s: %s", path, strerror(errno));
			close(fd);
			free(ix->path);
			free(ix);
			return NULL;
		}
		reserve(ix, guess_lines(ix->map, ix->size));
	}
	close(fd);
	struct reader r = {0};
	const char *p = ix->map, *end = ix->map + ix->size;
	bool clean = true;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || !index_line(ix, &r, p, (size_t)(nl - p), (uint64_t)(p - ix->map))) {
			clean = false;
			break;
		}
		p = nl + 1;
	}
	if (clean && !(flags & JINDEX_VERIFY_LATER) && verify_all(ix) < ix->n)
		clean = false;
	if (clean) {
		scan->problem = JOURNAL_OK;
		scan->lines = (long)ix->n;
		scan->last_seq = r.last_seq;
		if (ix->n)
			memcpy(scan->last_hash, ix->map + ix->off[ix->n - 1] + ix->len[ix->n - 1] - 66, 64);
		scan->good_len = (off_t)(p ? p - ix->map : 0);
		ix->verified = !(flags & JINDEX_VERIFY_LATER);
	} else {
		/* rare: let the one reader that defines the rules name the problem (hashes too) */
		journal_scan(path, NULL, NULL, scan);
		truncate_to(ix, (size_t)scan->lines);
		ix->verified = true;
	}
	ix->scan = *scan;
	return ix;
}

void jindex_verify(const struct jindex *ix, struct journal_scan *scan)
{
	*scan = ix->scan;
	if (ix->verified)
		return;
	if (verify_all(ix) < ix->n)
		journal_scan(ix->path, NULL, NULL, scan);
}

void jindex_free(struct jindex *ix)
{
	if (!ix)
		return;
	if (ix->map && ix->size)
		munmap(ix->map, ix->size);
	free(ix->path);
	free(ix->off);
	free(ix->len);
	free(ix->ts);
	free(ix->type);
	free(ix->flags);
	free(ix->step);
	for (size_t i = 0; i < ix->nsteps; i++)
		free(ix->steps[i]);
	free(ix->steps);
	free(ix->critical);
	json_decref(ix->header);
	free(ix->state);
	for (size_t i = 0; i < ix->nseries; i++) {
		free(ix->series[i].key);
		free(ix->series[i].idx);
	}
	free(ix->series);
	free(ix->slots);
	free(ix);
}

size_t jindex_count(const struct jindex *ix) { return ix->n; }
long jindex_seq(const struct jindex *ix, size_t i) { (void)ix; return (long)i + 1; }
double jindex_ts(const struct jindex *ix, size_t i) { return ix->ts[i]; }
enum event_type jindex_type(const struct jindex *ix, size_t i) { return (enum event_type)ix->type[i]; }
int jindex_step(const struct jindex *ix, size_t i) { return ix->step[i]; }
unsigned jindex_flags(const struct jindex *ix, size_t i) { return ix->flags[i]; }
size_t jindex_nsteps(const struct jindex *ix) { return ix->nsteps; }
json_t *jindex_header(const struct jindex *ix) { return ix->header; }

const char *jindex_step_name(const struct jindex *ix, int step)
{
	return step >= 0 && (size_t)step < ix->nsteps ? ix->steps[step] : NULL;
}

int jindex_step_find(const struct jindex *ix, const char *id)
{
	for (size_t i = 0; i < ix->nsteps; i++)
		if (strcmp(ix->steps[i], id) == 0)
			return (int)i;
	return -1;
}

const char *jindex_line(const struct jindex *ix, size_t i, size_t *len)
{
	*len = ix->len[i];
	return ix->map + ix->off[i];
}

int jindex_event(const struct jindex *ix, size_t i, struct event *ev)
{
	memset(ev, 0, sizeof *ev);
	if (ix->type[i] >= EV__COUNT)
		return -1;
	json_t *o = json_loadb(ix->map + ix->off[i], ix->len[i], 0, NULL);
	ev->type = (enum event_type)ix->type[i];
	ev->seq = jindex_seq(ix, i);
	ev->ts = ix->ts[i];
	ev->step = jindex_step_name(ix, ix->step[i]);
	json_t *d = json_object_get(o, "data");
	ev->data = d ? json_incref(d) : json_object();
	json_decref(o);
	return 0;
}

void jindex_event_release(struct event *ev)
{
	json_decref(ev->data);
	ev->data = NULL;
}

/* Number of entries of the sorted a[0..n) below k. */
static size_t below(const uint32_t *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static size_t keep_of(const struct series *se, int current)
{
	return se->type == EV_LOG && se->step != current ? KEEP_LOG_OTHER : se->keep;
}

size_t jindex_skeleton(const struct jindex *ix, size_t k, uint32_t **out)
{
	if (k > ix->n)
		k = ix->n;
	size_t ns = below(ix->state, ix->nstate, k), total = ns;
	int current = -1; /* the step started last before k: the one on screen */
	for (size_t i = ns; i-- > 0;)
		if (ix->type[ix->state[i]] == EV_STEP_START) {
			current = ix->step[ix->state[i]];
			break;
		}
	for (size_t s = 0; s < ix->nseries; s++) {
		size_t c = below(ix->series[s].idx, ix->series[s].n, k), keep = keep_of(&ix->series[s], current);
		total += c < keep ? c : keep;
	}
	uint32_t *a = xmalloc((total ? total : 1) * sizeof *a);
	memcpy(a, ix->state, ns * sizeof *a);
	size_t m = ns;
	for (size_t s = 0; s < ix->nseries; s++) {
		const struct series *se = &ix->series[s];
		size_t keep = keep_of(se, current);
		size_t c = below(se->idx, se->n, k), from = c > keep ? c - keep : 0;
		memcpy(a + m, se->idx + from, (c - from) * sizeof *a);
		m += c - from;
	}
	qsort(a, m, sizeof *a, cmp_u32);
	*out = a;
	return m;
}
