// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - selftests of disable/enable and of revalidation (LSM and capability
 * reasons; the lockdown reason is krsi_lockdown_test's, run after the others)
 *
 * The programs of progs/krsi_revalidate.bpf.c deny setrlimit(2) of this
 * process's RLIMIT_NOFILE to a soft limit of 4211, 4212 and 4213 with EPERM,
 * EACCES and EXDEV: a result names the program that gave it. The LSM whose policy changes is
 * played by krsi itself: programs on the bpf_prog and capable hooks that
 * refuse, while a map says so, what revalidation checks.
 *
 * The seal test leaves task_getioprio sealed until reboot.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define OBJ test_file("krsi_revalidate.bpf.o")
#define HOOK "task_setrlimit"
#define SEALED_HOOK "task_getioprio"
#define CONTROL HOOK_DIR "control"
#define STATUS HOOK_DIR "status"

enum { A, B, C, GUARD_PROG, GUARD_CAP, NPROGS };
static const char *const names[NPROGS] = {
	"rv_a", "rv_b", "rv_c", "rv_guard_prog", "rv_guard_cap"
};

/* setrlimit(2) of RLIMIT_NOFILE to soft limit 4210 + @n (hard limit unchanged); returns 0 or errno. */
static int setio(int n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return errno;
	r.rlim_cur = 4210 + n;
	if (r.rlim_max < r.rlim_cur)
		r.rlim_max = r.rlim_cur;
	return setrlimit(RLIMIT_NOFILE, &r) ? errno : 0;
}

/* The three denials: "PAX" for EPERM, EACCES, EXDEV, '-' where allowed. */
static void denials(char out[4])
{
	static const int want[3] = { EPERM, EACCES, EXDEV };
	int i;

	for (i = 0; i < 3; i++) {
		int err = setio(i + 1);

		out[i] = err == want[i] ? "PAX"[i] : err ? '?' : '-';
	}
	out[3] = '\0';
}

/* KRSI_IOC_DISABLE or KRSI_IOC_ENABLE of program @id on @hook; returns 0 or errno. */
static int state_ioctl(const char *hook, unsigned long cmd, __u32 id)
{
	struct krsi_detach arg = { .size = sizeof(arg), .prog_id = id };

	return hook_ioctl(hook, cmd, &arg) ? errno : 0;
}

/* Issues ioctl @cmd on the control file; returns what it returns, or -errno. */
static int control_ioctl(unsigned long cmd)
{
	int fd = open(CONTROL, O_RDWR), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, NULL);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Revalidates through the ioctl; returns how many attachments changed, or -errno. */
static int revalidate(void)
{
	return control_ioctl(KRSI_IOC_REVALIDATE);
}

/* Whether the status line of @hook is @want. */
static bool status_is(const char *hook, const char *want)
{
	static char buf[65536];
	char line[256];
	size_t n = strlen(hook);
	char *l;

	if (read_file(STATUS, buf, sizeof(buf)) < 0)
		return false;
	for (l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, hook, n) && l[n] == ' ') {
			snprintf(line, sizeof(line), "%s", l);
			return !strcmp(line, want);
		}
	return false;
}

FIXTURE(rv) {
	struct bpf_object *obj;
	int guard_fd;
	struct prog p[NPROGS];
	char after[1024];
	/* Audit's backlog settings to restore (mask 0: nothing to restore). */
	struct audit_status audit;
};

FIXTURE_SETUP(rv)
{
	struct bpf_program *it;
	int i;

	memset(&self->audit, 0, sizeof(self->audit));
	detach_all(HOOK);
	self->obj = bpf_object__open_file(OBJ, NULL);
	ASSERT_NE(NULL, self->obj);
	bpf_object__for_each_program(it, self->obj)
		bpf_program__set_autoload(it, !strncmp(bpf_program__name(it), "rv_", 3));
	ASSERT_EQ(0, bpf_object__load(self->obj));
	self->guard_fd = bpf_map__fd(bpf_object__find_map_by_name(self->obj, "guard_map"));
	ASSERT_LE(0, self->guard_fd);
	for (i = 0; i < NPROGS; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		self->p[i].obj = NULL;
		self->p[i].fd = bpf_program__fd(bpf_object__find_program_by_name(self->obj,
										  names[i]));
		ASSERT_LE(0, self->p[i].fd);
		ASSERT_EQ(0, bpf_obj_get_info_by_fd(self->p[i].fd, &info, &len));
		self->p[i].id = info.id;
	}
}

