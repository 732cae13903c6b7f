#!/usr/bin/env bash
# The screen recording: tests/ui/test_cast writes one through cast_stream (a split
# secret, markers, a UTF-8 character cut in two); Debian's asciinema then plays it (asciinema
# cat needs a /dev/tty, which a test has not: play falls back to no keyboard).
. "$TEJUN_TOP/tests/review/lib.sh"

cast=$work/session.cast
"$TEJUN_BUILD/tests/ui/test_cast" "$cast"
check "test_cast: the recording is right" [ $? = 0 ]

if ! command -v asciinema >/dev/null 2>&1; then
  echo "FAIL: asciinema is not installed (scripts/deps installs it)"
  exit 1
fi
timeout 60 asciinema play -i 0.01 -s 100 "$cast" </dev/null >"$work/play.out" 2>"$work/play.err"
check "asciinema play exits 0" [ $? = 0 ]
check "asciinema play wrote no error" [ ! -s "$work/play.err" ]
check "what it played is the screen, secret masked" bash -c "grep -q 'password: \*\*\* ok' '$work/play.out' && ! grep -q hunter2 '$work/play.out'"
timeout 60 asciinema play -i 0.01 -s 100 "$cast.tty.cast" </dev/null >"$work/play2.out" 2>"$work/play2.err"
check "asciinema plays the pty recording (with its resize event)" bash -c "[ $? = 0 ] && [ ! -s '$work/play2.err' ] && grep -q 'after resize' '$work/play2.out'"
check "markers at step start and end" bash -c "grep -q '\"m\", *\"step prep start\"' '$cast' && grep -q '\"m\", *\"step prep end ok\"' '$cast'"
finish
