/* A tiny check harness for the C unit tests: each failed CHECK prints file:line, the
 * expression and expected vs actual; tap_done() prints a summary and gives the exit status
 * (0 all passed, 1 any failed) for the automake test driver. */
#ifndef TEJUN_TESTS_TAP_H
#define TEJUN_TESTS_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_checks, tap_failures;
static const char *tap_section = "";

/* Names the case that following failures belong to (printed with each failure). */
#define SECTION(name) (tap_section = (name), printf("# %s\n", tap_section))

static inline int tap_fail_head(const char *file, int line)
{
	tap_failures++;
	fprintf(stderr, "%s:%d: [%s] CHECK failed: ", file, line, tap_section);
	return 0;
}

#define CHECK(cond)                                                                             \
	do {                                                                                    \
		tap_checks++;                                                                   \
		if (!(cond)) {                                                                  \
			tap_fail_head(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s\n", #cond);                                         \
		}                                                                               \
	} while (0)

/* Like CHECK, with a printf-style explanation of what was seen. */
#define CHECKF(cond, ...)                                                                       \
	do {                                                                                    \
		tap_checks++;                                                                   \
		if (!(cond)) {                                                                  \
			tap_fail_head(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s: ", #cond);                                         \
			fprintf(stderr, __VA_ARGS__);                                           \
			fputc('\n', stderr);                                                    \
		}                                                                               \
	} while (0)

#define CHECK_INT(actual, expected)                                                             \
	do {                                                                                    \
		long long tap_a_ = (long long)(actual), tap_e_ = (long long)(expected);         \
		tap_checks++;                                                                   \
		if (tap_a_ != tap_e_) {                                                         \
			tap_fail_head(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s: expected %lld, got %lld\n", #actual, tap_e_, tap_a_); \
		}                                                                               \
	} while (0)

#define CHECK_STR(actual, expected)                                                             \
	do {                                                                                    \
		const char *tap_a_ = (actual), *tap_e_ = (expected);                            \
		tap_checks++;                                                                   \
		if (!tap_a_ || !tap_e_ || strcmp(tap_a_, tap_e_) != 0) {                        \
			tap_fail_head(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s:\n    expected: %s\n    actual:   %s\n", #actual,    \
				tap_e_ ? tap_e_ : "(null)", tap_a_ ? tap_a_ : "(null)");        \
		}                                                                               \
	} while (0)

/* The string contains needle. */
#define CHECK_HAS(actual, needle)                                                               \
	do {                                                                                    \
		const char *tap_a_ = (actual), *tap_n_ = (needle);                              \
		tap_checks++;                                                                   \
		if (!tap_a_ || !strstr(tap_a_, tap_n_)) {                                       \
			tap_fail_head(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s should contain \"%s\"; it is: %s\n", #actual, tap_n_, \
				tap_a_ ? tap_a_ : "(null)");                                    \
		}                                                                               \
	} while (0)

/* The string does not contain needle. */
#define CHECK_LACKS(actual, needle)                                                             \
	do {                                                                                    \
		const char *tap_a_ = (actual), *tap_n_ = (needle);                              \
		tap_checks++;                                                                   \
		if (tap_a_ && strstr(tap_a_, tap_n_)) {                                         \
			tap_fail_head(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s must not contain \"%s\"; it is: %s\n", #actual,      \
				tap_n_, tap_a_);                                                \
		}                                                                               \
	} while (0)

static inline int tap_done(void)
{
	printf("%d checks, %d failed\n", tap_checks, tap_failures);
	return tap_failures ? 1 : 0;
}
#endif
