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
# (5 s in the debug kernel) notes every object's contents; the second starts
# 7 s (whole seconds, so at least 6) after the tests at the earliest, once
# RCU callbacks, which free late, have run.
start=$(cut -d. -f1 /proc/uptime)
echo scan > $kmemleak || exit 1
now=$(cut -d. -f1 /proc/uptime)
[ $((now - start)) -ge 7 ] || sleep $((start + 7 - now))
echo scan > $kmemleak || exit 1
cat $kmemleak
echo "# kmemleak: scanned"
