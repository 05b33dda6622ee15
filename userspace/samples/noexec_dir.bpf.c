// SPDX-License-Identifier: GPL-2.0
/*
 * krsi sample - forbid executing files from given directories
 *
 * On bprm_check_security, an executable whose directory (its direct parent)
 * is a key of the "noexec_dirs" hash map, {device, inode number} of that
 * directory, fails to exec with EACCES. The loader fills the map, e.g. with
 * stat() of /tmp.
 */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "krsi_policy.h"

char _license[] SEC("license") = "GPL";

struct dir_key {
	__u64 dev;	/* the directory's superblock s_dev */
	__u64 ino;	/* its inode number */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct dir_key);
	__type(value, __u8);
} noexec_dirs SEC(".maps");

SEC("lsm/bprm_check_security")
int BPF_PROG(noexec_dir, struct linux_binprm *bprm)
{
	struct inode *dir = BPF_CORE_READ(bprm, file, f_path.dentry, d_parent, d_inode);
	struct dir_key key = {
		.dev = BPF_CORE_READ(dir, i_sb, s_dev),
		.ino = BPF_CORE_READ(dir, i_ino),
	};

	return DENY_IF(bpf_map_lookup_elem(&noexec_dirs, &key), -EACCES);
}
