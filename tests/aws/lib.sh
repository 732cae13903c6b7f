# Shared by tests/aws/*.sh: a private fake AWS endpoint per test (parallel make check
# must not share state), its env exported, stopped on exit.
set -euo pipefail
: "${TEJUN_TOP:?run under make check}" "${TEJUN_BUILD:?run under make check}"
CTL="$TEJUN_TOP/tests/fakeaws/ctl"
LUARUN="$TEJUN_BUILD/tests/lua/luarun"
T=$(mktemp -d)
export FAKEAWS_DIR="$T/fake"
cleanup() { "$CTL" down || true; rm -rf "$T"; }
trap cleanup EXIT
"$CTL" up
eval "$("$CTL" env)"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
export HOME="$T"            # no operator ~/.aws leaks into a test
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect "what" "needle" "haystack"
expect() { case "$3" in *"$2"*) ;; *) fail "$1: wanted '$2' in: $3" ;; esac; }
inject() { curl -fsS -X POST --data-binary "$1" "$FAKEAWS_URL/_fake/inject" >/dev/null; }
fakelog() { curl -fsS "$FAKEAWS_URL/_fake/log"; }
