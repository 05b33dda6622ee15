// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - protect files by name
 *
 * On file_open, opening any file named "secret.txt" (in any directory) fails
 * with EPERM. The smallest useful policy, which "make" shows:
 *   krsictl attach file_open protect_name.bpf.o
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "krsi_policy.h"

char _license[] SEC("license") = "GPL";

static const char protected_name[] = "secret.txt";

SEC("lsm/file_open")
int BPF_PROG(protect_name, struct file *file)
{
	/*
	 * One byte more than the name with its NUL: a longer name, which the
	 * read truncates, then has a character where the NUL must be.
	 */
	char name[sizeof(protected_name) + 1] = {};
	bool same = true;
	unsigned int i;

	bpf_probe_read_kernel_str(name, sizeof(name),
				  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	for (i = 0; i < sizeof(protected_name); i++)
		if (name[i] != protected_name[i])
			same = false;
	return DENY_IF(same, -EPERM);
}