FIXTURE_TEARDOWN(rv)
{
	int zero = 0;
	__u32 key = 0;

	if (self->audit.mask)
		audit_status(AUDIT_SET, &self->audit);
	bpf_map_update_elem(self->guard_fd, &key, &zero, BPF_ANY);
	detach_all(HOOK);
	detach_all("bpf_prog");
	detach_all("capable");
	bpf_object__close(self->obj);
}

/* Sets the guard: 0 off, 1 refuse the use of rv_a, 2 refuse CAP_MAC_ADMIN to group 4242. */
static int set_guard(int fd, int value)
{
	__u32 key = 0;

	return bpf_map_update_elem(fd, &key, &value, BPF_ANY);
}

/* Attaches rv_a, rv_b and rv_c, in that order, by ioctl. */
static int attach_abc(struct prog *p)
{
	int i;

	for (i = A; i <= C; i++)
		if (attach_fd(HOOK, p[i].fd) != p[i].id)
			return -1;
	return 0;
}

TEST_F(rv, disable_keeps_place_and_counters)
{
	struct prog *p = self->p;
	char d[4], want[256];
	long runs_b, denied_b, runs_a;

	ASSERT_EQ(0, attach_abc(p));
	denials(d);
	ASSERT_STREQ("PAX", d);
	runs_b = count_of(HOOK, p[B].id, "runs");
	denied_b = count_of(HOOK, p[B].id, "denied");
	runs_a = count_of(HOOK, p[A].id, "runs");
	EXPECT_STREQ("enabled", listed(HOOK, p[B].id, "state"));

	/* Disabled: keeps its place and counters, no longer runs or denies. */
	ASSERT_EQ(0, hook_printf(HOOK, "disable %u\n", p[B].id));
	ASSERT_LT(0, attachments(HOOK, self->after, sizeof(self->after)));
	snprintf(want, sizeof(want), "%u rv_a enabled\n%u rv_b disabled\n%u rv_c enabled\n",
		 p[A].id, p[B].id, p[C].id);
	EXPECT_STREQ(want, self->after);
	EXPECT_STREQ("", listed(HOOK, p[B].id, "reason"));
	denials(d);
	EXPECT_STREQ("P-X", d);
	EXPECT_EQ(runs_b, count_of(HOOK, p[B].id, "runs"));
	EXPECT_EQ(denied_b, count_of(HOOK, p[B].id, "denied"));
	EXPECT_LT(runs_a, count_of(HOOK, p[A].id, "runs"));
	EXPECT_TRUE(status_is(HOOK, HOOK " progs=3 key=on disabled=1"));

	/* A position relative to a disabled program. */
	ASSERT_EQ(0, detach(HOOK, p[C].id));
	ASSERT_EQ(0, hook_printf(HOOK, "disable %u\n", p[A].id));
	ASSERT_EQ(0, pin_attach(HOOK, &p[C], "krsi_rv_c"));
	ASSERT_EQ(0, detach(HOOK, p[C].id));
	ASSERT_EQ(0, hook_printf(HOOK, PIN_DIR "krsi_rv_c before=%u\n", p[B].id));
	ASSERT_LT(0, attachments(HOOK, self->after, sizeof(self->after)));
	snprintf(want, sizeof(want), "%u rv_a disabled\n%u rv_c enabled\n%u rv_b disabled\n",
		 p[A].id, p[C].id, p[B].id);
	EXPECT_STREQ(want, self->after);
	unlink(PIN_DIR "krsi_rv_c");

	/* Everything disabled: the static key goes off, nothing runs. */
	ASSERT_EQ(0, hook_printf(HOOK, "disable %u\n", p[C].id));
	EXPECT_TRUE(status_is(HOOK, HOOK " progs=3 key=off disabled=3"));
	denials(d);
	EXPECT_STREQ("---", d);

	/* Enabled again, in place, counting on from where they were. */
	ASSERT_EQ(0, hook_printf(HOOK, "enable %u\n", p[A].id));
	ASSERT_EQ(0, hook_printf(HOOK, "enable %u\n", p[B].id));
	ASSERT_EQ(0, hook_printf(HOOK, "enable %u", p[C].id));
	EXPECT_TRUE(status_is(HOOK, HOOK " progs=3 key=on"));
	denials(d);
	EXPECT_STREQ("PAX", d);
	/* The order is a, c, b now: only limit 4212 gets past a and c to b. */
	EXPECT_EQ(runs_b + 1, count_of(HOOK, p[B].id, "runs"));
	EXPECT_EQ(denied_b + 1, count_of(HOOK, p[B].id, "denied"));

	/* A disabled program is detached like any other, its reference dropped. */
	ASSERT_EQ(0, hook_printf(HOOK, "disable %u\n", p[B].id));
	EXPECT_EQ(0, detach(HOOK, p[B].id));
	EXPECT_EQ(2, count_lines(listing(HOOK, self->after, sizeof(self->after)) > 0 ?
				 self->after : ""));
}

