// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of allocation failures: every operation that allocates
 * is run with its first, second, ... allocation failed (the kernel's per-task
 * fault injection, /proc/thread-self/fail-nth) until it succeeds. After each
 * failure the operation must have failed with ENOMEM or succeeded whole, and
 * changed nothing else: the listings (order, counters) and status are as
 * before. At the end every program must be released: no reference leaked.
 *
 * Needs a kernel with CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (selftests/config-debug); fails without.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define OBJ test_file("krsi_fault.bpf.o")
#define STATUS HOOK_DIR "status"
#define DEBUGFS "/sys/kernel/debug"
/* More allocations than any operation makes; reaching it is a failure. */
#define MAX_NTH 2000

/*
 * Lets fail-nth fail every allocation krsi makes: GFP_KERNEL ones (which may
 * sleep, ignored by default) and order-0 pages (min-order 1 by default),
 * without a stack dump per failure.
 */
static int setup_fault_injection(void)
{
	static const char *const knobs[][2] = {
		{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
		{ DEBUGFS "/failslab/verbose", "0" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ DEBUGFS "/fail_page_alloc/min-order", "0" },
		{ DEBUGFS "/fail_page_alloc/verbose", "0" },
	};
	unsigned int i;
	int err;

	err = access(DEBUGFS "/failslab", F_OK) ? mount_debugfs() : 0;
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		err = write_str(knobs[i][0], knobs[i][1]);
		if (err) {
			fprintf(stderr, "# %s: %s\n", knobs[i][0], strerror(err));
			return err;
		}
	}
	return 0;
}

/* The task's fail-nth file, open for the whole test. */
static int fail_fd = -1;

/* The @n-th fault-injection point this thread passes fails. */
static void arm(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(fail_fd, buf, len, 0) != len)
		abort();
}

/* Disarms; returns whether the armed failure was injected. */
static bool disarm(void)
{
	char buf[16] = {};

	if (pread(fail_fd, buf, sizeof(buf) - 1, 0) <= 0 || pwrite(fail_fd, "0", 1, 0) != 1)
		abort();
	return strtoul(buf, NULL, 10) == 0;
}

/* What the tests compare: the listings of the hooks they use, and status. */
struct state {
	char connect[4096];
	char kill[4096];
	char status[4096];
};

static int get_state(struct state *s)
{
	if (listing("socket_connect", s->connect, sizeof(s->connect)) < 0 ||
	    listing("task_kill", s->kill, sizeof(s->kill)) < 0 ||
	    read_file(STATUS, s->status, sizeof(s->status)) < 0)
		return -1;
	return 0;
}

static bool same_state(const struct state *a, const struct state *b)
{
	return !strcmp(a->connect, b->connect) && !strcmp(a->kill, b->kill) &&
	       !strcmp(a->status, b->status);
}

/* The programs and pins a test uses. */
FIXTURE(fault) {
	struct prog connect, connect_s, kill1, kill2;
	int connect_fd, kill_fd, cg_fd;
};

/* The cgroup the scoped attachments are scoped to. */
#define FAULT_CG "/sys/fs/cgroup/krsi-fault"

#define PIN_CONNECT_S PIN_DIR "krsi_fault_connect_s"
#define PIN_KILL2 PIN_DIR "krsi_fault_kill2"

FIXTURE_SETUP(fault)
{
	ASSERT_EQ(0, setup_fault_injection());
	fail_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_LE(0, fail_fd);
	ASSERT_EQ(0, detach_all("socket_connect"));
	ASSERT_EQ(0, detach_all("task_kill"));
	ASSERT_EQ(0, load_prog(OBJ, "allow_connect", &self->connect));
	ASSERT_EQ(0, load_prog(OBJ, "allow_connect_s", &self->connect_s));
	ASSERT_EQ(0, load_prog(OBJ, "allow_kill", &self->kill1));
	ASSERT_EQ(0, load_prog(OBJ, "allow_kill", &self->kill2));
	unlink(PIN_CONNECT_S);
	unlink(PIN_KILL2);
	ASSERT_EQ(0, bpf_obj_pin(self->connect_s.fd, PIN_CONNECT_S));
	ASSERT_EQ(0, bpf_obj_pin(self->kill2.fd, PIN_KILL2));
	self->connect_fd = open(HOOK_DIR "socket_connect", O_RDWR);
	ASSERT_LE(0, self->connect_fd);
	self->kill_fd = open(HOOK_DIR "task_kill", O_RDWR);
	ASSERT_LE(0, self->kill_fd);
	rmdir(FAULT_CG);
	ASSERT_EQ(0, mkdir(FAULT_CG, 0755));
	self->cg_fd = open(FAULT_CG, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, self->cg_fd);
}

