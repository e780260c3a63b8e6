#!/usr/bin/python3
"""world-samples.py WORLD [N_POSTS] [N_ARTICLES] — prints sample posts (with
their titles and references) and news articles (with their highlights) from
a generated world as Markdown, one per subreddit or desk in turn. Used to
refresh the samples in docs/world.md:

    bin/tldrlab world generate --out /tmp/world
    scripts/world-samples.py /tmp/world 8 4
"""
import json
import sys


def take(path, n, key):
    by = {}
    for line in open(path):
        d = json.loads(line)
        by.setdefault(d[key], []).append(d)
    out, k = [], 0
    while len(out) < n and any(k < len(v) for v in by.values()):
        for name in sorted(by):
            if k < len(by[name]) and len(out) < n:
                out.append(by[name][k])
        k += 1
    return out


def quote(text):
    return "\n".join("> " + l if l else ">" for l in text.split("\n"))


def main():
    world = sys.argv[1]
    nposts = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    narts = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    for d in take(world + "/tldr/valid2.jsonl", nposts, "subreddit"):
        print("#### r/%s: %s\n" % (d["subreddit"], d["title"]))
        print(quote(d["post"]) + "\n")
        print("**TL;DR (reference):** %s\n" % d["summary"])
    for d in take(world + "/news/test.jsonl", narts, "site"):
        print("#### %s: %s\n" % (d["site"], d["title"]))
        print(quote(d["article"]) + "\n")
        print("**Highlights (reference):**\n")
        for h in d["highlights"].split("\n"):
            print("- " + h)
        print()


if __name__ == "__main__":
    main()