TEST_F(rv, disable_and_enable_by_ioctl)
{
	struct prog *p = self->p;
	char d[4];

	ASSERT_EQ(0, attach_abc(p));
	EXPECT_EQ(0, state_ioctl(HOOK, KRSI_IOC_DISABLE, p[A].id));
	EXPECT_EQ(0, state_ioctl(HOOK, KRSI_IOC_DISABLE, p[C].id));
	EXPECT_STREQ("disabled", listed(HOOK, p[A].id, "state"));
	denials(d);
	EXPECT_STREQ("-A-", d);
	EXPECT_TRUE(status_is(HOOK, HOOK " progs=3 key=on disabled=2"));
	EXPECT_EQ(0, state_ioctl(HOOK, KRSI_IOC_ENABLE, p[A].id));
	EXPECT_EQ(0, state_ioctl(HOOK, KRSI_IOC_ENABLE, p[C].id));
	denials(d);
	EXPECT_STREQ("PAX", d);
}

static int unprivileged_disable(void *arg)
{
	__u32 id = *(__u32 *)arg;

	if (drop_cap_mac_admin())
		return 100;
	if (hook_printf(HOOK, "disable %u\n", id) != EPERM)
		return 1;
	if (state_ioctl(HOOK, KRSI_IOC_DISABLE, id) != EPERM)
		return 2;
	if (write_at(CONTROL, "revalidate\n", 11, 0) != EPERM)
		return 3;
	if (control_ioctl(KRSI_IOC_REVALIDATE) != -EPERM)
		return 4;
	return 0;
}

TEST_F(rv, bad_inputs_change_nothing)
{
	struct prog *p = self->p;
	struct krsi_detach arg = { .size = sizeof(arg), .prog_id = p[B].id };
	char before[1024], after[1024], d[4];
	int checked = 0;

	ASSERT_EQ(0, attach_abc(p));
	ASSERT_EQ(0, hook_printf(HOOK, "disable %u\n", p[C].id));
	ASSERT_LT(0, attachments(HOOK, before, sizeof(before)));

	CHECK_UNCHANGED(HOOK, ENOENT, hook_printf(HOOK, "disable %u\n", 999999));
	CHECK_UNCHANGED(HOOK, ENOENT, hook_printf(HOOK, "enable %u\n", 999999));
	CHECK_UNCHANGED(HOOK, ENOENT, state_ioctl(HOOK, KRSI_IOC_DISABLE, 999999));
	/* A program of another hook. */
	CHECK_UNCHANGED(HOOK, ENOENT, hook_printf("file_open", "disable %u\n", p[A].id));
	CHECK_UNCHANGED(HOOK, EALREADY, hook_printf(HOOK, "disable %u\n", p[C].id));
	CHECK_UNCHANGED(HOOK, EALREADY, state_ioctl(HOOK, KRSI_IOC_DISABLE, p[C].id));
	CHECK_UNCHANGED(HOOK, EALREADY, hook_printf(HOOK, "enable %u\n", p[A].id));
	CHECK_UNCHANGED(HOOK, EALREADY, state_ioctl(HOOK, KRSI_IOC_ENABLE, p[A].id));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "disable\n"));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "disable x\n"));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "disable %u %u\n", p[A].id, p[B].id));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "disable  %u\n", p[A].id));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "disable 0%u\n", p[A].id));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "enable -%u\n", p[C].id));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "enable %u \n", p[C].id));
	CHECK_UNCHANGED(HOOK, EINVAL, hook_printf(HOOK, "revalidate\n"));
	CHECK_UNCHANGED(HOOK, EINVAL, write_at(CONTROL, "disable 1\n", 10, 0));
	CHECK_UNCHANGED(HOOK, EINVAL, write_at(CONTROL, "revalidate now\n", 15, 0));
	arg.size = sizeof(arg) - 4;
	CHECK_UNCHANGED(HOOK, EINVAL, hook_ioctl(HOOK, KRSI_IOC_DISABLE, &arg) ? errno : 0);
	arg.size = sizeof(arg);
	arg.flags = 1;
	CHECK_UNCHANGED(HOOK, EINVAL, hook_ioctl(HOOK, KRSI_IOC_DISABLE, &arg) ? errno : 0);
	arg.flags = 0;
	arg.reserved = 1;
	CHECK_UNCHANGED(HOOK, EINVAL, hook_ioctl(HOOK, KRSI_IOC_ENABLE, &arg) ? errno : 0);
	CHECK_UNCHANGED(HOOK, ENOTTY, hook_ioctl(HOOK, KRSI_IOC_REVALIDATE, NULL) ? errno : 0);
	CHECK_UNCHANGED(HOOK, -ENOTTY, control_ioctl(KRSI_IOC_DISABLE));
	CHECK_UNCHANGED(HOOK, 0, in_child(unprivileged_disable, &p[B].id));
	/* Nothing to change at lockdown none, with no LSM refusing: no change. */
	CHECK_UNCHANGED(HOOK, 0, revalidate());
	CHECK_UNCHANGED(HOOK, 0, write_at(CONTROL, "revalidate\n", 11, 0));
	denials(d);
	EXPECT_STREQ("PA-", d);
	TH_LOG("%d refused requests changed nothing", checked);
}