FIXTURE_TEARDOWN(fault)
{
	struct prog *p[] = { &self->connect, &self->connect_s, &self->kill1, &self->kill2 };
	unsigned int i;

	close(self->connect_fd);
	close(self->kill_fd);
	close(self->cg_fd);
	detach_all("socket_connect");
	detach_all("task_kill");
	rmdir(FAULT_CG);
	unlink(PIN_CONNECT_S);
	unlink(PIN_KILL2);
	/* Whatever failed on the way, krsi holds no program reference now. */
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		__u32 id = p[i]->id;

		unload(p[i]);
		EXPECT_TRUE(released(id));
	}
	close(fail_fd);
}

/*
 * One operation: @op runs it once and returns 0 or an errno; @undo brings the
 * state back to what it was before a successful @op (never under failure).
 */
struct op {
	const char *name;
	int (*op)(FIXTURE_DATA(fault) *self);
	int (*undo)(FIXTURE_DATA(fault) *self);
};

/*
 * Runs @o with its n-th allocation failed for n = 1, 2, ... until it runs
 * without reaching the n-th. A failed run must give ENOMEM and leave the
 * state as before; a run that succeeded despite a failure (a fallback) must
 * give the same state as one without failures. Returns the number of failures
 * injected.
 */
static int fail_each(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		     const struct op *o)
{
	static struct state before, after, now;
	int n, err;
	bool injected;

	ASSERT_EQ(0, get_state(&before));
	/* A clean run, for the state a success gives. */
	ASSERT_EQ(0, o->op(self));
	ASSERT_EQ(0, get_state(&after));
	if (o->undo)
		ASSERT_EQ(0, o->undo(self));
	ASSERT_EQ(0, get_state(&now));
	ASSERT_TRUE(same_state(&before, &now));

	for (n = 1; n < MAX_NTH; n++) {
		arm(n);
		err = o->op(self);
		injected = disarm();
		ASSERT_EQ(0, get_state(&now));
		if (!injected) {
			/* The operation made fewer than n allocations: done. */
			ASSERT_EQ(0, err) TH_LOG("%s: %s without an injected failure", o->name,
						 strerror(err));
			ASSERT_TRUE(same_state(&after, &now));
			if (o->undo)
				ASSERT_EQ(0, o->undo(self));
			return n - 1;
		}
		if (err) {
			ASSERT_EQ(ENOMEM, err) TH_LOG("%s, allocation %d failed: %s", o->name, n,
						      strerror(err));
			ASSERT_TRUE(same_state(&before, &now))
				TH_LOG("%s, allocation %d failed: state changed:\n%s%s%s", o->name, n,
				       now.connect, now.kill, now.status);
		} else {
			ASSERT_TRUE(same_state(&after, &now))
				TH_LOG("%s, allocation %d failed but it succeeded: state:\n%s%s%s",
				       o->name, n, now.connect, now.kill, now.status);
			if (o->undo)
				ASSERT_EQ(0, o->undo(self));
		}
	}
	ASSERT_LT(n, MAX_NTH) TH_LOG("%s never succeeded", o->name);
	return -1;
}

static int io_errno(int ret)
{
	return ret < 0 ? errno : 0;
}

static int write_cmd(int fd, const char *cmd)
{
	return io_errno(pwrite(fd, cmd, strlen(cmd), 0) == (ssize_t)strlen(cmd) ? 0 : -1);
}

static int attach_ioctl(int fd, struct prog *p)
{
	struct krsi_attach att = { .size = sizeof(att), .prog_fd = p->fd };
	int ret = ioctl(fd, KRSI_IOC_ATTACH, &att);

	if (ret < 0)
		return errno;
	return ret == (int)p->id ? 0 : EPROTO;
}

static int det_ioctl(int fd, struct prog *p)
{
	struct krsi_detach det = { .size = sizeof(det), .prog_id = p->id };

	return io_errno(ioctl(fd, KRSI_IOC_DETACH, &det));
}

static int det_write(int fd, struct prog *p)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "detach %u\n", p->id);
	return write_cmd(fd, cmd);
}

