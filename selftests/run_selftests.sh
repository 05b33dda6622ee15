#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - run every selftest in this directory inside the guest; each prints KTAP.

dir=$(dirname "$0")
status=0
for t in "$dir"/*_test; do
	[ -x "$t" ] || continue
	"$t"
	rc=$?
	echo "# krsi-selftest: $(basename "$t") exit=$rc"
	[ "$rc" -eq 0 ] || status=1
done
exit $status
