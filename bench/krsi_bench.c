// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - hook overhead benchmark: krsi against mainline BPF LSM links
 *
 * Workloads: open+close of a tmpfs file (file_open), getppid (no hook: the
 * control), fork+exec of a static binary and execve of a non-binary that
 * fails with ENOEXEC (bprm_check_security), UDP socket+bind+connect on
 * loopback (socket_connect), kill(self, 0) (task_kill). Sources of
 * randomness are taken out: no address space randomisation, a fixed port.
 *
 * Run in a guest booted with -icount shift=0,sleep=off: guest nanoseconds
 * then count emulated instructions, so "ns per operation" is a deterministic
 * instruction count. For each workload, in one boot, it measures nothing
 * attached, then for each configuration X of 1 program through krsi, 1
 * through a BPF link, 8 through krsi and 8 through links, A/B/A:
 *
 *   A: X attached to an idle hook (sb_pivotroot), the control
 *   B: X attached to the workload's hook
 *   A: X attached to the idle hook again
 *
 * The control holds the same objects as B (attachments, arrays, per-CPU
 * counters, trampolines), so the heap is in the same state and the delta is
 * the hook's own cost: an execve allocates per-CPU counters for its mm, and
 * how long the per-CPU allocator searches for them shifts by tens of
 * instructions with whatever else is allocated, which an empty control
 * would count against the programs. It prints one line per workload:
 *
 *   BENCH <workload> <hook> empty=<ns> krsi1=<ns> link1=<ns> krsi8=<ns> link8=<ns>
 *         c_krsi1=<ns> ... d_krsi1=<ns> ... spread=<ns>
 *
 * where empty is nothing attached, c_X the mean of X's two control runs,
 * d_X = X - c_X, and spread the largest difference between the two control
 * runs of a configuration (the measurement's own noise). Each figure is the
 * least of 5 repeats (see measure()). With --empty-only it measures just the
 * empty configuration (for boots with other lsm= lists). --smoke runs one
 * workload for a few iterations and prints KTAP, for make check.
 * --profile WORKLOAD CONFIG idle|hook N attaches one configuration and runs
 * N operations between two calls of krsi_snap(), for scripts/profile.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/krsi.h>

#define OBJ_NAME "bench.bpf.o"
#define TRUE_NAME "bench_true"
#define NPROGS 8

static char obj_path[256], true_path[256];

static void die(const char *what)
{
	fprintf(stderr, "krsi_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void op_open_close(void)
{
	int fd = open("/tmp/krsi-bench", O_RDONLY);

	if (fd < 0)
		die("open");
	close(fd);
}

static void op_getppid(void)
{
	syscall(SYS_getppid);
}

static void op_exec(void)
{
	char *argv[] = { TRUE_NAME, NULL };
	int status;
	pid_t pid = vfork();

	if (pid == 0) {
		execv(true_path, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		die("exec");
}

/*
 * execve() of an executable file that no binary format accepts: the exec
 * path runs bprm_creds_for_exec and bprm_check_security (at the top of
 * search_binary_handler()) and fails with ENOEXEC, with no fork and no new
 * image, so the hooks' cost is not lost in the spread of a full exec.
 */
static void op_exec_enoexec(void)
{
	char *argv[] = { "krsi-bench-noexec", NULL }, *envp[] = { NULL };

	if (execve("/tmp/krsi-bench-noexec", argv, envp) != -1 || errno != ENOEXEC)
		die("execve of a non-binary");
}

/*
 * The socket binds a fixed local port before it connects: an unbound UDP
 * socket would autobind to a random port, and the port table lookups that
 * follow cost a different number of instructions for each port.
 */
static void op_connect(void)
{
	struct sockaddr_in local = {
		.sin_family = AF_INET,
		.sin_port = htons(40000),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	}, peer = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) ||
	    connect(fd, (struct sockaddr *)&peer, sizeof(peer)))
		die("socket/bind/connect");
	close(fd);
}

static void op_kill(void)
{
	if (kill(getpid(), 0))
		die("kill");
}

struct workload {
	const char *name;
	const char *hook;	/* where the programs attach */
	const char *prog;	/* the program of bench.bpf.c for that hook */
	void (*op)(void);
	long iters;
};

static const struct workload workloads[] = {
	{ "open_close", "file_open", "bench_file_open", op_open_close, 100000 },
	{ "getppid", "file_open", "bench_file_open", op_getppid, 200000 },
	{ "exec", "bprm_check_security", "bench_bprm_check", op_exec, 2000 },
	{ "exec_enoexec", "bprm_check_security", "bench_bprm_check", op_exec_enoexec, 20000 },
	{ "socket_connect", "socket_connect", "bench_connect", op_connect, 50000 },
	{ "kill", "task_kill", "bench_task_kill", op_kill, 200000 },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define REPEATS 5
#define BALLAST 8192

/*
 * Nanoseconds (instructions, under icount) per operation: the least of
 * REPEATS runs of iters / REPEATS operations. Under icount, other work in
 * the guest (RCU callbacks, kworkers freeing a trampoline) can only add
 * instructions to a run, so the least is the workload's own figure.
 *
 * Every execve() allocates per-CPU counters for its mm, and the per-CPU
 * allocator's first-fit search costs more the more holes earlier frees left
 * (detached programs' counters, old trampoline images), by up to a hundred
 * instructions. A ballast of BALLAST small per-CPU allocations (the values
 * of a per-CPU array map) fills those holes for the duration of each run,
 * so that every run allocates past them.
 */
static double measure(const struct workload *w, long iters)
{
	double t0, per, best = 1e18;
	long i, n = iters / REPEATS;
	int r, ballast;

	ballast = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, NULL, 4, 8, BALLAST, NULL);
	if (ballast < 0)
		die("per-CPU ballast map");
	for (i = 0; i < n / 10 + 1; i++)
		w->op();
	for (r = 0; r < REPEATS; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			w->op();
		per = (now_ns() - t0) / n;
		if (per < best)
			best = per;
	}
	close(ballast);
	return best;
}

/* NPROGS instances of one program, each loaded from its own object. */
struct progs {
	const char *hook;
	struct bpf_object *objs[NPROGS];
	struct bpf_program *progs[NPROGS];
	struct bpf_link *links[NPROGS];
	int fds[NPROGS];
	__u32 ids[NPROGS];
};

/* The control's hook: nothing the workloads do reaches it. */
#define IDLE_HOOK "sb_pivotroot"
#define IDLE_PROG "bench_idle"

static void load_progs(struct progs *p, const char *hook, const char *name)
{
	int i;

	p->hook = hook;
	for (i = 0; i < NPROGS; i++) {
		struct bpf_program *it, *want = NULL;
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		p->objs[i] = bpf_object__open_file(obj_path, NULL);
		if (!p->objs[i])
			die("open bench object");
		bpf_object__for_each_program(it, p->objs[i]) {
			if (!strcmp(bpf_program__name(it), name))
				want = it;
			else
				bpf_program__set_autoload(it, false);
		}
		if (!want || bpf_object__load(p->objs[i]))
			die("load bench program");
		p->progs[i] = want;
		p->fds[i] = bpf_program__fd(want);
		if (bpf_obj_get_info_by_fd(p->fds[i], &info, &len))
			die("prog info");
		p->ids[i] = info.id;
	}
}

static void unload_progs(struct progs *p)
{
	int i;

	for (i = 0; i < NPROGS; i++)
		bpf_object__close(p->objs[i]);
}

static int hook_fd(const char *hook)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/security/bpf/%s", hook);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	return fd;
}

/* Attaches (or detaches) the first n programs of p, through krsi or links. */
static void attach_n(struct progs *p, int n, bool link)
{
	int i, fd = link ? -1 : hook_fd(p->hook);

	for (i = 0; i < n; i++) {
		struct krsi_attach att = { .size = sizeof(att), .prog_fd = p->fds[i] };

		if (link) {
			p->links[i] = bpf_program__attach_lsm(p->progs[i]);
			if (!p->links[i])
				die("bpf_program__attach_lsm");
		} else if (ioctl(fd, KRSI_IOC_ATTACH, &att)) {
			die("KRSI_IOC_ATTACH");
		}
	}
	if (fd >= 0)
		close(fd);
}

static void detach_n(struct progs *p, int n, bool link)
{
	int i, fd = link ? -1 : hook_fd(p->hook);

	for (i = 0; i < n; i++) {
		struct krsi_detach det = { .size = sizeof(det), .prog_id = p->ids[i] };

		if (link)
			bpf_link__destroy(p->links[i]);
		else if (ioctl(fd, KRSI_IOC_DETACH, &det))
			die("KRSI_IOC_DETACH");
	}
	if (fd >= 0)
		close(fd);
}

static const struct config {
	const char *name;
	int n;
	bool link;
} configs[] = {
	{ "krsi1", 1, false }, { "link1", 1, true },
	{ "krsi8", NPROGS, false }, { "link8", NPROGS, true },
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

/*
 * Lets the work an attach or a detach leaves behind finish before the next
 * measurement: a BPF link's old trampoline image is freed after an RCU Tasks
 * grace period, by kworkers, with allocations of its own. Under icount with
 * sleep=off an idle guest skips ahead to its next timer, so this is quick.
 */
static void settle(void)
{
	usleep(2000000);
}

static void run_full(const struct workload *w)
{
	struct progs hook, idle;
	double empty, x[NCONFIGS], c[NCONFIGS], spread = 0;
	unsigned int i;

	load_progs(&hook, w->hook, w->prog);
	load_progs(&idle, IDLE_HOOK, IDLE_PROG);
	/* A discarded run first, so that first-touch costs stay out of the figures. */
	measure(w, w->iters);
	empty = measure(w, w->iters);
	for (i = 0; i < NCONFIGS; i++) {
		const struct config *k = &configs[i];
		double a0, a1;

		attach_n(&idle, k->n, k->link);
		settle();
		a0 = measure(w, w->iters);
		detach_n(&idle, k->n, k->link);
		attach_n(&hook, k->n, k->link);
		settle();
		x[i] = measure(w, w->iters);
		detach_n(&hook, k->n, k->link);
		attach_n(&idle, k->n, k->link);
		settle();
		a1 = measure(w, w->iters);
		detach_n(&idle, k->n, k->link);
		c[i] = (a0 + a1) / 2;
		if (fabs(a1 - a0) > spread)
			spread = fabs(a1 - a0);
	}
	unload_progs(&idle);
	unload_progs(&hook);

	printf("BENCH %s %s empty=%.1f", w->name, w->hook, empty);
	for (i = 0; i < NCONFIGS; i++)
		printf(" %s=%.1f", configs[i].name, x[i]);
	for (i = 0; i < NCONFIGS; i++)
		printf(" c_%s=%.1f", configs[i].name, c[i]);
	for (i = 0; i < NCONFIGS; i++)
		printf(" d_%s=%.1f", configs[i].name, x[i] - c[i]);
	printf(" spread=%.1f\n", spread);
	fflush(stdout);
}

/*
 * Marks a window for scripts/profile: its QEMU plugin snapshots its counts
 * whenever this runs. It sits alone at a fixed address (see the Makefile),
 * which no other program in the guest uses.
 */
__attribute__((noinline, section(".krsi_snap"))) void krsi_snap(void)
{
	__asm__ volatile("" ::: "memory");
}

static const struct workload *workload(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	fprintf(stderr, "krsi_bench: no workload %s\n", name);
	exit(2);
}

static int profile(char **argv)
{
	const struct workload *w = workload(argv[0]);
	const struct config *k = NULL;
	struct progs hook, idle;
	long i, n = atol(argv[3]);
	unsigned int c;

	for (c = 0; c < NCONFIGS; c++)
		if (!strcmp(configs[c].name, argv[1]))
			k = &configs[c];
	if ((!k && strcmp(argv[1], "empty")) || n <= 0 ||
	    (strcmp(argv[2], "idle") && strcmp(argv[2], "hook"))) {
		fprintf(stderr, "krsi_bench: --profile WORKLOAD empty|krsi1|link1|krsi8|link8 idle|hook N\n");
		return 2;
	}
	if (k) {
		load_progs(&hook, w->hook, w->prog);
		load_progs(&idle, IDLE_HOOK, IDLE_PROG);
		attach_n(strcmp(argv[2], "idle") ? &hook : &idle, k->n, k->link);
		settle();
	}
	for (i = 0; i < n / 10 + 1; i++)
		w->op();
	krsi_snap();
	for (i = 0; i < n; i++)
		w->op();
	krsi_snap();
	return 0;
}

/* A few iterations of each configuration of one workload, as KTAP. */
static int smoke(void)
{
	const struct workload *w = &workloads[0];
	struct progs p;
	double e, k, l;

	printf("TAP version 13\n1..1\n");
	load_progs(&p, w->hook, w->prog);
	e = measure(w, 100);
	attach_n(&p, 1, false);
	k = measure(w, 100);
	detach_n(&p, 1, false);
	attach_n(&p, 1, true);
	l = measure(w, 100);
	detach_n(&p, 1, true);
	unload_progs(&p);
	printf("# open_close, 100 iterations: empty %.0f krsi1 %.0f link1 %.0f ns/op (not asserted)\n",
	       e, k, l);
	printf("ok 1 bench smoke: every configuration attaches, runs and detaches\n");
	return 0;
}

int main(int argc, char **argv)
{
	char dir[200];
	bool empty_only = argc > 1 && !strcmp(argv[1], "--empty-only");
	unsigned int i;
	int fd;

	/* The BPF object and the exec target sit beside this binary. */
	snprintf(dir, sizeof(dir), "%s", argv[0]);
	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
	snprintf(obj_path, sizeof(obj_path), "%s/" OBJ_NAME, dir[0] ? dir : ".");
	snprintf(true_path, sizeof(true_path), "%s/" TRUE_NAME, dir[0] ? dir : ".");
	fd = open("/tmp/krsi-bench", O_CREAT | O_RDONLY, 0644);
	if (fd < 0)
		die("create /tmp/krsi-bench");
	close(fd);
	fd = open("/tmp/krsi-bench-noexec", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	if (fd < 0 || write(fd, "krsi\n", 5) != 5)
		die("create /tmp/krsi-bench-noexec");
	close(fd);
	libbpf_set_print(NULL);
	/* No address space randomisation in the exec workloads' images. */
	if (personality(ADDR_NO_RANDOMIZE) == -1)
		die("personality");

	if (argc == 6 && !strcmp(argv[1], "--profile"))
		return profile(argv + 2);
	if (argc > 1 && !strcmp(argv[1], "--smoke"))
		return smoke();
	{
		struct utsname u;

		if (!uname(&u))
			printf("KERNEL %s\n", u.release);
	}
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		if (empty_only) {
			printf("BENCH %s %s empty=%.1f\n", workloads[i].name, workloads[i].hook,
			       measure(&workloads[i], workloads[i].iters));
			fflush(stdout);
		} else {
			run_full(&workloads[i]);
		}
	}
	return 0;
}
