#!/usr/bin/env bash
# The HTML report opened in headless Chromium (Debian's chromium, installed by scripts/deps)
# renders to a non-empty PNG. The screenshot is kept in $TEJUN_BUILD for a look.
. "$TEJUN_TOP/tests/review/lib.sh"

if ! command -v chromium >/dev/null 2>&1; then
  echo "FAIL: chromium is not installed (scripts/deps installs it)"
  exit 1
fi

record live
"$TEJUN" report "$journal" --format html -o "$work/report.html"
png=$TEJUN_BUILD/tests/review/report.png
mkdir -p "$(dirname "$png")"
rm -f "$png"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$(mktemp -d "$work/chrome.XXXXXX")" --screenshot="$png" --window-size=1200,1600 \
  "file://$work/report.html" >"$work/chromium.log" 2>&1
check "chromium exits 0" [ $? = 0 ]
check "the screenshot is a non-empty PNG" $py -c "
import sys
d = open('$png', 'rb').read()
sys.exit(0 if d[:8] == b'\x89PNG\r\n\x1a\n' and len(d) > 10000 else 1)"
echo "screenshot: $png"
finish