/* Opens and reads a whole file; returns 0 or errno. */
static int read_all(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

/* Each operation, on a hook that allows sleepable programs (socket_connect,
 * freed after an RCU Tasks Trace grace period) and on one that does not
 * (task_kill, plain RCU).
 */
static int write_attach_connect_s(FIXTURE_DATA(fault) *self)
{
	return write_cmd(self->connect_fd, PIN_CONNECT_S "\n");
}

static int write_detach_connect_s(FIXTURE_DATA(fault) *self)
{
	return det_write(self->connect_fd, &self->connect_s);
}

static int ioctl_attach_connect(FIXTURE_DATA(fault) *self)
{
	return attach_ioctl(self->connect_fd, &self->connect);
}

static int ioctl_detach_connect(FIXTURE_DATA(fault) *self)
{
	return det_ioctl(self->connect_fd, &self->connect);
}

static int write_attach_kill2(FIXTURE_DATA(fault) *self)
{
	return write_cmd(self->kill_fd, PIN_KILL2 "\n");
}

static int write_detach_kill2(FIXTURE_DATA(fault) *self)
{
	return det_write(self->kill_fd, &self->kill2);
}

static int ioctl_attach_kill1(FIXTURE_DATA(fault) *self)
{
	return attach_ioctl(self->kill_fd, &self->kill1);
}

static int ioctl_detach_kill1(FIXTURE_DATA(fault) *self)
{
	return det_ioctl(self->kill_fd, &self->kill1);
}

static int read_connect(FIXTURE_DATA(fault) *self)
{
	return read_all(HOOK_DIR "socket_connect");
}

static int read_kill(FIXTURE_DATA(fault) *self)
{
	return read_all(HOOK_DIR "task_kill");
}

static int read_status(FIXTURE_DATA(fault) *self)
{
	return read_all(STATUS);
}

/* Attach at a place, replace and reset (the control verbs). */
static int write_first_kill2(FIXTURE_DATA(fault) *self)
{
	return write_cmd(self->kill_fd, PIN_KILL2 " first\n");
}

static int ioctl_after_connect(FIXTURE_DATA(fault) *self)
{
	struct krsi_attach att = { .size = sizeof(att), .prog_fd = self->connect.fd,
				   .flags = KRSI_ATTACH_AFTER, .rel_id = self->connect_s.id };
	int ret = ioctl(self->connect_fd, KRSI_IOC_ATTACH, &att);

	if (ret < 0)
		return errno;
	return ret == (int)self->connect.id ? 0 : EPROTO;
}

static int rep_ioctl(int fd, struct prog *old, struct prog *new)
{
	struct krsi_replace rep = { .size = sizeof(rep), .prog_id = old->id, .prog_fd = new->fd };
	int ret = ioctl(fd, KRSI_IOC_REPLACE, &rep);

	if (ret < 0)
		return errno;
	return ret == (int)new->id ? 0 : EPROTO;
}

static int write_replace_kill1(FIXTURE_DATA(fault) *self)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "replace %u " PIN_KILL2 "\n", self->kill1.id);
	return write_cmd(self->kill_fd, cmd);
}

static int ioctl_replace_kill2(FIXTURE_DATA(fault) *self)
{
	return rep_ioctl(self->kill_fd, &self->kill2, &self->kill1);
}

static int ioctl_replace_connect_s(FIXTURE_DATA(fault) *self)
{
	return rep_ioctl(self->connect_fd, &self->connect_s, &self->connect);
}

static int ioctl_replace_connect(FIXTURE_DATA(fault) *self)
{
	return rep_ioctl(self->connect_fd, &self->connect, &self->connect_s);
}

static int write_reset_kill(FIXTURE_DATA(fault) *self)
{
	return write_cmd(self->kill_fd, "reset\n");
}

static int ioctl_reset_connect(FIXTURE_DATA(fault) *self)
{
	int ret = ioctl(self->connect_fd, KRSI_IOC_RESET, NULL);

	if (ret < 0)
		return errno;
	return ret == 2 ? 0 : EPROTO;
}

/* Brings back the two programs of each hook, in their order, after a reset. */
static int undo_reset_kill(FIXTURE_DATA(fault) *self)
{
	return ioctl_attach_kill1(self) ?: write_attach_kill2(self);
}

static int undo_reset_connect(FIXTURE_DATA(fault) *self)
{
	return write_attach_connect_s(self) ?: ioctl_attach_connect(self);
}

static int read_control(FIXTURE_DATA(fault) *self)
{
	return read_all(HOOK_DIR "control");
}

