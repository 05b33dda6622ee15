// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - one program for the bpftool test: bpftool prog load pins the first
 * program of an object, so this object has exactly one.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define EPERM 1

char _license[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(bpftool_deny, struct file *file)
{
	char buf[16] = {};
	bpf_probe_read_kernel_str(buf, sizeof(buf),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	volatile long ret = 0;	/* a branch, not a negation: see krsi_test.bpf.c */

	if (buf[0] == 'k' && buf[1] == 'r' && buf[2] == 's' && buf[3] == 'i' &&
	    buf[4] == '-' && buf[5] == 'b' && buf[6] == 't' && buf[7] == 0)
		ret = -EPERM;
	return ret;
}
