/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krsi - what the selftests' BPF programs share: a denial the 6.12 verifier
 * accepts, and matching the file name a program acts on
 *
 * Included after vmlinux.h and the libbpf headers.
 */

#ifndef KRSI_COMMON_BPF_H
#define KRSI_COMMON_BPF_H

/*
 * Returns @err if @cond, else 0. Written so that clang keeps a branch: it
 * turns "cond ? -1 : 0" into a negation, after which the 6.12 verifier no
 * longer knows that the result is within [-4095, 0] and refuses the program.
 */
#define DENY_IF(cond, err) ({ volatile long __ret = 0; if (cond) __ret = (err); (int)__ret; })

/* Whether the dentry's name is @name (@len bytes, at most 31). */
static __always_inline bool name_is(struct dentry *dentry, const char *name, int len)
{
	char buf[32] = {};
	int i;

	bpf_probe_read_kernel_str(buf, sizeof(buf), BPF_CORE_READ(dentry, d_name.name));
	for (i = 0; i < len && i < (int)sizeof(buf); i++)
		if (buf[i] != name[i])
			return false;
	return buf[len] == 0;
}

/* Whether @dentry is named by the string literal @lit. */
#define NAME_IS(dentry, lit) name_is(dentry, lit, sizeof(lit) - 1)

/* Whether the opened @file is named by the string literal @lit. */
#define FILE_IS(file, lit) NAME_IS((file)->f_path.dentry, lit)

#endif /* KRSI_COMMON_BPF_H */
