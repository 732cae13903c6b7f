"""Review test helper: facts from a journal read independently of tejun, and tampering.

  jtool.py steps JOURNAL          one line per step: id, status, duration as the report prints it
  jtool.py answers JOURNAL        one line per answered prompt: step, operator, answer
  jtool.py downtime JOURNAL       duration of the Maintenance window as the report prints it
  jtool.py edit JOURNAL LINE      flips one character of LINE's data (a changed line)
  jtool.py tear JOURNAL           cuts the last line in half (a crash)
  jtool.py drop JOURNAL LINE      removes LINE (a removed line)
  jtool.py dup JOURNAL LINE       writes LINE twice (an inserted line: seq repeats)
  jtool.py garble JOURNAL LINE    puts a line of text before LINE (not a journal line)
"""
import calendar
import json
import sys


def ts(s):
    # the same arithmetic as journal_parse_ts: whole seconds + ms / 1000
    return calendar.timegm((int(s[0:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:19]))) + int(s[20:23]) / 1000.0


def secs(x):
    if x < 60:
        return "%.1f s" % x
    x = int(x)
    return "%02d:%02d:%02d" % (x // 3600, x // 60 % 60, x % 60)


def events(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def steps(path):
    evs = events(path)
    order = [s["id"] for s in evs[0]["data"]["steps"]]
    start, end, status = {}, {}, {}
    for e in evs:
        if e["type"] == "step_start":
            start.setdefault(e["step"], ts(e["ts"]))
        elif e["type"] == "step_end":
            end[e["step"]] = ts(e["ts"])
            status[e["step"]] = e["data"]["state"]
            start.setdefault(e["step"], ts(e["ts"]))
    for s in order:
        if s in end:
            print(s, status[s], secs(end[s] - start[s]), sep="\t")
        else:
            print(s, "not run", "-", sep="\t")


def answers(path):
    prompts = {}
    for e in events(path):
        if e["type"] == "prompt":
            prompts[e["data"]["id"]] = e
        elif e["type"] == "answer":
            p = prompts[e["data"]["id"]]
            print(p["step"], e["data"]["operator"], e["data"]["answer"], p["data"]["text"], sep="\t")


def downtime(path):
    evs = events(path)
    maint = {s["id"] for s in evs[0]["data"]["steps"] if s["phase"].lower() == "maintenance"}
    times = [ts(e["ts"]) for e in evs if e.get("step") in maint and e["type"] in ("step_start", "step_end")]
    print(secs(max(times) - min(times)) if times else "no Maintenance phase")


def edit(path, lineno):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    line = lines[lineno - 1]
    i = line.index('"data":') + 9
    c = line[i]
    lines[lineno - 1] = line[:i] + ("x" if c != "x" else "y") + line[i + 1:]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def rewrite(path, lineno, fn):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    lines[lineno - 1:lineno] = fn(lines[lineno - 1])
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def tear(path):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


if __name__ == "__main__":
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "edit":
        edit(path, int(sys.argv[3]))
    elif cmd == "drop":
        rewrite(path, int(sys.argv[3]), lambda l: [])
    elif cmd == "dup":
        rewrite(path, int(sys.argv[3]), lambda l: [l, l])
    elif cmd == "garble":
        rewrite(path, int(sys.argv[3]), lambda l: ["rm -rf / # not a journal line\n", l])
    else:
        {"steps": steps, "answers": answers, "downtime": downtime, "tear": tear}[cmd](path)
