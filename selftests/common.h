/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krsi - helpers the selftests share
 */

#ifndef KRSI_SELFTESTS_COMMON_H
#define KRSI_SELFTESTS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define HOOK_DIR "/sys/kernel/security/bpf/"

/* Opens @path read-only, creating it if needed, and closes it; returns 0 or errno. */
static inline int try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CREAT, 0644);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

#endif /* KRSI_SELFTESTS_COMMON_H */
