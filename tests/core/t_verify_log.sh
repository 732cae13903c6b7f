#!/usr/bin/env bash
# verify-log: an intact journal exits 0; a changed, removed or inserted line exits 1 and names
# the first bad line; --resume refuses a tampered journal.
. "$(dirname "$0")/lib.sh"
d="$tmp/work"
mkdir -p "$d"
printf 'go: yes\npromote: prod-aurora\n' >"$tmp/answers"
run "$RB/confirm.lua" --param dir="$d" --answers "$tmp/answers"
expect_rc 0 "a session to verify"
J=$(journal)
n=$(wc -l <"$J")
[ "$n" -ge 12 ] || die "expected a longer journal, got $n lines"
expect_eq "the journal is private (0600)" 600 "$(stat -c %a "$J")"
expect_eq "the log dir is private (0700)" 700 "$(stat -c %a "$LOGS")"

tj verify-log --log-dir "$LOGS" "$(session_of "$J")"
expect_rc 0 "verify-log by session id"
expect_has "verify-log: intact" "intact ($n lines, last seq $n)" "$out"

# verify_copy NAME: runs verify-log on $tmp/NAME.jsonl
verify_copy() { tj verify-log "$tmp/$1.jsonl"; }

# a changed byte in line 5 (the text stays valid JSON)
sed '5s/"seq":5,/"seq":5, /' "$J" >"$tmp/changed.jsonl"
cmp -s "$J" "$tmp/changed.jsonl" && die "the edit did not change line 5"
verify_copy changed
expect_rc 1 "changed line"
expect_has "changed line: named" "TAMPERED: line 5 (seq 5): hash does not match its content: line changed" "$out"
expect_has "changed line: what is still good" "(the 4 lines before it are intact)" "$out"

# an answer changed from no to yes is a changed line too
ans=$(grep -n '"type":"answer"' "$J" | head -n 1 | cut -d: -f1)
sed "${ans}s/\"ok\":true/\"ok\":false/" "$J" >"$tmp/answer.jsonl"
verify_copy answer
expect_rc 1 "changed answer"
expect_has "changed answer: named" "line $ans (seq $ans)" "$out"

# a removed line
sed '7d' "$J" >"$tmp/removed.jsonl"
verify_copy removed
expect_rc 1 "removed line"
expect_has "removed line: named" "TAMPERED: line 7: seq 8 where 7 was expected: 1 line(s) removed before it" "$out"

# an inserted (duplicated) line
sed '6p' "$J" >"$tmp/inserted.jsonl"
verify_copy inserted
expect_rc 1 "inserted line"
expect_has "inserted line: named" "TAMPERED: line 7: seq 6 repeats or goes back (expected 7): line inserted" "$out"

# a line that is not a journal line
sed '3a hello, I was not here' "$J" >"$tmp/garbage.jsonl"
verify_copy garbage
expect_rc 1 "garbage line"
expect_has "garbage line: named" "line 4 is not a journal line" "$out"

# --resume refuses a tampered journal
cp "$tmp/removed.jsonl" "$LOGS/tampered.jsonl"
tj run "$RB/confirm.lua" --no-tui --log-dir "$LOGS" --resume tampered --param dir="$d"
expect_rc 2 "resume a tampered journal"
expect_has "resume a tampered journal: refused with the reason" "is damaged, refusing to resume" "$err"

finish
