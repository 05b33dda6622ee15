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
cp /krsi/selftests/krsi_bpftool.bpf.o /root/policy.bpf.o
touch /tmp/krsi-bt /tmp/other
cd /root
echo '$ krsictl attach file_open policy.bpf.o'
krsictl attach file_open policy.bpf.o
echo '$ cat /tmp/krsi-bt'
cat /tmp/krsi-bt && { echo "UNEXPECTED: allowed"; exit 1; }
echo '$ cat /tmp/other   # allowed'
cat /tmp/other
echo '$ krsictl list'
krsictl list
id=$(krsictl --json list file_open | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
echo "\$ krsictl detach file_open $id"
krsictl detach file_open "$id"
echo '$ cat /tmp/krsi-bt   # allowed again'
cat /tmp/krsi-bt && echo "(empty file, opened fine)"
echo
echo "The same from a shell: echo /sys/fs/bpf/<pin> > $hook; cat $hook; echo \"detach <id>\" > $hook"