TEST_F_TIMEOUT(fault, control_verbs, 600)
{
	const struct op ops[] = {
		{ "write attach first (atomic hook)", write_first_kill2, write_detach_kill2 },
		{ "ioctl attach after= (sleepable hook)", ioctl_after_connect,
		  ioctl_detach_connect },
		{ "write replace (atomic hook)", write_replace_kill1, ioctl_replace_kill2 },
		{ "ioctl replace (sleepable hook)", ioctl_replace_connect_s,
		  ioctl_replace_connect },
		{ "control file", read_control, NULL },
	};
	const struct op resets[] = {
		{ "write reset (atomic hook)", write_reset_kill, undo_reset_kill },
		{ "ioctl reset (sleepable hook)", ioctl_reset_connect, undo_reset_connect },
	};
	unsigned int i;

	ASSERT_EQ(0, ioctl_attach_kill1(self));
	ASSERT_EQ(0, write_attach_connect_s(self));
	for (i = 0; i < 2; i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
	/* Replace: the other program of each hook stays. */
	for (; i < 4; i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
	EXPECT_LT(0, fail_each(_metadata, self, &ops[4]));
	/* Reset of two programs. */
	ASSERT_EQ(0, write_attach_kill2(self));
	ASSERT_EQ(0, ioctl_attach_connect(self));
	for (i = 0; i < ARRAY_SIZE(resets); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &resets[i]));
}

/* Attach, to an empty hook (static key off) and to one with programs. */
TEST_F_TIMEOUT(fault, attach, 300)
{
	const struct op empty[] = {
		{ "write attach (sleepable hook, empty)", write_attach_connect_s,
		  write_detach_connect_s },
		{ "ioctl attach (atomic hook, empty)", ioctl_attach_kill1, ioctl_detach_kill1 },
	};
	const struct op second[] = {
		{ "write attach (sleepable hook, second)", write_attach_connect_s,
		  write_detach_connect_s },
		{ "ioctl attach (atomic hook, second)", ioctl_attach_kill1, ioctl_detach_kill1 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(empty); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &empty[i]));
	/* Now with a program in front of the one attached. */
	ASSERT_EQ(0, ioctl_attach_connect(self));
	ASSERT_EQ(0, write_attach_kill2(self));
	for (i = 0; i < ARRAY_SIZE(second); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &second[i]));
}

/* Detach, of the last program (static key off again) and of one of two. */
TEST_F_TIMEOUT(fault, detach, 300)
{
	const struct op last[] = {
		{ "write detach (sleepable hook, last)", write_detach_connect_s,
		  write_attach_connect_s },
		{ "ioctl detach (atomic hook, last)", ioctl_detach_kill1, ioctl_attach_kill1 },
	};
	const struct op second[] = {
		{ "ioctl detach (sleepable hook, second)", ioctl_detach_connect,
		  ioctl_attach_connect },
		{ "write detach (atomic hook, second)", write_detach_kill2, write_attach_kill2 },
	};
	unsigned int i;

	ASSERT_EQ(0, write_attach_connect_s(self));
	ASSERT_EQ(0, ioctl_attach_kill1(self));
	/* A failed detach may allocate nothing; it must still succeed once. */
	for (i = 0; i < ARRAY_SIZE(last); i++)
		EXPECT_LE(0, fail_each(_metadata, self, &last[i]));
	ASSERT_EQ(0, ioctl_attach_connect(self));
	ASSERT_EQ(0, write_attach_kill2(self));
	for (i = 0; i < ARRAY_SIZE(second); i++)
		EXPECT_LE(0, fail_each(_metadata, self, &second[i]));
}

/* disable and enable of @p on the hook file @fd, by write or ioctl; 0 or errno. */
static int state_write(int fd, const char *verb, struct prog *p)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "%s %u\n", verb, p->id);
	return write_cmd(fd, cmd);
}

static int state_ioctl(int fd, unsigned long cmd, struct prog *p)
{
	struct krsi_detach arg = { .size = sizeof(arg), .prog_id = p->id };

	return io_errno(ioctl(fd, cmd, &arg));
}

static int write_disable_kill1(FIXTURE_DATA(fault) *self)
{
	return state_write(self->kill_fd, "disable", &self->kill1);
}

static int ioctl_enable_kill1(FIXTURE_DATA(fault) *self)
{
	return state_ioctl(self->kill_fd, KRSI_IOC_ENABLE, &self->kill1);
}

static int ioctl_disable_connect_s(FIXTURE_DATA(fault) *self)
{
	return state_ioctl(self->connect_fd, KRSI_IOC_DISABLE, &self->connect_s);
}

static int write_enable_connect_s(FIXTURE_DATA(fault) *self)
{
	return state_write(self->connect_fd, "enable", &self->connect_s);
}

