/* SigV4 against vectors written out from AWS's published signature test suite
 * (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service"). */
#include "config.h"
#include "aws/sigv4.h"
#include "core/util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H(n, v) {n, v}
#define HOST H("Host", "example.amazonaws.com")
#define DATE H("X-Amz-Date", "20150830T123600Z")
static const char TOKEN[] =
	"AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIe"
	"oIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5"
	"VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Y"
	"jc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

struct vec {
	const char *name, *method, *path, *query, *body;
	struct sigv4_header h[6];
	const char *sig;
	const char *creq_path; /* expected canonical URI line, or NULL */
};

static const struct vec vecs[] = {
	{"get-vanilla", "GET", "/", NULL, "", {HOST, DATE},
	 "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "/"},
	{"get-vanilla-empty-query-key", "GET", "/", "Param1=value1", "", {HOST, DATE},
	 "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb", NULL},
	{"get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", "", {HOST, DATE},
	 "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", NULL},
	{"get-vanilla-query-order-key", "GET", "/", "Param1=value2&Param1=Value1", "", {HOST, DATE},
	 "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1", NULL},
	{"get-vanilla-query-order-value", "GET", "/", "Param1=value2&Param1=value1", "", {HOST, DATE},
	 "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694", NULL},
	{"get-vanilla-query-unreserved", "GET", "/",
	 "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
	 "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", {HOST, DATE},
	 "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197", NULL},
	{"get-vanilla-utf8-query", "GET", "/", "\xe1\x88\xb4=bar", "", {HOST, DATE},
	 "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04", NULL},
	{"get-utf8", "GET", "/\xe1\x88\xb4", NULL, "", {HOST, DATE},
	 "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85", "/%E1%88%B4"},
	{"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", NULL, "",
	 {HOST, DATE}, "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f", NULL},
	{"get-space", "GET", "/example space/", NULL, "", {HOST, DATE},
	 "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741", "/example%20space/"},
	{"get-header-key-duplicate", "GET", "/", NULL, "",
	 {HOST, H("My-Header1", "value2"), H("My-Header1", "value2"), H("My-Header1", "value1"), DATE},
	 "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea", NULL},
	{"get-header-value-order", "GET", "/", NULL, "",
	 {HOST, H("My-Header1", "value4"), H("My-Header1", "value1"), H("My-Header1", "value3"),
	  H("My-Header1", "value2"), DATE},
	 "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01", NULL},
	{"get-header-value-multiline", "GET", "/", NULL, "",
	 {HOST, H("My-Header1", "value1\n  value2\n     value3"), DATE},
	 "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790", NULL},
	{"get-header-value-trim", "GET", "/", NULL, "",
	 {HOST, H("My-Header1", " value1"), H("My-Header2", " \"a   b   c\""), DATE},
	 "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736", NULL},
	{"get-relative-relative", "GET", "/example1/example2/../..", NULL, "", {HOST, DATE},
	 "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "/"},
	{"get-slash-pointless-dot", "GET", "/./example", NULL, "", {HOST, DATE},
	 "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5", "/example"},
	{"get-slashes", "GET", "//example//", NULL, "", {HOST, DATE},
	 "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84", "/example/"},
	{"post-header-value-case", "POST", "/", NULL, "", {HOST, H("My-Header1", "VALUE1"), DATE},
	 "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d", NULL},
	{"post-vanilla-query", "POST", "/", "Param1=value1", "", {HOST, DATE},
	 "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", NULL},
	{"post-x-www-form-urlencoded", "POST", "/", NULL, "Param1=value1",
	 {H("Content-Type", "application/x-www-form-urlencoded"), HOST, DATE},
	 "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", NULL},
	{"post-sts-header-before", "POST", "/", NULL, "", {HOST, DATE, H("X-Amz-Security-Token", TOKEN)},
	 "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead", NULL},
};

int main(void)
{
	int failed = 0;
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		const struct vec *v = &vecs[i];
		size_t nh = 0;
		while (nh < 6 && v->h[nh].name)
			nh++;
		struct sigv4_input in = {.method = v->method, .path = v->path, .query = v->query,
					 .headers = v->h, .nheaders = nh, .body = v->body,
					 .body_len = strlen(v->body), .region = "us-east-1", .service = "service",
					 .akid = "AKIDEXAMPLE", .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					 .when = 1440938160};
		char *creq, *sts;
		char *auth = sigv4_sign(&in, &creq, &sts);
		const char *sig = strstr(auth, "Signature=");
		int ok = sig && strcmp(sig + 10, v->sig) == 0;
		if (ok && v->creq_path) {
			const char *line = strchr(creq, '\n') + 1;
			ok = strncmp(line, v->creq_path, strlen(v->creq_path)) == 0 &&
			     line[strlen(v->creq_path)] == '\n';
		}
		if (!ok) {
			failed++;
			fprintf(stderr, "FAIL %s\n%s\n---\n%s\n---\n%s\n", v->name, creq, sts, auth);
		} else {
			printf("ok %s\n", v->name);
		}
		free(creq);
		free(sts);
		free(auth);
	}
	/* Credential scope and date formatting. */
	char d[20];
	sigv4_amz_date(1440938160, d, sizeof d);
	if (strcmp(d, "20150830T123600Z") != 0) {
		fprintf(stderr, "FAIL amz date %s\n", d);
		failed++;
	}
	return failed ? 1 : 0;
}
