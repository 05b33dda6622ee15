#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# krsi - instructions per operation by function: the window of run B less the
# window of run A, from hotblocks.c's snapshots and the kernel's System.map.
#
# Usage: profdiff.py [--only WORD] SYSTEM.MAP OPS A.out B.out [MIN]
# where X.out.0 and X.out.1 are the snapshots around the window of OPS
# operations; prints the functions whose difference is at least MIN (1).
# An empty A means none (B's window alone); --only keeps the functions
# whose name holds WORD.

import bisect
import sys


def load(path):
    blocks = {}
    with open(path) as f:
        for line in f:
            vaddr, insns, count = line.split()
            key = (int(vaddr, 16), int(insns))
            blocks[key] = blocks.get(key, 0) + int(count)
    return blocks


def symbols(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return [s[0] for s in syms], [s[1] for s in syms]


def main():
    args = sys.argv[1:]
    only = None
    if args[0] == "--only":
        only, args = args[1], args[2:]
    smap, ops, a, b = args[0], float(args[1]), args[2], args[3]
    least = float(args[4]) if len(args) > 4 else 1.0
    addrs, names = symbols(smap)

    def name(vaddr):
        if vaddr < 1 << 63:
            return "(user space)"
        i = bisect.bisect_right(addrs, vaddr) - 1
        if i >= 0 and vaddr - addrs[i] < 0x10000:
            return names[i]
        # BPF programs and trampolines live outside the kernel image.
        return "(JIT code, page %x)" % (vaddr & ~0xFFF)

    def window(prefix):
        before, after = load(prefix + ".0"), load(prefix + ".1")
        per = {}
        for key, count in after.items():
            n = (count - before.get(key, 0)) * key[1]
            if n:
                per[name(key[0])] = per.get(name(key[0]), 0) + n
        return per

    wa, wb = window(a) if a else {}, window(b)
    if only:
        wa = {k: v for k, v in wa.items() if only in k}
        wb = {k: v for k, v in wb.items() if only in k}
    rows = [((wb.get(k, 0) - wa.get(k, 0)) / ops, k) for k in set(wa) | set(wb)]
    rows.sort(key=lambda r: -abs(r[0]))
    for d, k in rows:
        if abs(d) >= least:
            print("%9.1f  %s" % (d, k))
    what = "total (B - A)" if a else "total"
    if only:
        what += " in functions named *%s*" % only
    print("%9.1f  %s, per operation" % ((sum(wb.values()) - sum(wa.values())) / ops, what))


if __name__ == "__main__":
    main()
