#!/usr/bin/env python3
"""Generate stand-in shared libraries for I/O-engine libraries fio links.

Debian's fio links ceph, glusterfs, rdma, pmem and nbd libraries; with their
own dependencies that is ~70 MiB of the domU initramfs. The rig only uses the
libaio/sync engines, so each such library is replaced by a stub with the same
SONAME and symbol versions that defines exactly the symbols fio imports from
it (fio is linked BIND_NOW, so all must resolve). Calling one traps.

usage: mkstubs.py TREE FIO_PATH OUTDIR LIBPATH...   (LIBPATH: path in TREE)
Writes OUTDIR/<soname>.c and OUTDIR/<soname>.map; prints the sonames.
"""
import os
import re
import subprocess
import sys


def dynsyms(path):
    """(name, version, defined, type, size) for each dynamic symbol."""
    out = subprocess.run(['readelf', '--dyn-syms', '-W', path], check=True,
                         capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].rstrip(':').isdigit():
            continue
        size, typ, ndx, name = f[2], f[3], f[6], f[7]
        ver = ''
        m = re.match(r'([^@]+)@@?([^ ]+)', name)
        if m:
            name, ver = m.group(1), m.group(2)
        size = int(size, 0) if not size.startswith('0x') else int(size, 16)
        syms.append((name, ver, ndx != 'UND', typ, size))
    return syms


def soname(path):
    out = subprocess.run(['readelf', '-d', '-W', path], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r'\(SONAME\).*\[(.*)\]', out)
    return m.group(1) if m else os.path.basename(path)


def main():
    tree, fio, outdir, libs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    wanted = {(n, v) for n, v, d, t, s in dynsyms(tree + fio) if not d}
    os.makedirs(outdir, exist_ok=True)
    for lib in libs:
        real = os.path.realpath(tree + lib) if not os.path.islink(tree + lib) \
            else tree + os.path.join(os.path.dirname(lib), os.readlink(tree + lib))
        so = soname(real)
        defs = [(n, v, t, s) for n, v, d, t, s in dynsyms(real) if d]
        byver = {}
        body = []
        for n, v, t, s in defs:
            if (n, v) not in wanted and (n, '') not in wanted:
                continue
            byver.setdefault(v, []).append(n)
            if t == 'OBJECT':
                body.append('char %s[%d] __attribute__((aligned(16)));' % (n, max(s, 1)))
            else:
                body.append('void %s(void) { __builtin_trap(); }' % n)
        with open(os.path.join(outdir, so + '.c'), 'w') as c:
            c.write('/* rig stub for %s: symbols fio imports; calling one traps */\n' % so)
            c.write('\n'.join(sorted(set(body))) + '\n')
        with open(os.path.join(outdir, so + '.map'), 'w') as m:
            vers = sorted(v for v in byver if v)
            for v in vers:
                m.write('%s { global: %s; };\n' % (v, '; '.join(sorted(set(byver[v])))))
            if not vers:
                m.write('{ global: *; };\n')
        print(so)


main()
