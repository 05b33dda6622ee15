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
echo "== A sample policy: protect files named secret.txt (userspace/samples/protect_name.bpf.c)"
cp /krsi/selftests/samples/protect_name.bpf.o /root/
echo "top secret" > /tmp/secret.txt
echo "nothing to hide" > /tmp/notes.txt
cd /root
echo '$ krsictl attach file_open protect_name.bpf.o'
krsictl attach file_open protect_name.bpf.o
echo '$ cat /tmp/secret.txt'
cat /tmp/secret.txt && { echo "UNEXPECTED: allowed"; exit 1; }
echo '$ cat /tmp/notes.txt'
cat /tmp/notes.txt
echo '$ krsictl list'
krsictl list
id=$(krsictl --json list file_open | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
echo "\$ krsictl detach file_open $id"
krsictl detach file_open "$id"
echo '$ cat /tmp/secret.txt'
cat /tmp/secret.txt
echo
echo "The same from a shell: echo /sys/fs/bpf/<pin> > $hook; cat $hook; echo \"detach <id>\" > $hook"
