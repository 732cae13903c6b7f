/* The TUI's keys: one table of bindings, the prompt dialog's keys, and the small modals
 * (search, skip reason, "are you sure?"). Replay adds its keys as table entries. */
#ifndef TEJUN_TUI_INPUT_H
#define TEJUN_TUI_INPUT_H
#include "ui/tui.h"
#include <stddef.h>

/* One key from get_wch: fkey is true for KEY_* codes. */
void tui_input_key(struct tui *t, bool fkey, wint_t key);

struct tui_hint {
	char key[16];
	char label[48];
	bool warn; /* e.g. the next step is the point of no return */
	int prio;  /* 1 most important; the footer drops the highest numbers first */
};
/* The keys valid right now, most important first, for the footer. Returns the count. */
size_t tui_input_footer(struct tui *t, struct tui_hint *out, size_t max);
/* Every binding of this mode, for the help overlay: calls fn(arg, keys, doc) per action. */
void tui_input_help(const struct tui *t, void (*fn)(void *arg, const char *keys, const char *doc), void *arg);
/* Forgets modals and typed text (view reset). */
void tui_input_reset(struct tui *t);
#endif
