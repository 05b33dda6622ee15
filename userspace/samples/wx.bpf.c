// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - W^X: no memory that is writable and executable at once
 *
 * Denies mmap() and mprotect() requests for PROT_WRITE|PROT_EXEC with
 * EACCES, for files and anonymous memory alike. Attach both programs:
 *   krsictl attach --program wx_mmap mmap_file wx.bpf.o
 *   krsictl attach --program wx_mprotect file_mprotect wx.bpf.o
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "krsi_policy.h"

#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

char _license[] SEC("license") = "GPL";

static __always_inline bool wx(unsigned long prot)
{
	return (prot & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC);
}

SEC("lsm/mmap_file")
int BPF_PROG(wx_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags)
{
	return DENY_IF(wx(prot), -EACCES);
}

SEC("lsm/file_mprotect")
int BPF_PROG(wx_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot)
{
	return DENY_IF(wx(prot), -EACCES);
}
