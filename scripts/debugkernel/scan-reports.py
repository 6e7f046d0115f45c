#!/usr/bin/env python3
"""Find debug-kernel reports in a rig serial log and attribute them.

Usage: scan-reports.py SERIAL_LOG MARKDOWN_OUT FULL_OUT [SERIAL_LOG...]

More serial logs (boots side by side) after FULL_OUT: their reports are
added up, and "collected" needs every boot's collect step.

Reads what tests/scenarios/debug/99-collect.sh printed (RIG-SPLAT and
RIG-KMEMLEAK lines, RIG-DEBUG-COLLECTED) plus the RIG-KMEMLEAK lines that
rig_domu_stop prints on flavour debug. Without RIG-DEBUG-COLLECTED (dom0
died, timeout) it falls back to the raw serial lines (dom0's console).
Writes a markdown section (MARKDOWN_OUT), every report in full (FULL_OUT),
and prints verdict lines "  PASS|FAIL|SKIP debug/<what>: <reason>".
A report is "ours" when its text names an xbb_/xbf_/xenblk_ function.
"""
import re
import sys

STAMP = re.compile(r'^\[\s*[0-9.]+\] ?')
DETECTORS = [  # (name, pattern opening a report), first match wins
    ('kasan', r'BUG: KASAN'),
    ('kfence', r'BUG: KFENCE'),
    ('lockdep', r'WARNING: possible|inconsistent lock state|possible circular locking'),
    ('ubsan', r'UBSAN:'),
    ('atomic-sleep', r'BUG: sleeping function called from invalid context|BUG: scheduling while atomic'),
    ('slub', r'BUG [a-zA-Z0-9_:.()-]+ \('),
    ('odebug', r'ODEBUG:'),
    ('list', r'list_(add|del) corruption'),
    ('oops-warn', r'WARNING: CPU:|BUG: unable to handle|Oops|general protection fault|kernel BUG|INFO: task .* blocked'),
]
OPEN = re.compile('|'.join(p for _, p in DETECTORS))
OURS = re.compile(r'\b(xbb|xbf|xenblk)_[A-Za-z0-9_]+')
XENBLK_MOD = re.compile(r'\[xen_blk(back|front)\]')
UNRESOLVED = re.compile(r'\[<ffffffffc[0-9a-f]+>\] 0xffffffffc[0-9a-f]+')


def detector(text):
    for name, pat in DETECTORS:
        if re.search(pat, text):
            return name
    return 'oops-warn'


def attribute(text):
    if OURS.search(text):
        return 'ours'
    if XENBLK_MOD.search(text):
        return 'xen-blk module, no xbb_/xbf_ frame (in-tree driver?)'
    if UNRESOLVED.search(text):
        return 'unresolved module frames (module unloaded)'
    return 'not ours'


def read(path):
    scen = '(boot)'
    for raw in open(path, errors='replace'):
        line = STAMP.sub('', raw.rstrip('\n').replace('\r', ''))
        m = re.match(r'RIG-SCENARIO-BEGIN (\S+)', line)
        if m:
            scen = m.group(1)
        yield scen, line


def collect(path):
    lines = list(read(path))
    collected = any(l == 'RIG-DEBUG-COLLECTED' for _, l in lines)
    reports = []  # dicts: det, where, scen, text(list)
    cur = None
    leak = {}
    seen_leaks = set()
    for scen, line in lines:
        m = re.match(r'RIG-SPLAT (\S+): (.*)$', line)
        if m and collected:
            where, body = m.groups()
            if body == '@@@@':
                cur = {'kind': 'splat', 'where': where, 'scen': '(whole boot)', 'text': []}
                reports.append(cur)
            elif cur is not None:
                cur['text'].append(body)
            continue
        m = re.match(r'RIG-KMEMLEAK (\S+): (.*)$', line)
        if m:
            where, body = m.groups()
            base = re.sub(r'-(loaded|unloaded)$', '', where)
            if body.startswith('unreferenced object'):
                addr = body.split()[2]
                key = (scen, base, addr)
                if key in seen_leaks:
                    leak[where] = None
                    continue
                seen_leaks.add(key)
                leak[where] = {'kind': 'kmemleak', 'where': where, 'scen': scen, 'text': [body]}
                reports.append(leak[where])
            elif leak.get(where) is not None:
                leak[where]['text'].append(body)
            continue
        if not collected and OPEN.search(line) and not line.startswith('RIG-'):
            cur = {'kind': 'serial', 'where': 'serial', 'scen': scen, 'text': [line], 'left': 70}
            reports.append(cur)
        elif not collected and cur is not None and cur.get('left', 0) > 0:
            cur['text'].append(line)
            cur['left'] -= 1
    for r in reports:
        t = '\n'.join(r['text'])
        r['det'] = 'kmemleak' if r['kind'] == 'kmemleak' else detector(r['text'][0] if r['text'] else '')
        r['attr'] = attribute(t)
    return collected, reports, lines


