// SPDX-License-Identifier: GPL-2.0
/*
 * krsi - hook overhead benchmark: krsi against mainline BPF LSM links
 *
 * Workloads: open+close of a tmpfs file (file_open), getppid (no hook: the
 * control), fork+exec of a static binary and execve of a non-binary that
 * fails with ENOEXEC (bprm_check_security), UDP socket+connect on loopback
 * (socket_connect), kill(self, 0) (task_kill).
 *
 * Run in a guest booted with -icount shift=0,sleep=off: guest nanoseconds
 * then count emulated instructions, so "ns per operation" is a deterministic
 * instruction count. For each workload, in one boot, it measures A/B/A:
 *
 *   empty, 1 program through krsi, empty, 1 through a BPF link, empty,
 *   8 through krsi, empty, 8 through links, empty
 *
 * and prints one machine-readable line per workload:
 *
 *   BENCH <workload> <hook> empty=<ns> krsi1=<ns> link1=<ns> krsi8=<ns> link8=<ns>
 *
 * where each delta is over the mean of the two empty runs around it (the
 * "empty" field is the mean of all five). Each figure is the least of 5
 * repeats (see measure()). With --empty-only it measures just the
 * empty configuration (for boots with other lsm= lists). --smoke runs one
 * workload for a few iterations and prints KTAP, for make check.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

static void op_connect(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("socket/connect");
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

/*
 * Nanoseconds (instructions, under icount) per operation: the least of
 * REPEATS runs of iters / REPEATS operations. Under icount, other work in
 * the guest (RCU callbacks, kworkers freeing a trampoline) can only add
 * instructions to a run, so the least is the workload's own figure.
 */
static double measure(const struct workload *w, long iters)
{
	double t0, per, best = 1e18;
	long i, n = iters / REPEATS;
	int r;

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
	return best;
}

/* NPROGS instances of the workload's program, each loaded from its own object. */
static struct bpf_object *objs[NPROGS];
static int prog_fds[NPROGS];
static __u32 prog_ids[NPROGS];

static void load_progs(const struct workload *w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct bpf_program *it, *want = NULL;
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		objs[i] = bpf_object__open_file(obj_path, NULL);
		if (!objs[i])
			die("open bench object");
		bpf_object__for_each_program(it, objs[i]) {
			if (!strcmp(bpf_program__name(it), w->prog))
				want = it;
			else
				bpf_program__set_autoload(it, false);
		}
		if (!want || bpf_object__load(objs[i]))
			die("load bench program");
		prog_fds[i] = bpf_program__fd(want);
		if (bpf_obj_get_info_by_fd(prog_fds[i], &info, &len))
			die("prog info");
		prog_ids[i] = info.id;
	}
}

static void unload_progs(int n)
{
	int i;

	for (i = 0; i < n; i++)
		bpf_object__close(objs[i]);
}

static int hook_fd(const struct workload *w)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/security/bpf/%s", w->hook);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	return fd;
}

static void krsi_attach_n(const struct workload *w, int n)
{
	int i, fd = hook_fd(w);

	for (i = 0; i < n; i++) {
		struct krsi_attach att = { .size = sizeof(att), .prog_fd = prog_fds[i] };

		if (ioctl(fd, KRSI_IOC_ATTACH, &att))
			die("KRSI_IOC_ATTACH");
	}
	close(fd);
}

static void krsi_detach_n(const struct workload *w, int n)
{
	int i, fd = hook_fd(w);

	for (i = 0; i < n; i++) {
		struct krsi_detach det = { .size = sizeof(det), .prog_id = prog_ids[i] };

		if (ioctl(fd, KRSI_IOC_DETACH, &det))
			die("KRSI_IOC_DETACH");
	}
	close(fd);
}

static struct bpf_link *links[NPROGS];

static void link_attach_n(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct bpf_program *prog = bpf_object__next_program(objs[i], NULL);

		while (prog && !bpf_program__autoload(prog))
			prog = bpf_object__next_program(objs[i], prog);
		links[i] = bpf_program__attach_lsm(prog);
		if (!links[i])
			die("bpf_program__attach_lsm");
	}
}

static void link_detach_n(int n)
{
	int i;

	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
}

static void run_full(const struct workload *w)
{
	double e[5], k1, l1, k8, l8;
	long it = w->iters;

	load_progs(w, NPROGS);
	/* A discarded run first, so that first-touch costs stay out of e[0]. */
	measure(w, it);
	e[0] = measure(w, it);
	krsi_attach_n(w, 1);
	k1 = measure(w, it);
	krsi_detach_n(w, 1);
	e[1] = measure(w, it);
	link_attach_n(1);
	l1 = measure(w, it);
	link_detach_n(1);
	e[2] = measure(w, it);
	krsi_attach_n(w, NPROGS);
	k8 = measure(w, it);
	krsi_detach_n(w, NPROGS);
	e[3] = measure(w, it);
	link_attach_n(NPROGS);
	l8 = measure(w, it);
	link_detach_n(NPROGS);
	e[4] = measure(w, it);
	unload_progs(NPROGS);

	printf("BENCH %s %s empty=%.1f krsi1=%.1f link1=%.1f krsi8=%.1f link8=%.1f"
	       " e0=%.1f e1=%.1f e2=%.1f e3=%.1f e4=%.1f"
	       " d_krsi1=%.1f d_link1=%.1f d_krsi8=%.1f d_link8=%.1f\n",
	       w->name, w->hook, (e[0] + e[1] + e[2] + e[3] + e[4]) / 5, k1, l1, k8, l8,
	       e[0], e[1], e[2], e[3], e[4],
	       k1 - (e[0] + e[1]) / 2, l1 - (e[1] + e[2]) / 2,
	       k8 - (e[2] + e[3]) / 2, l8 - (e[3] + e[4]) / 2);
	fflush(stdout);
}

/* A few iterations of each configuration of one workload, as KTAP. */
static int smoke(void)
{
	const struct workload *w = &workloads[0];
	double e, k, l;

	printf("TAP version 13\n1..1\n");
	load_progs(w, 1);
	e = measure(w, 100);
	krsi_attach_n(w, 1);
	k = measure(w, 100);
	krsi_detach_n(w, 1);
	link_attach_n(1);
	l = measure(w, 100);
	link_detach_n(1);
	unload_progs(1);
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
