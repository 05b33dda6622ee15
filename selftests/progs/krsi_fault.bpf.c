// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - BPF LSM programs for the allocation-failure and torture selftests
 *
 * The allow programs never act: the fault tests only attach, detach and list
 * them. The torture programs deny opening files named "krsi-torture", each
 * with its own errno, so that every result a caller sees names the chain
 * that gave it.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "krsi_common.bpf.h"

#define EPERM 1
#define EACCES 13
#define EROFS 30

char _license[] SEC("license") = "GPL";


SEC("lsm/socket_connect")
int BPF_PROG(allow_connect, struct socket *sock, struct sockaddr *address, int addrlen)
{
	return 0;
}

SEC("lsm.s/socket_connect")
int BPF_PROG(allow_connect_s, struct socket *sock, struct sockaddr *address, int addrlen)
{
	return 0;
}

SEC("lsm/task_kill")
int BPF_PROG(allow_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred)
{
	return 0;
}

static __always_inline bool is_torture(struct file *file)
{
	return FILE_IS(file, "krsi-torture");
}

SEC("lsm/file_open")
int BPF_PROG(torture_allow, struct file *file)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(torture_eperm, struct file *file)
{
	return DENY_IF(is_torture(file), -EPERM);
}

SEC("lsm/file_open")
int BPF_PROG(torture_eacces, struct file *file)
{
	return DENY_IF(is_torture(file), -EACCES);
}

SEC("lsm.s/file_open")
int BPF_PROG(torture_erofs_s, struct file *file)
{
	return DENY_IF(is_torture(file), -EROFS);
}
