// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of the LSM's registration and its securityfs tree
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define LSM_FILE "/sys/kernel/security/lsm"
#define HOOK_DIR "/sys/kernel/security/bpf"
/* Written by the kernel build (hookgen), put into the guest by scripts/vm-run. */
#define HOOK_LIST "/krsi/hooks.list"
/* The one control file beside the hook files. */
#define STATUS_NAME "status"
#define CONTROL_NAME "control"

#define MAX_HOOKS 1024

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads one name per line; returns the count, sorted, or -1. */
static int read_list(const char *path, char **names)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (n < MAX_HOOKS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			names[n++] = strdup(line);
	}
	fclose(f);
	qsort(names, n, sizeof(*names), cmp_str);
	return n;
}

/* Reads the entries of HOOK_DIR but status and control; returns the count, sorted, or -1. */
static int read_hook_dir(char **names)
{
	DIR *d = opendir(HOOK_DIR);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while (n < MAX_HOOKS && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, STATUS_NAME) && strcmp(e->d_name, CONTROL_NAME))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	return n;
}

TEST(lsm_is_listed)
{
	char buf[4096] = {}, *tok, *save;
	int fd, found = 0;
	ssize_t len;

	fd = open(LSM_FILE, O_RDONLY);
	ASSERT_LE(0, fd);
	len = read(fd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, len);
	close(fd);
	TH_LOG("%s: %s", LSM_FILE, buf);
	for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		found += !strcmp(tok, "krsi");
	EXPECT_EQ(1, found);
}

TEST(one_file_per_attachable_hook)
{
	static char *want[MAX_HOOKS], *got[MAX_HOOKS];
	int nwant, ngot, i;

	nwant = read_list(HOOK_LIST, want);
	ASSERT_LT(0, nwant);
	ngot = read_hook_dir(got);
	ASSERT_LT(0, ngot);
	TH_LOG("%d files, %d attachable hooks", ngot, nwant);
	for (i = 0; i < nwant && i < ngot; i++) {
		if (strcmp(want[i], got[i])) {
			TH_LOG("first difference: hook list has %s, directory has %s",
			       want[i], got[i]);
			break;
		}
	}
	EXPECT_EQ(nwant, ngot);
	EXPECT_EQ(nwant, i);
}

TEST(disabled_hooks_have_no_file)
{
	/* bpf_lsm_disabled_hooks in kernel/bpf/bpf_lsm.c */
	static const char *const disabled[] = {
		"vm_enough_memory", "inode_getsecurity", "getprocattr",
		"setprocattr", "ismaclabel", "getselfattr",
	};
	char path[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(disabled); i++) {
		snprintf(path, sizeof(path), "%s/%s", HOOK_DIR, disabled[i]);
		EXPECT_EQ(-1, access(path, F_OK));
		EXPECT_EQ(ENOENT, errno);
	}
	/* Some well-known hooks that must have one. */
	EXPECT_EQ(0, access(HOOK_DIR "/file_open", F_OK));
	EXPECT_EQ(0, access(HOOK_DIR "/bprm_check_security", F_OK));
	EXPECT_EQ(0, access(HOOK_DIR "/socket_connect", F_OK));
	EXPECT_EQ(0, access(HOOK_DIR "/path_unlink", F_OK));
}

TEST(files_are_root_owned_0600)
{
	static char *names[MAX_HOOKS];
	char path[256];
	struct stat st;
	int n, i, bad = 0;

	ASSERT_EQ(0, stat(HOOK_DIR, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	n = read_hook_dir(names);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", HOOK_DIR, names[i]);
		ASSERT_EQ(0, stat(path, &st));
		if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0600 ||
		    st.st_uid != 0 || st.st_gid != 0) {
			TH_LOG("%s: mode %o uid %d gid %d", path, st.st_mode,
			       st.st_uid, st.st_gid);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
	/* The status file is read-only. */
	ASSERT_EQ(0, stat(HOOK_DIR "/" STATUS_NAME, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0400, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	/* The control file is root's, like the hook files. */
	ASSERT_EQ(0, stat(HOOK_DIR "/" CONTROL_NAME, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

/* Opens @path with @flags as uid/gid 65534 in a child; returns the child's errno. */
static int open_unprivileged(const char *path, int flags)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(255);
		if (open(path, flags) >= 0)
			_exit(0);
		_exit(errno);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(unprivileged_cannot_open)
{
	EXPECT_EQ(EACCES, open_unprivileged(HOOK_DIR "/file_open", O_WRONLY));
	EXPECT_EQ(EACCES, open_unprivileged(HOOK_DIR "/file_open", O_RDWR));
	EXPECT_EQ(EACCES, open_unprivileged(HOOK_DIR "/file_open", O_RDONLY));
	EXPECT_EQ(EACCES, open_unprivileged(HOOK_DIR "/task_kill", O_WRONLY));
	EXPECT_EQ(EACCES, open_unprivileged(HOOK_DIR "/" STATUS_NAME, O_RDONLY));
	EXPECT_EQ(EACCES, open_unprivileged(HOOK_DIR "/" CONTROL_NAME, O_WRONLY));
	EXPECT_EQ(EACCES, open_unprivileged(HOOK_DIR "/" CONTROL_NAME, O_RDONLY));
}

TEST(root_can_open)
{
	int fd = open(HOOK_DIR "/file_open", O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
