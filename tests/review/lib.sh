# Shared by the review tests (sourced): a private temp dir, sessions recorded by running the
# real binary on tests/review/rb/review.lua, and check counting.
set -uo pipefail
: "${TEJUN:?run through make check}" "${TEJUN_TOP:?run through make check}"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
work=$(mktemp -d /tmp/tejun-review-XXXXXX)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
here=$TEJUN_TOP/tests/review
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

# record NAME [SLOW]: runs the fixture headless; sets $journal; the step "touch" creates
# $work/NAME.marker. Answers: confirm touch, skip the failing step, type the challenge.
record() {
  local name=$1 slow=${2:-0}
  printf 'touch: yes\nflaky: skip known | issue\ncrit: go-live\n' >"$work/$name.answers"
  REVIEW_TOKEN=tok-SECRET-4711 TEJUN_OPERATOR=carol "$TEJUN" run "$here/rb/review.lua" --no-tui \
    --answers "$work/$name.answers" --log-dir "$work/$name" --param marker="$work/$name.marker" \
    --param slow="$slow" >"$work/$name.run" 2>&1
  echo $? >"$work/$name.rc"
  journal=$(ls "$work/$name"/*.jsonl)
}

finish() {
  if [ "$failures" -eq 0 ]; then echo "all checks passed"; exit 0; fi
  echo "$failures check(s) failed"; exit 1
}
