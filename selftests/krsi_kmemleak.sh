#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - after the selftests (scripts/vm-run runs it after the runner): on a
# kernel with kmemleak (the debug kernel of selftests/config-debug), scan and
# print every unreferenced object, which scripts/console-scan counts as a
# failure. It does not scan at boot: two scans take 50 s of the debug kernel's
# time, and boot leaves nothing.

kmemleak=/sys/kernel/debug/kmemleak

grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -e $kmemleak ] || exit 0
# Objects younger than 5 s are not reported; RCU callbacks free late. An
# object is reported when two scans found it unreferenced and unchanged.
sleep 6
{ echo scan > $kmemleak && echo scan > $kmemleak; } || exit 1
cat $kmemleak
echo "# kmemleak: scanned"
