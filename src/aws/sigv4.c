/* AWS Signature Version 4: canonicalisation and signing with OpenSSL HMAC-SHA256. */
#include "config.h"
#include "aws/sigv4.h"
#include "core/util.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

void sigv4_sha256_hex(const void *data, size_t n, char out[65])
{
	sha256_hex(data, n, out);
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len);
}

void sigv4_amz_date(time_t t, char *out, size_t n)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y%m%dT%H%M%SZ", &tm);
}

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void sigv4_uri_encode(struct sbuf *b, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			sbuf_add(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			sbuf_add(b, e, 3);
		}
	}
}

/* Percent-decodes s[0..n) (only %XX; '+' stays) into a new string. */
static char *decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n) {
			int hi = hex_value((char)s[i + 1]);
			int lo = hex_value((char)s[i + 2]);
			if (hi >= 0 && lo >= 0) {
				*o++ = (char)(hi * 16 + lo);
				i += 2;
				continue;
			}
		}
		*o++ = s[i];
	}
	*o = 0;
	return out;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* RFC 3986 dot-segment removal plus empty-segment collapse, as the test suite expects. */
static char *normalize_path(const char *path)
{
	size_t n = strlen(path), nseg = 0;
	const char **seg = xcalloc(n + 1, sizeof *seg);
	size_t *len = xcalloc(n + 1, sizeof *len);
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t l = strcspn(p, "/");
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg)
				nseg--;
		} else if (l && !(l == 1 && p[0] == '.')) {
			seg[nseg] = p;
			len[nseg++] = l;
		}
		p += l;
	}
	bool trailing = ends_with(path, "/") || ends_with(path, "/.") || ends_with(path, "/..");
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; i < nseg; i++) {
		sbuf_adds(&b, "/");
		sbuf_add(&b, seg[i], len[i]);
	}
	if (nseg == 0 || trailing)
		sbuf_adds(&b, "/");
	free(seg);
	free(len);
	return sbuf_steal(&b);
}

struct pair {
	char *k, *v;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

static void canonical_query(struct sbuf *out, const char *q)
{
	if (!q || !*q)
		return;
	size_t cap = 1;
	for (const char *p = q; *p; p++)
		cap += *p == '&';
	struct pair *pairs = xcalloc(cap, sizeof *pairs);
	size_t np = 0;
	const char *p = q;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t l = amp ? (size_t)(amp - p) : strlen(p);
		if (l) {
			const char *eq = memchr(p, '=', l);
			size_t kl = eq ? (size_t)(eq - p) : l;
			char *k = decode(p, kl), *v = eq ? decode(eq + 1, l - kl - 1) : xstrdup("");
			struct sbuf kb, vb;
			sbuf_init(&kb);
			sbuf_init(&vb);
			sigv4_uri_encode(&kb, k, strlen(k), false);
			sigv4_uri_encode(&vb, v, strlen(v), false);
			pairs[np++] = (struct pair){sbuf_steal(&kb), sbuf_steal(&vb)};
			free(k);
			free(v);
		}
		p += l + (amp != NULL);
		if (!amp)
			break;
	}
	qsort(pairs, np, sizeof *pairs, pair_cmp);
	for (size_t i = 0; i < np; i++) {
		sbuf_addf(out, "%s%s=%s", i ? "&" : "", pairs[i].k, pairs[i].v);
		free(pairs[i].k);
		free(pairs[i].v);
	}
	free(pairs);
}

struct hdr {
	char *name;
	struct sbuf value;
};

static int hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* Trim, collapse inner runs of whitespace to one space (header folding included). */
static void add_trimmed(struct sbuf *b, const char *v)
{
	bool space = false, any = false;
	for (; *v; v++) {
		if (isspace((unsigned char)*v)) {
			space = any;
			continue;
		}
		if (space)
			sbuf_adds(b, " ");
		space = false;
		any = true;
		sbuf_add(b, v, 1);
	}
}

char *sigv4_sign(const struct sigv4_input *in, char **canonical, char **sts_out)
{
	struct sbuf cr;
	sbuf_init(&cr);
	sbuf_addf(&cr, "%s\n", in->method);
	if (in->s3) {
		sbuf_adds(&cr, in->path);
	} else {
		char *norm = normalize_path(in->path);
		/* The wire path is encoded once; the canonical URI encodes it again. */
		sigv4_uri_encode(&cr, norm, strlen(norm), true);
		free(norm);
	}
	sbuf_adds(&cr, "\n");
	canonical_query(&cr, in->query);
	sbuf_adds(&cr, "\n");

	struct hdr *h = xcalloc(in->nheaders + 1, sizeof *h);
	size_t nh = 0;
	for (size_t i = 0; i < in->nheaders; i++) {
		char *name = xstrdup(in->headers[i].name);
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		size_t j;
		for (j = 0; j < nh && strcmp(h[j].name, name) != 0; j++)
			;
		if (j == nh) {
			h[nh].name = name;
			sbuf_init(&h[nh++].value);
		} else {
			free(name);
			sbuf_adds(&h[j].value, ",");
		}
		/* Folded (multi-line) values count as separate values, joined with ','. */
		const char *v = in->headers[i].value;
		for (const char *nl; (nl = strchr(v, '\n')); v = nl + 1) {
			char *line = xstrndup(v, (size_t)(nl - v));
			add_trimmed(&h[j].value, line);
			sbuf_adds(&h[j].value, ",");
			free(line);
		}
		add_trimmed(&h[j].value, v);
	}
	qsort(h, nh, sizeof *h, hdr_cmp);
	struct sbuf signed_names;
	sbuf_init(&signed_names);
	for (size_t i = 0; i < nh; i++) {
		sbuf_addf(&cr, "%s:%s\n", h[i].name, h[i].value.data ? h[i].value.data : "");
		sbuf_addf(&signed_names, "%s%s", i ? ";" : "", h[i].name);
		free(h[i].name);
		sbuf_free(&h[i].value);
	}
	free(h);
	char payload[65];
	if (in->payload_hash)
		snprintf(payload, sizeof payload, "%s", in->payload_hash);
	else
		sigv4_sha256_hex(in->body ? in->body : "", in->body_len, payload);
	sbuf_addf(&cr, "\n%s\n%s", signed_names.data, payload);

	char date[20], crhash[65];
	sigv4_amz_date(in->when, date, sizeof date);
	sigv4_sha256_hex(cr.data, cr.len, crhash);
	char *scope = xasprintf("%.8s/%s/%s/aws4_request", date, in->region, in->service);
	char *sts = xasprintf("AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope, crhash);

	unsigned char k[32];
	char *kinit = xasprintf("AWS4%s", in->secret);
	char day[9];
	snprintf(day, sizeof day, "%.8s", date);
	hmac(kinit, strlen(kinit), day, k);
	OPENSSL_cleanse(kinit, strlen(kinit));
	free(kinit);
	hmac(k, 32, in->region, k);
	hmac(k, 32, in->service, k);
	hmac(k, 32, "aws4_request", k);
	unsigned char sig[32];
	hmac(k, 32, sts, sig);
	OPENSSL_cleanse(k, sizeof k);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sig[i]);
	char *auth = xasprintf("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
			       in->akid, scope, signed_names.data, hex);
	free(scope);
	sbuf_free(&signed_names);
	if (canonical)
		*canonical = sbuf_steal(&cr);
	else
		sbuf_free(&cr);
	if (sts_out)
		*sts_out = sts;
	else
		free(sts);
	return auth;
}
