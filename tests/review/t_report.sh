#!/usr/bin/env bash
# tejun report against the journal itself (read by tests/review/jtool.py, not by tejun):
# every step with its status and duration, every confirmation with its operator, the
# downtime window, skip reasons and failures; the chain check; HTML escaping and charts;
# a tampered journal said to be one; a runbook without a Maintenance phase.
. "$TEJUN_TOP/tests/review/lib.sh"

record live
"$TEJUN" report "$journal" >"$work/r.md"
check "report exits 0 on an intact journal" [ $? = 0 ]
check "the report says verify-log passed" grep -q "verify-log passed: hash chain intact" "$work/r.md"
sha=$(sha256sum "$here/rb/review.lua" | cut -d' ' -f1)
check "the report gives the runbook's sha256" grep -q "$sha" "$work/r.md"
check "the report names operator and host" bash -c "grep -q '| Operator | carol |' '$work/r.md' && grep -q '| Host | $(hostname) |' '$work/r.md'"

# the steps table: | N | `id` | title | phase | status | duration | retries | by | notes |
while IFS=$'\t' read -r id status dur; do
  row=$(grep -F "| \`$id\`" "$work/r.md" | head -n1)
  check "step $id is in the report" [ -n "$row" ]
  got_status=$(cut -d'|' -f6 <<<"$row" | xargs)
  got_dur=$(cut -d'|' -f7 <<<"$row" | xargs)
  check "step $id: status $status (report: $got_status)" [ "$got_status" = "$status" ]
  check "step $id: duration $dur (report: $got_dur)" [ "$got_dur" = "$dur" ]
done < <($py "$here/jtool.py" steps "$journal")
check "the skip reason is given" grep -qF 'known \| issue' "$work/r.md"
check "the failure is listed with its error" grep -qF 'disk \| full & <angry>' <(sed -n '/## Failures/,$p' "$work/r.md")

# confirmations: who answered what
while IFS=$'\t' read -r step who answer text; do
  check "confirmation of $step by $who is in the report" \
    bash -c "grep -F '| $step |' '$work/r.md' | grep -F '| $who |' | grep -qF -- '$(sed 's/|/\\|/g' <<<"$answer")'"
done < <($py "$here/jtool.py" answers "$journal")
check "confirmed-by column names the operator" grep -q '`touch`.*carol (confirmed)' "$work/r.md"

want=$($py "$here/jtool.py" downtime "$journal")
check "downtime window = Maintenance steps' span ($want)" grep -qE "Downtime window \| .* \($want\)" "$work/r.md"
check "no secret in the report" bash -c "! grep -q SECRET '$work/r.md'"

"$TEJUN" report "$journal" --format html -o "$work/r.html"
check "html report written" [ -s "$work/r.html" ]
check "html escapes the title" grep -qF 'Review fixture &lt;&amp;&gt; &quot;quotes&quot;' "$work/r.html"
check "html escapes log text" bash -c "grep -qF 'disk | full &amp; &lt;angry&gt;' '$work/r.html' && ! grep -qF '<angry>' '$work/r.html'"
check "html has the progress and lag charts as inline SVG" \
  bash -c "grep -q '<svg' '$work/r.html' && grep -q 'app.users' '$work/r.html' && grep -q 'replica lag' '$work/r.html' && [ \$(grep -o '<polyline' '$work/r.html' | wc -l) -ge 2 ]"
check "html says verify-log passed" grep -q "verify-log passed" "$work/r.html"
check "the html is well-formed XML where it matters (svg)" $py -c "
import re,sys,xml.dom.minidom as m
for s in re.findall(r'<svg.*?</svg>', open('$work/r.html', encoding='utf-8').read(), re.S): m.parseString(s)"

cp "$journal" "$work/tampered.jsonl"
$py "$here/jtool.py" edit "$work/tampered.jsonl" 7
"$TEJUN" report "$work/tampered.jsonl" >"$work/t.md" 2>"$work/t.err"
check "report on a tampered journal exits 1" [ $? = 1 ]
check "report on a tampered journal says so" grep -q "verify-log FAILED: the journal was TAMPERED WITH: line 7" "$work/t.md"
"$TEJUN" report "$work/tampered.jsonl" --format html >"$work/t.html" 2>/dev/null
check "the html says so too" grep -q 'class="banner tampered"' "$work/t.html"

printf 'broken: skip not today\n' >"$work/flaky.answers"
TEJUN_OPERATOR=dave "$TEJUN" run "$TEJUN_TOP/tests/core/rb/flaky.lua" --no-tui --answers "$work/flaky.answers" \
  --log-dir "$work/flaky" >/dev/null 2>&1
"$TEJUN" report --log-dir "$work/flaky" "$(basename "$(ls "$work/flaky"/*.jsonl)" .jsonl)" >"$work/f.md"
check "a runbook without a Maintenance phase says so" grep -q "Downtime window | no Maintenance phase" "$work/f.md"
check "retries are attempts - 1" grep -qE '^\| 1 \| `count` .*\| ok \| [0-9.]+ s \| 2 \|' "$work/f.md"
"$TEJUN" report "$journal" --format pdf >/dev/null 2>&1
check "an unknown format is a usage error" [ $? = 2 ]
finish
