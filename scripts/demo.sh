#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# krsi - what "make" shows in the booted guest: krsi registered, its hook
# tree, and a policy attached from the shell denying an open.

set -e
hook=/sys/kernel/security/bpf/file_open
echo
echo "== LSMs active in this kernel (/sys/kernel/security/lsm):"
cat /sys/kernel/security/lsm; echo
echo "== krsi's boot message:"
dmesg | grep -i krsi
echo "== /sys/kernel/security/bpf/ holds $(ls /sys/kernel/security/bpf | grep -vx status | wc -l) hook files, e.g.:"
ls -l /sys/kernel/security/bpf | grep -E ' (file_open|bprm_check_security|socket_connect|task_kill)$'
echo
echo "== A policy: deny opening files named krsi-bt (selftests/progs/krsi_bpftool.bpf.c)"
touch /tmp/krsi-bt /tmp/other
echo '$ bpftool prog load krsi_bpftool.bpf.o /sys/fs/bpf/deny_bt type lsm'
bpftool prog load /krsi/selftests/krsi_bpftool.bpf.o /sys/fs/bpf/deny_bt type lsm
echo "\$ echo /sys/fs/bpf/deny_bt > $hook"
echo /sys/fs/bpf/deny_bt > $hook
echo '$ cat /tmp/krsi-bt'
cat /tmp/krsi-bt && { echo "UNEXPECTED: allowed"; exit 1; }
echo '$ cat /tmp/other   # allowed'
cat /tmp/other
echo "\$ cat $hook"
cat $hook
id=$(cut -d' ' -f1 $hook)
echo "\$ echo detach $id > $hook"
echo "detach $id" > $hook
echo '$ cat /tmp/krsi-bt   # allowed again'
cat /tmp/krsi-bt && echo "(empty file, opened fine)"
