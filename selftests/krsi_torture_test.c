// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - torture test: on every CPU a writer attaches (last, first, after=),
 * replaces, disables and enables, lists and detaches programs (by write and by ioctl, sleepable and
 * not) while on every CPU a caller runs the hook, for a fixed number of
 * rounds; the second test adds a resetter. Every hook call must give a result
 * that some published chain could give, every listing must be consistent, and
 * afterwards nothing is attached and no reference is leaked.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#include "kselftest_harness.h"
#include "common.h"

#define OBJ test_file("krsi_fault.bpf.o")
#define HOOK "file_open"
#define TARGET "/tmp/krsi-torture"
#define OTHER "/tmp/krsi-torture-other"
#define ROUNDS 20
#define MAX_CPUS 64

/* The programs, one per writer and kind; each denies TARGET with its errno (or allows). */
static const struct {
	const char *name;
	int err;
} kinds[] = {
	{ "torture_allow", 0 },
	{ "torture_eperm", EPERM },
	{ "torture_eacces", EACCES },
	{ "torture_erofs_s", EROFS },
};

#define NKINDS ARRAY_SIZE(kinds)

/* Shared between the processes. */
struct shared {
	volatile int stop;
	/* What callers saw: opens of TARGET per result, of OTHER failed. */
	unsigned long results[NKINDS];
	unsigned long other_failed;
	unsigned long bad_result;
	int bad_errno;
	/* A resetter runs: a writer's program may vanish under it (ENOENT). */
	int resetting;
	/* What writers found wrong. */
	unsigned long bad_listing;
	unsigned long bad_op;
	char bad_line[256];
	/* The writers' program ids, to check that each is released. */
	__u32 ids[MAX_CPUS][NKINDS];
};

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The result index of an open() of TARGET, or -1 if no chain can give it. */
static int result_index(int err)
{
	unsigned int i;

	for (i = 0; i < NKINDS; i++)
		if (kinds[i].err == err)
			return i;
	return -1;
}

