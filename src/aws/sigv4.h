/* AWS Signature Version 4 over OpenSSL: canonical request, string to sign, Authorization.
 * We sign ourselves rather than use CURLOPT_AWS_SIGV4: curl 7.88 mis-signs unsorted or
 * unencoded query strings, S3 paths and payloads; here the clock is injectable for tests. */
#ifndef TEJUN_SIGV4_H
#define TEJUN_SIGV4_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct sigv4_header {
	const char *name, *value;
};

struct sigv4_input {
	const char *method;
	const char *path;   /* as sent on the wire (may be unencoded UTF-8) */
	const char *query;  /* as sent, without '?'; NULL or "" for none */
	const struct sigv4_header *headers; /* every header to sign, host and x-amz-date included */
	size_t nheaders;
	const void *body;
	size_t body_len;
	const char *payload_hash; /* NULL: sha256 of body */
	const char *region, *service;
	const char *akid, *secret;
	time_t when;
	bool s3; /* S3 signs the path as sent, no normalisation or second encoding */
};

/* Returns the Authorization header value (malloc'd). When canonical/sts are not NULL they
 * receive the canonical request and string to sign (malloc'd), for tests and debugging. */
char *sigv4_sign(const struct sigv4_input *in, char **canonical, char **sts);
/* "20150830T123600Z" into out (>= 17 bytes). */
void sigv4_amz_date(time_t t, char *out, size_t n);
/* RFC 3986 percent-encoding of s[0..n) into b; '/' kept when keep_slash. */
struct sbuf;
void sigv4_uri_encode(struct sbuf *b, const char *s, size_t n, bool keep_slash);
/* Lowercase hex sha256 / HMAC helpers (out 65 bytes). */
void sigv4_sha256_hex(const void *data, size_t n, char out[65]);
#endif
