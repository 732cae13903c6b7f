/* Where sessions live and how a SESSION argument (id, prefix or path) finds its journal. */
#ifndef TEJUN_SESSION_H
#define TEJUN_SESSION_H
#include <stddef.h>

/* --log-dir, else $XDG_STATE_HOME/tejun/sessions, else ~/.local/state/tejun/sessions. Caller frees. */
char *session_log_dir(const char *override);
/* Creates dir and its parents (mode 0700). Returns 0 or -1 with *err (caller frees). */
int session_mkdir(const char *dir, char **err);
/* New id: 20261124T100200Z-RUNBOOKID-3f2a. Caller frees. */
char *session_new_id(const char *runbook_id);
/* Path of the journal for arg (a path, an id, or a unique id prefix in dir); NULL and *err. */
char *session_resolve(const char *dir, const char *arg, char **err);
/* The id of a journal path (basename without .jsonl). Caller frees. */
char *session_id_of(const char *path);
/* Sessions of runbook_id in dir that did not finish ("done") and are newer than its last
 * finished one, newest first, at most max: one line each, "ID ended aborted" or "ID did
 * not end ...". Returns the count; *lines (NULL-terminated) is the caller's to free. */
size_t session_unfinished(const char *dir, const char *runbook_id, size_t max, char ***lines);
#endif