static int caller(struct shared *sh, int cpu)
{
	pin_cpu(cpu);
	while (!sh->stop) {
		int err = try_open(TARGET), i = result_index(err);

		if (i < 0) {
			__atomic_fetch_add(&sh->bad_result, 1, __ATOMIC_RELAXED);
			sh->bad_errno = err;
		} else {
			__atomic_fetch_add(&sh->results[i], 1, __ATOMIC_RELAXED);
		}
		if (try_open(OTHER))
			__atomic_fetch_add(&sh->other_failed, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

/*
 * Whether the listing is consistent: every line well formed, no id twice,
 * and each of @ids (this writer's attached programs, 0 for none) there once.
 */
static bool listing_ok(struct shared *sh, const __u32 *ids, unsigned int n)
{
	char buf[16384], *line, *save;
	__u32 seen[256];
	unsigned int nseen = 0, i, j;

	if (listing(HOOK, buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long runs, denied;
		unsigned int id, sleepable;
		char name[32];

		if (sscanf(line, "%u name=%31s runs=%llu denied=%llu sleepable=%u", &id, name, &runs,
			   &denied, &sleepable) != 5 || nseen == ARRAY_SIZE(seen)) {
			snprintf(sh->bad_line, sizeof(sh->bad_line), "%s", line);
			return false;
		}
		for (j = 0; j < nseen; j++)
			if (seen[j] == id)
				return false;
		seen[nseen++] = id;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nseen && seen[j] != ids[i]; j++)
			;
		if (ids[i] && j == nseen)
			return false;
	}
	return true;
}

/* Whether a failed change is one a concurrent reset explains. */
static bool reset_raced(struct shared *sh)
{
	return sh->resetting && errno == ENOENT;
}

/*
 * Attaches p at the @round's place: last by write (scoped to the root cgroup
 * every other time), first by write, after @prev by ioctl.
 */
static int attach_at(int fd, struct prog *p, const char *pin, __u32 prev, unsigned int way)
{
	char cmd[96];

	if (way % 3 == 2 && prev) {
		struct krsi_attach att = { .size = sizeof(att), .prog_fd = p->fd,
					   .flags = KRSI_ATTACH_AFTER, .rel_id = prev };

		return ioctl(fd, KRSI_IOC_ATTACH, &att) == (int)p->id ? 0 : -1;
	}
	if (way % 3 == 1) {
		struct krsi_attach att = { .size = sizeof(att), .prog_fd = p->fd };

		return ioctl(fd, KRSI_IOC_ATTACH, &att) == (int)p->id ? 0 : -1;
	}
	/*
	 * Every other write attach is scoped to the root cgroup, which holds
	 * every task: the callers see the same results, through the scoped loop.
	 */
	snprintf(cmd, sizeof(cmd), "%s%s%s\n", pin, way % 2 ? " first" : "",
		 way % 4 == 0 ? " cgroup=/sys/fs/cgroup" : "");
	return pwrite(fd, cmd, strlen(cmd), 0) == (ssize_t)strlen(cmd) ? 0 : -1;
}

/* Replaces program @old by @new: by write or by ioctl. */
static int replace_by(int fd, __u32 old, struct prog *new, const char *pin, bool by_write)
{
	if (by_write) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "replace %u %s\n", old, pin);
		return pwrite(fd, cmd, strlen(cmd), 0) == (ssize_t)strlen(cmd) ? 0 : -1;
	} else {
		struct krsi_replace rep = { .size = sizeof(rep), .prog_id = old,
					    .prog_fd = new->fd };

		return ioctl(fd, KRSI_IOC_REPLACE, &rep) == (int)new->id ? 0 : -1;
	}
}

/* Disables program @id and enables it again, by write and ioctl in turn. */
static int toggle(int fd, __u32 id, bool write_first)
{
	struct krsi_detach arg = { .size = sizeof(arg), .prog_id = id };
	char cmd[2][32];
	int i;

	snprintf(cmd[0], sizeof(cmd[0]), "disable %u\n", id);
	snprintf(cmd[1], sizeof(cmd[1]), "enable %u\n", id);
	for (i = 0; i < 2; i++) {
		int ret;

		if (write_first == !i)
			ret = pwrite(fd, cmd[i], strlen(cmd[i]), 0) == (ssize_t)strlen(cmd[i]) ? 0 : -1;
		else
			ret = ioctl(fd, i ? KRSI_IOC_ENABLE : KRSI_IOC_DISABLE, &arg);
		if (ret)
			return -1;
	}
	return 0;
}

static int writer(struct shared *sh, int cpu)
{
	struct prog p[NKINDS];
	char pin[NKINDS][64];
	__u32 attached[NKINDS] = {}, prev;
	unsigned int i, round, n;
	int fd;

	pin_cpu(cpu);
	for (i = 0; i < NKINDS; i++) {
		if (load_prog(OBJ, kinds[i].name, &p[i]))
			return 1;
		sh->ids[cpu][i] = p[i].id;
		snprintf(pin[i], sizeof(pin[i]), PIN_DIR "krsi_torture_%d_%u", cpu, i);
		unlink(pin[i]);
		if (bpf_obj_pin(p[i].fd, pin[i]))
			return 2;
	}
	fd = open(HOOK_DIR HOOK, O_RDWR);
	if (fd < 0)
		return 3;
	for (round = 0; round < ROUNDS; round++) {
		unsigned int skipped = NKINDS;

		/* Attach a rotating subset, at rotating places, by write and by ioctl. */
		prev = 0;
		for (i = 0; i < NKINDS; i++) {
			if ((round + i) % 3 == 0) {
				skipped = i;
				continue;
			}
			if (attach_at(fd, &p[i], pin[i], prev, round + i)) {
				if (!reset_raced(sh))
					goto bad_op;
				continue;
			}
			attached[i] = prev = p[i].id;
			/*
			 * The same program again is refused and changes nothing,
			 * unless a reset took the first one away in between.
			 */
			if (round % 7 == 0 && attach_fd(HOOK, p[i].fd) != 0 && !sh->resetting) {
				errno = EEXIST;
				goto bad_op;
			}
		}
		n = sh->resetting ? 0 : NKINDS;
		if (!listing_ok(sh, attached, n))
			__atomic_fetch_add(&sh->bad_listing, 1, __ATOMIC_RELAXED);
		/* Replace one attached program by the one left out. */
		for (i = 0; skipped < NKINDS && i < NKINDS; i++) {
			if (!attached[i])
				continue;
			if (replace_by(fd, attached[i], &p[skipped], pin[skipped], round % 2)) {
				if (!reset_raced(sh))
					goto bad_op;
				attached[i] = 0;
				break;
			}
			attached[i] = 0;
			attached[skipped] = p[skipped].id;
			break;
		}
		if (!listing_ok(sh, attached, n))
			__atomic_fetch_add(&sh->bad_listing, 1, __ATOMIC_RELAXED);
		/* Disable one attached program and enable it again: by write, then ioctl. */
		for (i = 0; i < NKINDS; i++) {
			unsigned int k = (i + round) % NKINDS;

			if (!attached[k])
				continue;
			if (toggle(fd, attached[k], round % 2)) {
				if (!reset_raced(sh))
					goto bad_op;
				attached[k] = 0;
			}
			break;
		}
		if (!listing_ok(sh, attached, n))
			__atomic_fetch_add(&sh->bad_listing, 1, __ATOMIC_RELAXED);
		/* Detach in an order of its own. */
		for (i = 0; i < NKINDS; i++) {
			unsigned int k = (i + round) % NKINDS;
			int err;

			if (!attached[k])
				continue;
			err = round % 2 ? detach(HOOK, attached[k]) : detach_ioctl(HOOK, attached[k]);
			errno = err;
			if (err && !reset_raced(sh))
				goto bad_op;
			attached[k] = 0;
		}
		if (!listing_ok(sh, attached, n))
			__atomic_fetch_add(&sh->bad_listing, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	for (i = 0; i < NKINDS; i++) {
		unlink(pin[i]);
		unload(&p[i]);
	}
	return 0;
bad_op:
	__atomic_fetch_add(&sh->bad_op, 1, __ATOMIC_RELAXED);
	snprintf(sh->bad_line, sizeof(sh->bad_line), "round %u, %s: %s", round,
		 kinds[i < NKINDS ? i : 0].name, strerror(errno));
	return 4;
}

/* Resets the hook, by write and by ioctl, until the writers are done. */
static int resetter(struct shared *sh)
{
	unsigned int i;

	for (i = 0; !sh->stop; i++) {
		if (i % 2 ? hook_write(HOOK, "reset\n") :
			    hook_ioctl(HOOK, KRSI_IOC_RESET, NULL) < 0) {
			__atomic_fetch_add(&sh->bad_op, 1, __ATOMIC_RELAXED);
			snprintf(sh->bad_line, sizeof(sh->bad_line), "reset: %s", strerror(errno));
			return 1;
		}
		usleep(2000);
	}
	return 0;
}

FIXTURE(torture) {
	struct shared *sh;
};

FIXTURE_SETUP(torture)
{
	ASSERT_EQ(0, detach_all(HOOK));
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
}

FIXTURE_TEARDOWN(torture)
{
	detach_all(HOOK);
	munmap(self->sh, sizeof(*self->sh));
}

static void torture(struct __test_metadata *_metadata, struct shared *sh, bool resets)
{
	int cpus = sysconf(_SC_NPROCESSORS_ONLN), i, status;
	pid_t writers[MAX_CPUS], callers[MAX_CPUS], reset_pid = 0;
	unsigned long total = 0;
	char buf[4096];

	ASSERT_LE(2, cpus);
	ASSERT_GE(MAX_CPUS, cpus);
	for (i = 0; i < cpus; i++) {
		callers[i] = fork();
		if (callers[i] == 0)
			_exit(caller(sh, i));
		ASSERT_LT(0, callers[i]);
	}
	sh->resetting = resets;
	if (resets) {
		reset_pid = fork();
		if (reset_pid == 0)
			_exit(resetter(sh));
		ASSERT_LT(0, reset_pid);
	}
	for (i = 0; i < cpus; i++) {
		writers[i] = fork();
		if (writers[i] == 0)
			_exit(writer(sh, i));
		ASSERT_LT(0, writers[i]);
	}
	for (i = 0; i < cpus; i++) {
		ASSERT_EQ(writers[i], waitpid(writers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("writer %d: status %#x: %s", i, status, sh->bad_line);
	}
	sh->stop = 1;
	for (i = 0; i < cpus; i++) {
		ASSERT_EQ(callers[i], waitpid(callers[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	if (resets) {
		ASSERT_EQ(reset_pid, waitpid(reset_pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		/* What the last reset raced with may still be attached. */
		ASSERT_EQ(0, hook_write(HOOK, "reset\n"));
	}
	for (i = 0; i < (int)NKINDS; i++) {
		TH_LOG("%s: %lu", kinds[i].name, sh->results[i]);
		total += sh->results[i];
	}
	EXPECT_EQ(0, sh->bad_result) TH_LOG("a caller saw %s", strerror(sh->bad_errno));
	EXPECT_EQ(0, sh->other_failed);
	EXPECT_EQ(0, sh->bad_op) TH_LOG("%s", sh->bad_line);
	EXPECT_EQ(0, sh->bad_listing) TH_LOG("%s", sh->bad_line);
	/* The callers ran, and saw allowing and denying chains. */
	EXPECT_LT(0, sh->results[0]);
	EXPECT_LT(0, total - sh->results[0]);
	/* Afterwards: nothing attached, the key off, nothing left referenced. */
	EXPECT_EQ(0, listing(HOOK, buf, sizeof(buf)));
	EXPECT_FALSE(status_lists(HOOK));
	for (i = 0; i < cpus; i++) {
		unsigned int k;

		for (k = 0; k < NKINDS; k++)
			EXPECT_TRUE(sh->ids[i][k] && released(sh->ids[i][k]));
	}
}

TEST_F_TIMEOUT(torture, attach_replace_detach_list_race_callers, 600)
{
	torture(_metadata, self->sh, false);
}

TEST_F_TIMEOUT(torture, with_resets, 600)
{
	torture(_metadata, self->sh, true);
}

TEST_HARNESS_MAIN
