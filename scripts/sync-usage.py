#!/usr/bin/env python3
"""scripts/sync-usage.py — rewrites the first ``` block after each "## CMD" heading of
docs/usage.md with `bin/tldrlab CMD --help` (tests/cli.sh checks they agree).
Run from the repository root after changing a help text."""
import re, subprocess, sys
p = 'docs/usage.md'
lines = open(p).read().split('\n')
out = []; i = 0
cmds = set(l.split()[0] for l in subprocess.run(['bin/tldrlab', '--help'], capture_output=True, text=True).stdout.split('commands:')[1].split('\n\n')[0].splitlines() if l.startswith('  ') and l.split())
while i < len(lines):
    l = lines[i]; out.append(l); i += 1
    m = re.match(r'^## (\S+)$', l)
    if m and m.group(1) in cmds:
        while i < len(lines) and lines[i] != '```':
            out.append(lines[i]); i += 1
        out.append(lines[i]); i += 1
        while lines[i] != '```':
            i += 1
        h = subprocess.run(['bin/tldrlab', m.group(1), '--help'], capture_output=True, text=True).stdout
        out.extend(h.rstrip('\n').split('\n'))
text = '\n'.join(out)
# the command list: the block after "$ bin/tldrlab --help"
top = subprocess.run(['bin/tldrlab', '--help'], capture_output=True, text=True).stdout.rstrip('\n')
text = re.sub(r'(\$ bin/tldrlab --help\n)(.*?)(\n```)', lambda m: m.group(1) + top + m.group(3), text, count=1, flags=re.S)
open(p, 'w').write(text)
