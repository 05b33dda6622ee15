#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - after the selftests (scripts/vm-run runs it after the runner): on a
# kernel with kmemleak (the debug kernel of selftests/config-debug), scan and
# print every unreferenced object, which scripts/console-scan counts as a
# failure. It does not scan at boot: boot leaves nothing.

kmemleak=/sys/kernel/debug/kmemleak

grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -e $kmemleak ] || exit 0
# An object is reported by a scan that finds it unreferenced, unchanged since
# the scan before and at least 5 s old when the scan starts. The first scan
# (4 s in the debug kernel) notes every object's contents; the second starts
# 5.1 s after the tests at the earliest.
start=$(cut -d' ' -f1 /proc/uptime)
echo scan > $kmemleak || exit 1
sleep "$(awk -v start="$start" '{ w = start + 5.1 - $1; printf "%.2f", (w > 0 ? w : 0) }' /proc/uptime)"
echo scan > $kmemleak || exit 1
cat $kmemleak
echo "# kmemleak: scanned"