/*
 * On a sealed hook, disabling weakens the policy and is refused; enabling
 * only restores a program's denials and is allowed.
 */
TEST_F(rv, sealed_hook_refuses_disable)
{
	struct prog s1 = { .obj = self->obj }, s2;
	char before[1024], after[1024];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int checked = 0;

	/* Two instances of rv_sealed: the object's, and a clone. */
	s1.fd = bpf_program__fd(bpf_object__find_program_by_name(self->obj, "rv_sealed"));
	ASSERT_LE(0, s1.fd);
	ASSERT_EQ(0, bpf_obj_get_info_by_fd(s1.fd, &info, &len));
	s1.id = info.id;
	ASSERT_EQ(0, clone_prog(&s1, "rv_sealed", &s2));
	s2.obj = NULL;
	ASSERT_EQ(s1.id, attach_fd(SEALED_HOOK, s1.fd));
	ASSERT_EQ(s2.id, attach_fd(SEALED_HOOK, s2.fd));
	ASSERT_EQ(0, hook_printf(SEALED_HOOK, "disable %u\n", s2.id));
	ASSERT_EQ(0, hook_write(SEALED_HOOK, "seal\n"));

	ASSERT_LT(0, attachments(SEALED_HOOK, before, sizeof(before)));
	CHECK_UNCHANGED(SEALED_HOOK, EROFS, hook_printf(SEALED_HOOK, "disable %u\n", s1.id));
	CHECK_UNCHANGED(SEALED_HOOK, EROFS, state_ioctl(SEALED_HOOK, KRSI_IOC_DISABLE, s1.id));
	/* EROFS first, whatever else is wrong with the request. */
	CHECK_UNCHANGED(SEALED_HOOK, EROFS, hook_printf(SEALED_HOOK, "disable 999999\n"));
	EXPECT_EQ(0, hook_printf(SEALED_HOOK, "enable %u\n", s2.id));
	EXPECT_STREQ("enabled", listed(SEALED_HOOK, s2.id, "state"));
	EXPECT_EQ(EROFS, hook_printf(SEALED_HOOK, "disable %u\n", s2.id));
	EXPECT_STREQ("enabled", listed(SEALED_HOOK, s2.id, "state"));
	/* The sealed hook keeps both programs; they outlive this descriptor. */
	unload(&s2);
	TH_LOG("%d refused requests changed nothing", checked);
}

/*
 * An LSM refuses the use of rv_a (security_bpf_prog()): revalidation disables
 * it with reason=lsm, records it, and enables it again once the LSM allows it;
 * a manual disable is never undone by revalidation; enable is refused while
 * revalidation keeps it disabled; an attach the LSM refuses attaches nothing.
 */
