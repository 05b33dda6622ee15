#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - run every selftest in this directory inside the guest; each prints KTAP.
# The lock test runs last, since nothing can be attached after it until reboot;
# the lockdown test runs in a boot of its own (scripts/check).
#
# On a kernel with kmemleak (the debug kernel of selftests/config-debug),
# kmemleak scans after the tests and prints every unreferenced object, which
# scripts/console-scan counts as a failure. (It does not scan at boot: two
# scans take 50 s of the debug kernel's time, and boot leaves nothing.)

dir=$(dirname "$0")
kmemleak=/sys/kernel/debug/kmemleak
status=0

grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

run() {
	"$1"
	rc=$?
	echo "# krsi-selftest: $(basename "$1") exit=$rc"
	[ "$rc" -eq 0 ] || status=1
}

# krsi_lock_test locks krsi until reboot: it runs after every other test.
# krsi_lockdown_test raises lockdown until reboot: scripts/check runs it in a
# boot of its own.
for t in "$dir"/*_test; do
	case $(basename "$t") in
	krsi_lock_test | krsi_lockdown_test) continue ;;
	esac
	[ -x "$t" ] && run "$t"
done
run "$dir"/krsi_lock_test

if [ -e $kmemleak ]; then
	# Objects younger than 5 s are not reported; RCU callbacks free late.
	# An object is reported when two scans found it unreferenced and unchanged.
	sleep 6
	{ echo scan > $kmemleak && echo scan > $kmemleak; } || status=1
	cat $kmemleak
	echo "# kmemleak: scanned"
fi
exit $status
