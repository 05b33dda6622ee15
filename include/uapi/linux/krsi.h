/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * krsi - ioctls on /sys/kernel/security/bpf/<hook> files
 *
 * Attach a BPF LSM program by file descriptor, detach one by program id.
 * Both need the hook file open for writing and CAP_MAC_ADMIN in the initial
 * user namespace. The structs hold no pointer and have the same layout for
 * 32-bit and 64-bit userspace. See Documentation/krsi.rst.
 */

#ifndef _UAPI_LINUX_KRSI_H
#define _UAPI_LINUX_KRSI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct krsi_attach - argument of KRSI_IOC_ATTACH, which returns the
 * attached program's id (as listed, and for detaching)
 * @size: sizeof(struct krsi_attach)
 * @flags: must be 0
 * @prog_fd: file descriptor of a loaded BPF_PROG_TYPE_LSM program
 * @reserved: must be 0
 */
struct krsi_attach {
	__u32 size;
	__u32 flags;
	__s32 prog_fd;
	__u32 reserved;
};

/**
 * struct krsi_detach - argument of KRSI_IOC_DETACH
 * @size: sizeof(struct krsi_detach)
 * @flags: must be 0
 * @prog_id: id of the program to detach
 * @reserved: must be 0
 */
struct krsi_detach {
	__u32 size;
	__u32 flags;
	__u32 prog_id;
	__u32 reserved;
};

/* Free in Documentation/userspace-api/ioctl/ioctl-number.rst of 6.12. */
#define KRSI_IOC_MAGIC 0xb9
#define KRSI_IOC_ATTACH _IOW(KRSI_IOC_MAGIC, 1, struct krsi_attach)
#define KRSI_IOC_DETACH _IOW(KRSI_IOC_MAGIC, 2, struct krsi_detach)

/* Most programs one hook runs. */
#define KRSI_MAX_PROGS 64

#endif /* _UAPI_LINUX_KRSI_H */
