# Helpers for the TUI end-to-end tests: the real tejun binary in a private tmux server.
# Sourced by tests/tui/*.sh. Needs TEJUN and TEJUN_TOP (set by make check).
set -u
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR TMUX
: "${TEJUN:?TEJUN is not set (run through make check)}"
: "${TEJUN_TOP:?TEJUN_TOP is not set}"
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (scripts/deps installs it)"; exit 1; }

SOCK=tejun-test-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tejun-tui.XXXXXX")
RUNBOOKS=$TEJUN_TOP/tests/tui/runbooks
FAILS=0

tx() { tmux -L "$SOCK" "$@"; }

cleanup() {
	tx kill-server 2>/dev/null
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

# start COLS ROWS [ENV=V...] -- ARGS...: runs "tejun ARGS" in a fresh pane. After it exits the
# pane shows whether the tty modes came back (TTY_OK/TTY_CHANGED) and the exit code.
start() {
	local cols=$1 rows=$2
	shift 2
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	local q="" a
	for a in "$@"; do q+=" $(printf '%q' "$a")"; done
	local e=""
	for a in "${envs[@]+"${envs[@]}"}"; do e+=" $(printf '%q' "$a")"; done
	cat >"$WORK/run.sh" <<EOS
before=\$(stty -g)
env$e $(printf '%q' "$TEJUN")$q 2>$(printf '%q' "$WORK/stderr")
rc=\$?
[ "\$before" = "\$(stty -g)" ] && echo TTY_OK || echo TTY_CHANGED
echo "__EXIT=\$rc"
exec sleep 600
EOS
	tx -f /dev/null new-session -d -x "$cols" -y "$rows" "bash $WORK/run.sh"
	tx set-option -g status off >/dev/null
}

screen() { tx capture-pane -p; }

fail() {
	echo "FAIL: $*"
	echo "---- screen ----"
	screen
	echo "---- stderr ----"
	cat "$WORK/stderr" 2>/dev/null | head -40
	FAILS=$((FAILS + 1))
	exit 1
}

ok() { echo "ok: $*"; }

# wait_for REGEX [SECONDS]: polls the pane until a line matches (grep -E).
wait_for() {
	local re=$1 limit=${2:-10} t0=$SECONDS
	while :; do
		screen | grep -Eq -- "$re" && return 0
		[ $((SECONDS - t0)) -ge "$limit" ] && fail "timed out waiting for /$re/"
		sleep 0.1
	done
}

# wait_fast REGEX: a key's effect must show within half a second (no waiting for a tick).
wait_fast() {
	local t0 i
	t0=$(date +%s%N)
	for i in $(seq 50); do
		screen | grep -Eq -- "$1" && break
		sleep 0.02
	done
	screen | grep -Eq -- "$1" || fail "never saw /$1/"
	local ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -le 500 ] || fail "/$1/ took ${ms} ms to show"
}

# wait_gone REGEX [SECONDS]
wait_gone() {
	local re=$1 limit=${2:-10} t0=$SECONDS
	while screen | grep -Eq -- "$re"; do
		[ $((SECONDS - t0)) -ge "$limit" ] && fail "timed out waiting for /$re/ to go"
		sleep 0.1
	done
}

# expect / expect_not: what must (not) be on screen now; a frame may be half written when
# captured, so they look again for up to a second before failing.
expect() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	fail "expected /$1/ on screen${2:+: $2}"
}
expect_not() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		screen | grep -Eq -- "$1" || return 0
		sleep 0.1
	done
	fail "did not expect /$1/ on screen${2:+: $2}"
}

keys() { tx send-keys "$@"; }
typed() { tx send-keys -l "$1"; }

# Display-column checks on a captured screen, with wcwidth semantics (East Asian Wide = 2).
cols_check() { /usr/bin/python3 "$TEJUN_TOP/tests/tui/screen.py" "$@"; }

alt_screen() { tx display-message -p '#{alternate_on}'; }

# The tejun in the pane has exited and the terminal is as it was.
expect_restored() {
	local code=$1
	wait_for '^__EXIT=' 15
	expect "^__EXIT=$code\$" "exit code"
	expect '^TTY_OK$' "tty modes restored"
	[ "$(alt_screen)" = 0 ] || fail "still on the alternate screen"
	[ "$(tx display-message -p '#{cursor_flag}')" = 1 ] || fail "cursor left hidden"
	if grep -Eq 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$WORK/stderr"; then
		fail "sanitizer report: $(head -20 "$WORK/stderr")"
	fi
}