TEST_F(rv, revalidation_follows_the_lsm)
{
	static char text[AUDIT_TEXT_MAX];
	struct prog *p = self->p, again;
	char d[4];
	int nl;

	nl = audit_open();
	ASSERT_LE(0, nl);
	/* Loaded before the guard is up: the LSM check of a new descriptor would refuse it. */
	again = p[A];
	again.obj = self->obj;
	ASSERT_EQ(0, clone_prog(&again, "rv_a", &again));
	ASSERT_EQ(0, attach_abc(p));
	ASSERT_EQ(p[GUARD_PROG].id, attach_fd("bpf_prog", p[GUARD_PROG].fd));

	ASSERT_EQ(0, set_guard(self->guard_fd, 1));
	EXPECT_EQ(1, revalidate());
	EXPECT_STREQ("disabled", listed(HOOK, p[A].id, "state"));
	EXPECT_STREQ("lsm", listed(HOOK, p[A].id, "reason"));
	EXPECT_STREQ("enabled", listed(HOOK, p[B].id, "state"));
	denials(d);
	EXPECT_STREQ("-AX", d);
	EXPECT_TRUE(status_is(HOOK, HOOK " progs=3 key=on disabled=1"));
	EXPECT_EQ(0, audit_config(nl, "disable", HOOK, p[A].id,
				  "reason=lsm state=disabled trigger=revalidate res=1", text));
	/* Nothing changed since: a second revalidation changes nothing. */
	EXPECT_EQ(0, revalidate());

	/* Disabled by revalidation only: enable is refused, with EACCES. */
	EXPECT_EQ(EACCES, hook_printf(HOOK, "enable %u\n", p[A].id));
	EXPECT_STREQ("disabled", listed(HOOK, p[A].id, "state"));

	/* A program the LSM refuses now is not attached. */
	EXPECT_EQ(0, attach_fd(HOOK, again.fd));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(3, count_lines(listing(HOOK, self->after, sizeof(self->after)) > 0 ?
				 self->after : ""));
	unload(&again);

	/* Manual disables: of rv_b, and of rv_a on top of revalidation's. */
	ASSERT_EQ(0, hook_printf(HOOK, "disable %u\n", p[B].id));
	ASSERT_EQ(0, hook_printf(HOOK, "disable %u\n", p[A].id));

	/* The LSM allows rv_a again: revalidation clears its reason, not the manual disables. */
	ASSERT_EQ(0, set_guard(self->guard_fd, 0));
	EXPECT_EQ(1, revalidate());
	EXPECT_STREQ("disabled", listed(HOOK, p[A].id, "state"));
	EXPECT_STREQ("", listed(HOOK, p[A].id, "reason"));
	EXPECT_STREQ("disabled", listed(HOOK, p[B].id, "state"));
	EXPECT_EQ(0, audit_config(nl, "enable", HOOK, p[A].id,
				  "state=disabled trigger=revalidate res=1", text));
	denials(d);
	EXPECT_STREQ("--X", d);
	EXPECT_EQ(0, hook_printf(HOOK, "enable %u\n", p[A].id));
	EXPECT_EQ(0, hook_printf(HOOK, "enable %u\n", p[B].id));
	denials(d);
	EXPECT_STREQ("PAX", d);

	/* Disabled by revalidation only, then allowed: enabled again by revalidation. */
	ASSERT_EQ(0, set_guard(self->guard_fd, 1));
	EXPECT_EQ(1, revalidate());
	ASSERT_EQ(0, set_guard(self->guard_fd, 0));
	EXPECT_EQ(0, write_at(CONTROL, "revalidate\n", 11, 0));
	EXPECT_STREQ("enabled", listed(HOOK, p[A].id, "state"));
	EXPECT_EQ(0, audit_config(nl, "enable", HOOK, p[A].id,
				  "state=enabled trigger=revalidate res=1", text));
	denials(d);
	EXPECT_STREQ("PAX", d);
	close(nl);
}

/*
 * Regression: revalidation reported the attachments it changed from the array
 * it had just replaced, which is freed after a grace period that the write
 * lock does not hold off (KASAN: slab-use-after-free in revalidate, in the
 * debug guest). A record that waits for room in audit's backlog lets the grace
 * period end in the middle of the report: with a backlog limit of 1, the
 * report's records sleep (a quiescent state) until kauditd catches up. With
 * the fault back in, KASAN reported a read of the freed array in the first
 * round (22 in the 20 revalidations with kasan_multi_shot).
 */
