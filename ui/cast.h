/* Screen recording: what the TUI writes to the terminal, also kept as an asciicast v2 file
 * (SESSION.cast beside the journal) with a marker at every step start and end. Secrets are
 * scrubbed before anything reaches the file, even a secret split across two writes. */
#ifndef TEJUN_CAST_H
#define TEJUN_CAST_H
#include "core/event.h"
#include <stdio.h>

struct cast;

/* Creates path (0600, must not exist) and writes the header. terminal (not owned) receives
 * every byte at once; the recording lags by up to CAST_HOLD bytes until more output or
 * cast_close, keeping each chunk's own time. NULL and *err (caller frees) on failure. */
struct cast *cast_open(const char *path, int cols, int rows, FILE *terminal, char **err);
/* A stream (fopencookie) that writes to the terminal and records [t, "o", data]. Owned by
 * the cast: closed by cast_close, never by the caller. It has no file descriptor, so it
 * suits writers that use stdio (fputs, fwrite) only. */
FILE *cast_stream(struct cast *c);
/* Records output written to the terminal by other means (e.g. a writer that needs a real
 * descriptor): data is recorded only, not written anywhere. */
void cast_record(struct cast *c, const char *data, size_t n);
/* For writers that need a descriptor: ncurses writes to its output FILE's descriptor with
 * write(2), so a stream without one (cast_stream) shows nothing. This makes a pty of
 * cols x rows and returns its slave, a terminal, to draw on (fdopen it for newterm; close
 * it before cast_close). A thread copies what arrives to `terminal` and the recording.
 * ncurses sets its modes on the slave: the caller puts the real terminal (keyboard) in raw
 * mode itself and restores it. -1 and *err (caller frees) on failure. */
int cast_tty(struct cast *c, int cols, int rows, char **err);
/* The terminal was resized: the pty follows (ncurses reads its size there) and the
 * recording gets an [t, "r", "COLSxROWS"] event. */
void cast_resize(struct cast *c, int cols, int rows);
/* Adds [t, "m", "step ID start"] / "step ID end STATE" markers for step_start / step_end. */
struct event_sink *cast_sink(struct cast *c);
/* Flushes the stream and the held tail, closes the file, frees c. NULL is fine. */
void cast_close(struct cast *c);

/* Bytes of output held back so a secret split across writes is seen whole: the longest
 * secret that can be split and still be caught is CAST_HOLD + 1 bytes. */
#define CAST_HOLD 4096
#endif