static int write_revalidate(FIXTURE_DATA(fault) *self)
{
	int fd = open(HOOK_DIR "control", O_WRONLY), err;

	if (fd < 0)
		return errno;
	err = write_cmd(fd, "revalidate\n");
	close(fd);
	return err;
}

static int ioctl_revalidate(FIXTURE_DATA(fault) *self)
{
	int fd = open(HOOK_DIR "control", O_RDWR), ret;

	if (fd < 0)
		return errno;
	ret = ioctl(fd, KRSI_IOC_REVALIDATE, NULL);
	close(fd);
	if (ret < 0)
		return errno;
	return ret == 0 ? 0 : EPROTO;
}

/*
 * disable and enable (each rebuilds the hook's array), of one of two programs
 * and of the last one running; revalidation (nothing to change: it allocates
 * its record of the states it may have to restore).
 */
TEST_F_TIMEOUT(fault, disable_enable_revalidate, 600)
{
	const struct op ops[] = {
		{ "write disable (atomic hook)", write_disable_kill1, ioctl_enable_kill1 },
		{ "ioctl disable (sleepable hook)", ioctl_disable_connect_s,
		  write_enable_connect_s },
		{ "write revalidate", write_revalidate, NULL },
		{ "ioctl revalidate", ioctl_revalidate, NULL },
	};
	const struct op enables[] = {
		{ "ioctl enable (atomic hook)", ioctl_enable_kill1, write_disable_kill1 },
		{ "write enable (sleepable hook)", write_enable_connect_s,
		  ioctl_disable_connect_s },
	};
	unsigned int i;

	ASSERT_EQ(0, ioctl_attach_kill1(self));
	ASSERT_EQ(0, write_attach_connect_s(self));
	/* The last program running: disabling it turns the static key off. */
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
	ASSERT_EQ(0, write_attach_kill2(self));
	ASSERT_EQ(0, ioctl_attach_connect(self));
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
	ASSERT_EQ(0, write_disable_kill1(self));
	ASSERT_EQ(0, ioctl_disable_connect_s(self));
	for (i = 0; i < ARRAY_SIZE(enables); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &enables[i]));
}

static int write_attach_kill2_scoped(FIXTURE_DATA(fault) *self)
{
	return write_cmd(self->kill_fd, PIN_KILL2 " cgroup=" FAULT_CG "\n");
}

static int ioctl_attach_connect_scoped(FIXTURE_DATA(fault) *self)
{
	struct krsi_attach att = { .size = sizeof(att), .flags = KRSI_ATTACH_CGROUP,
				   .prog_fd = self->connect.fd, .cgroup_fd = self->cg_fd };
	int ret = ioctl(self->connect_fd, KRSI_IOC_ATTACH, &att);

	if (ret < 0)
		return errno;
	return ret == (int)self->connect.id ? 0 : EPROTO;
}

/*
 * Scoped attaches (the cgroup lookup by path and by descriptor), to an empty
 * hook and behind a program; the listings of scoped programs (the cgroup's
 * path).
 */
TEST_F_TIMEOUT(fault, scoped, 600)
{
	const struct op ops[] = {
		{ "write scoped attach (atomic hook)", write_attach_kill2_scoped,
		  write_detach_kill2 },
		{ "ioctl scoped attach (sleepable hook)", ioctl_attach_connect_scoped,
		  ioctl_detach_connect },
	};
	const struct op listings[] = {
		{ "listing of a scoped program (sleepable hook)", read_connect, NULL },
		{ "listing of a scoped program (atomic hook)", read_kill, NULL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
	ASSERT_EQ(0, ioctl_attach_kill1(self));
	ASSERT_EQ(0, write_attach_connect_s(self));
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
	ASSERT_EQ(0, write_attach_kill2_scoped(self));
	ASSERT_EQ(0, ioctl_attach_connect_scoped(self));
	for (i = 0; i < ARRAY_SIZE(listings); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &listings[i]));
}

/* The listings and status, empty and with programs. */
TEST_F_TIMEOUT(fault, listings, 300)
{
	const struct op ops[] = {
		{ "listing (sleepable hook)", read_connect, NULL },
		{ "listing (atomic hook)", read_kill, NULL },
		{ "status", read_status, NULL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
	ASSERT_EQ(0, ioctl_attach_connect(self));
	ASSERT_EQ(0, write_attach_connect_s(self));
	ASSERT_EQ(0, ioctl_attach_kill1(self));
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		EXPECT_LT(0, fail_each(_metadata, self, &ops[i]));
}

TEST_HARNESS_MAIN
