#!/usr/bin/env bash
# The layering rules of docs/architecture.md, checked on the sources: which folder may
# include which, Lua headers only where Lua is hosted or bound, curses only under ui/, and
# no two folders (or files of different modules) that include each other.
set -uo pipefail
top=${TEJUN_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
bad=0
say() { echo "FAIL: $*"; bad=1; }

# folder -> the folders its includes may name (itself always)
declare -A may=(
  [core]="core"
  [mysql]="core"
  [aws]="core"
  [review]="core"
  [ui]="core"
  [lua]="core mysql aws"
  [cmd]="core mysql aws lua review ui"
)
folder_of() { case $1 in ui/*) echo ui ;; src/*/*) p=${1#src/}; echo "${p%%/*}" ;; *) echo "?" ;; esac; }

files=$(find src ui -name '*.[ch]' | sort)
for f in $files; do
  from=$(folder_of "$f")
  [ "$from" = "?" ] && { say "$f is in no layer folder"; continue; }
  while IFS= read -r inc; do
    to=${inc%%/*}
    [ "$to" = "$inc" ] && { [ "$inc" = config.h ] || say "$f includes \"$inc\" without its folder"; continue; }
    [ "$to" = "$from" ] && continue
    case " ${may[$from]} " in *" $to "*) ;; *) say "$f ($from) includes \"$inc\": $from may include only ${may[$from]}" ;; esac
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  # system headers: Lua where the engine hosts it (core) or bindings live (lua, cmd's tests
  # of it), curses only in ui/
  if grep -qE '^#include <(lua|lauxlib|lualib)\.h>' "$f"; then
    case $from in core|lua) ;; *) say "$f includes a Lua header: only src/core (the engine hosts Lua) and src/lua may" ;; esac
  fi
  if grep -qE '^#include <(n?curses|ncursesw/curses|term)\.h>' "$f"; then
    [ "$from" = ui ] || say "$f includes curses: only ui/ may"
  fi
done

# the folder graph has no cycle of two (the table above already rules out longer ones)
for a in "${!may[@]}"; do
  for b in ${may[$a]}; do
    case " ${may[$b]:-} " in *" $a "*) [ "$a" != "$b" ] && say "$a and $b may include each other" ;; esac
  done
done

# within a folder, two headers of different modules must not include each other
for h in $(find src ui -name '*.h' | sort); do
  for inc in $(sed -n 's/^#include "\([^"]*\.h\)".*/\1/p' "$h"); do
    g=src/$inc; [ -f "$g" ] || g=$inc
    [ -f "$g" ] && grep -q "^#include \"${h#src/}\"" "$g" && say "$h and $g include each other"
  done
done

[ $bad = 0 ] && echo "ok - every include follows the layers (core < mysql, aws, review, ui < lua < cmd)"
exit $bad
