#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - what "make" shows in the booted guest: krsi registered and its hook tree.

set -e
echo
echo "== LSMs active in this kernel (/sys/kernel/security/lsm):"
cat /sys/kernel/security/lsm; echo
echo "== krsi's boot message:"
dmesg | grep -i krsi
echo "== /sys/kernel/security/bpf/ holds $(ls /sys/kernel/security/bpf | wc -l) hook files, e.g.:"
ls -l /sys/kernel/security/bpf | grep -E ' (file_open|bprm_check_security|socket_connect|task_kill)$'