TEST_F_TIMEOUT(rv, revalidation_reports_from_the_published_array, 300)
{
	enum { CLONES = 7, ROUNDS = 10 };
	struct audit_status set = {
		.mask = AUDIT_STATUS_BACKLOG_LIMIT | AUDIT_STATUS_BACKLOG_WAIT_TIME,
		.backlog_limit = 1,
		.backlog_wait_time = 1000,	/* jiffies; kauditd wakes the waiters sooner */
	};
	struct prog *p = self->p, a = p[A], clone[CLONES];
	int i, round, bad = 0;
	char d[4];

	/* Loaded before the guard is up, as rv_a: the guard refuses every one of them. */
	a.obj = self->obj;
	for (i = 0; i < CLONES; i++)
		ASSERT_EQ(0, clone_prog(&a, "rv_a", &clone[i]));
	ASSERT_EQ(0, attach_abc(p));
	for (i = 0; i < CLONES; i++)
		ASSERT_EQ(clone[i].id, attach_fd(HOOK, clone[i].fd));
	ASSERT_EQ(p[GUARD_PROG].id, attach_fd("bpf_prog", p[GUARD_PROG].fd));

	ASSERT_EQ(0, audit_status(AUDIT_GET, &self->audit));
	self->audit.mask = set.mask;
	ASSERT_EQ(0, audit_status(AUDIT_SET, &set));
	for (round = 0; round < ROUNDS; round++) {
		bad += set_guard(self->guard_fd, 1) || revalidate() != CLONES + 1;
		bad += set_guard(self->guard_fd, 0) || revalidate() != CLONES + 1;
	}
	EXPECT_EQ(0, audit_status(AUDIT_SET, &self->audit));
	self->audit.mask = 0;
	EXPECT_EQ(0, bad);

	/* Every program enabled again, in place. */
	EXPECT_EQ(CLONES + 3, count_lines(listing(HOOK, self->after, sizeof(self->after)) > 0 ?
					  self->after : ""));
	EXPECT_TRUE(status_is(HOOK, HOOK " progs=10 key=on"));
	denials(d);
	EXPECT_STREQ("PAX", d);
	for (i = 0; i < CLONES; i++) {
		EXPECT_STREQ("enabled", listed(HOOK, clone[i].id, "state"));
		unload(&clone[i]);
	}
}

struct child_attach {
	int fd;
	__u32 id;
};

/* Attaches a program as a task of group 4242 (still root, with every capability). */
static int attach_as_group_4242(void *arg)
{
	struct child_attach *c = arg;
	gid_t gid = 4242;

	if (setgroups(1, &gid) || setgid(gid))
		return 100;
	return attach_fd(HOOK, c->fd) == c->id ? 0 : 1;
}

/*
 * An LSM refuses CAP_MAC_ADMIN to the credentials rv_c was attached with:
 * revalidation disables rv_c with reason=capability, and only rv_c.
 */
TEST_F(rv, revalidation_checks_the_attaching_credentials)
{
	struct prog *p = self->p;
	struct child_attach c = { .fd = p[C].fd, .id = p[C].id };
	char d[4];

	ASSERT_EQ(p[A].id, attach_fd(HOOK, p[A].fd));
	ASSERT_EQ(p[B].id, attach_fd(HOOK, p[B].fd));
	ASSERT_EQ(0, in_child(attach_as_group_4242, &c));
	ASSERT_EQ(p[GUARD_CAP].id, attach_fd("capable", p[GUARD_CAP].fd));

	ASSERT_EQ(0, set_guard(self->guard_fd, 2));
	EXPECT_EQ(1, revalidate());
	EXPECT_STREQ("capability", listed(HOOK, p[C].id, "reason"));
	EXPECT_STREQ("enabled", listed(HOOK, p[A].id, "state"));
	denials(d);
	EXPECT_STREQ("PA-", d);
	ASSERT_EQ(0, set_guard(self->guard_fd, 0));
	EXPECT_EQ(1, revalidate());
	EXPECT_STREQ("enabled", listed(HOOK, p[C].id, "state"));
	denials(d);
	EXPECT_STREQ("PAX", d);
}

TEST_HARNESS_MAIN
