#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - in the guest: provoke one report of each kind the debug kernel has a
# detector for, through LKDTM (a kernel test facility, not part of krsi), so
# that make check proves scripts/console-scan catches them. Each provocation
# runs in a shell of its own, which an oops may kill; what counts is what the
# console shows, so their exit statuses are not checked.

grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
	mount -t debugfs debugfs /sys/kernel/debug
direct=/sys/kernel/debug/provoke-crash/DIRECT
[ -w $direct ] || { echo "provoke-reports: $direct missing (CONFIG_LKDTM)" >&2; exit 1; }
for crash in WARNING READ_AFTER_FREE ARRAY_BOUNDS CORRUPT_LIST_ADD; do
	sh -c "echo $crash > $direct"
done
exit 0
