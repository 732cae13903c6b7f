#!/usr/bin/python3
"""Column checks on a tmux capture (stdin) for the TUI tests, in display columns.

  screen.py widths COLS          every line is exactly COLS columns wide
  screen.py col TEXT             display column where TEXT starts (first line with it)
  screen.py same-col CHAR A B..  CHAR is at the same column on the lines holding A, B, ...
  screen.py right-edge A B..     the text before the pane divider ends at the same column
"""
import sys
import unicodedata


def width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def line_with(lines, text):
    for ln in lines:
        if text in ln:
            return ln
    sys.exit("no line contains %r" % text)


def main():
    lines = sys.stdin.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "widths":
        want = int(args[0])
        bad = [(i, width(ln), ln) for i, ln in enumerate(lines) if width(ln) != want]
        if bad:
            for i, w, ln in bad:
                print("line %d is %d columns: %s" % (i, w, ln))
            sys.exit(1)
    elif cmd == "col":
        ln = line_with(lines, args[0])
        print(width(ln[: ln.index(args[0])]))
    elif cmd == "same-col":
        ch, texts = args[0], args[1:]
        cols = {}
        for t in texts:
            ln = line_with(lines, t)
            # the first CHAR after the left border
            cols[t] = width(ln[: ln.index(ch, 1)])
        if len(set(cols.values())) != 1:
            sys.exit("%r not aligned: %r" % (ch, cols))
    elif cmd == "right-edge":
        ends = {}
        for t in args:
            ln = line_with(lines, t)
            left = ln[: ln.index("\u2502", 1)]
            ends[t] = width(left.rstrip())
        if len(set(ends.values())) != 1:
            sys.exit("right edges differ: %r" % ends)
    else:
        sys.exit("unknown check " + cmd)


main()