def collect_all(logs):
    collected, reports = True, []
    for i, log in enumerate(logs):
        c, r, _ = collect(log)
        collected = collected and c
        if len(logs) > 1:
            for x in r:
                x['where'] = f"boot {i}: {x['where']}"
        reports.extend(r)
    return collected, reports


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    md_out, full_out = sys.argv[2:4]
    logs = [sys.argv[1]] + sys.argv[4:]
    collected, reports = collect_all(logs)
    with open(full_out, 'w') as f:
        for i, r in enumerate(reports, 1):
            f.write(f"===== report {i}: {r['det']} / {r['attr']} / {r['where']} / {r['scen']}\n")
            f.write('\n'.join(r['text']) + '\n\n')
    names = ['kasan', 'kfence', 'lockdep', 'kmemleak', 'ubsan', 'atomic-sleep', 'slub', 'odebug', 'list', 'oops-warn']
    md = ['## Reports found', '',
          '| detector | ours | not ours / other |', '|---|---|---|']
    for n in names:
        ours = sum(1 for r in reports if r['det'] == n and r['attr'] == 'ours')
        other = sum(1 for r in reports if r['det'] == n and r['attr'] != 'ours')
        md.append(f'| {n} | {ours} | {other} |')
    md.append('')
    if not collected:
        md.append('**The collect step (debug/99-collect) never finished in at least one boot**: its reports come '
                  'from the raw serial log (dom0 console only, no kmemleak scan of dom0).')
        md.append('')
    for i, r in enumerate(reports, 1):
        md.append(f"### {i}. {r['det']}: {r['attr']} ({r['where']}, {r['scen']})")
        md.append('```')
        md.extend(r['text'][:14])
        md.append('```')
    if not reports:
        md.append('No report of any detector in dom0 or any guest.')
    open(md_out, 'w').write('\n'.join(md) + '\n')
    # verdicts
    def verdict(name, dets):
        ours = [r for r in reports if r['det'] in dets and r['attr'] == 'ours']
        unres = [r for r in reports if r['det'] in dets and r['attr'].startswith('unresolved')]
        if ours:
            print(f"  FAIL debug/{name}: {len(ours)} report(s) attributed to our modules, first: {ours[0]['text'][0][:160]}")
        elif unres:
            print(f"  FAIL debug/{name}: {len(unres)} report(s) with unresolved module frames (maybe ours), first: {unres[0]['text'][0][:160]}")
        else:
            print(f"  PASS debug/{name}: 0 reports attributed to our modules "
                  f"({sum(1 for r in reports if r['det'] in dets)} not ours)")
    print('  SKIP debug/kasan: KASAN is not in this kernel (no Xen PV support for KASAN in Linux 6.12, see scripts/debugkernel/xenblk-debug.config)')
    verdict('kfence', ['kfence', 'slub'])
    verdict('lockdep', ['lockdep'])
    verdict('kmemleak', ['kmemleak'])
    verdict('ubsan', ['ubsan'])
    verdict('atomic-sleep', ['atomic-sleep'])
    verdict('other-reports', ['odebug', 'list', 'oops-warn', 'kasan'])
    if collected:
        print('  PASS debug/collected: dom0 and guest logs and kmemleak scans were collected')
    else:
        print('  FAIL debug/collected: debug/99-collect never printed RIG-DEBUG-COLLECTED (in at least one boot)')


if __name__ == '__main__':
    main()
