#!/usr/bin/env bash
# tejun verify-log on copies of a recorded journal: intact exits 0; a changed, removed,
# inserted or garbage line exits 1 and names the first bad line and what is wrong; a torn
# last line (a crash) exits 0 and says it is not tampering. report and replay agree.
. "$TEJUN_TOP/tests/review/lib.sh"

record live
"$TEJUN" verify-log "$journal" >"$work/ok.out" 2>&1
check "intact: exit 0" [ $? = 0 ]
check "intact: says so" grep -q "intact (45 lines" "$work/ok.out"

# kind, the line edited, the first bad line, what verify-log must say about it
while read -r kind at line want; do
  bad=$work/$kind.jsonl
  cp "$journal" "$bad"
  $py "$here/jtool.py" "$kind" "$bad" "$at"
  "$TEJUN" verify-log "$bad" >"$work/$kind.out" 2>&1
  rc=$?
  check "$kind line $line: exit 1" [ "$rc" = 1 ]
  check "$kind line $line: TAMPERED, names line $line: $want" grep -qE "TAMPERED: line $line.*$want" "$work/$kind.out"
  check "$kind: the lines before it are intact" grep -q "the $((line - 1)) lines before it are intact" "$work/$kind.out"
  "$TEJUN" report "$bad" >"$work/$kind.md" 2>/dev/null
  check "$kind: report exits 1 and says TAMPERED at line $line" \
    bash -c "[ $? = 1 ] && grep -q 'TAMPERED WITH: line $line' '$work/$kind.md'"
done <<'CASES'
edit 9 9 changed
drop 12 12 removed
dup 20 21 inserted
garble 30 30 not a journal line
CASES

cp "$journal" "$work/torn.jsonl"
$py "$here/jtool.py" tear "$work/torn.jsonl"
"$TEJUN" verify-log "$work/torn.jsonl" >"$work/torn.out" 2>&1
check "torn last line: exit 0 (a crash)" [ $? = 0 ]
check "torn last line: not tampering" grep -q "not tampering" "$work/torn.out"
"$TEJUN" report "$work/torn.jsonl" >"$work/torn.md" 2>/dev/null
check "torn: report exits 0 and calls it a crash" bash -c "[ $? = 0 ] && grep -q 'torn (a crash, not tampering)' '$work/torn.md'"
finish
