// SPDX-License-Identifier: GPL-2.0
/*
 * What CAP_CHECKPOINT_RESTORE buys a restorer, and what the series costs.
 *
 *   cr-bench [--quick] [--icount] pid-placement [--data FILE]
 *   cr-bench [--quick] [--icount] paths
 *
 * pid-placement: in a fresh PID namespace (nothing else moves its counter),
 * the time to get one child at PID last+d by clone3 set_tid, by writing
 * ns_last_pid then cloning, by forking and discarding children until the
 * counter gets there, and the floor (plain clone3, the next PID).
 * paths: per-operation times of paths the series touches or every process
 * uses; the caller compares two kernels.
 *
 * What is compared is interleaved: each repetition runs every method (every
 * path) once, in turn, so that a slow stretch of the machine hits them all
 * alike. Every time is a median over N repetitions after a warm-up; the
 * spread is the interquartile range (p25..p75).
 *
 * --icount: the guest runs under QEMU's instruction counting (-icount
 * shift=0), where its clock advances 1 ns per instruction executed: times
 * are then "virtual us" (thousands of instructions), not wall time, and
 * repeat to a fraction of a percent. The flag only labels them so.
 *
 * Must run as root. Pins itself to one CPU; raises pid_max if the largest
 * distance does not fit (global before Linux 6.14) and puts it back.
  */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/prctl.h>
#include <linux/sched.h>

#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"
#define PID_MAX		"/proc/sys/kernel/pid_max"
#define RESET_PID	1		/* counter value after a reset: next is 2 */
/* pid_max for the extrapolation: the kernel's default, and systemd's (it
 * raises the sysctl to the kernel's 64-bit limit, PID_MAX_LIMIT) */
#define KERNEL_PID_MAX	32768
#define SYSTEMD_PID_MAX	4194304
/* fork-and-discard only up to this distance (100,000 PIDs: minutes) */
#define MAX_DISCARD_D	10000

enum { M_SET_TID, M_NS_LAST_PID, M_DISCARD, M_FLOOR, M_NR };
static const char *const method[M_NR] = {
	"set_tid", "ns_last_pid", "fork-and-discard", "floor" };

enum { P25, MED, P75 };

struct stats {
	double q[3];			/* quartiles, microseconds */
	int n;
};

static int quick;
static const char *unit = "us";	/* "virtual us" under --icount */
static int reps, warm;
static long discard_budget;	/* fork-and-discard: forks per cell, at most */
static long pid_max, old_pid_max;

/* Report and exit 1; err is an errno value to explain it, or 0. */
static void die(int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cr-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, err ? ": %s\n" : "\n", strerror(err));
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long read_long(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		die(errno, "read %s", path);
	close(fd);
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static void write_long(const char *path, long v)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld", v);
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, buf, len) != len)
		die(errno, "write %ld to %s", v, path);
	close(fd);
}

/* One child at PID tid (0: the next one) that exits at once, reaped. */
static pid_t spawn(pid_t tid)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	pid_t pid;
	int st;

	if (tid) {
		args.set_tid = (uintptr_t)&tid;
		args.set_tid_size = 1;
	}
	pid = syscall(__NR_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		die(errno, "clone3 (set_tid %d)", tid);
	if (waitpid(pid, &st, 0) != pid)
		die(errno, "waitpid %d", pid);
	return pid;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Quartiles by linear interpolation between order statistics. */
static struct stats summarize(double *v, int n)
{
	struct stats s = { .n = n };
	int i, k;

	qsort(v, n, sizeof(*v), cmp_double);
	for (i = P25; i <= P75; i++) {
		double x = (n - 1) * (i + 1) / 4.0;

		k = (int)x;
		s.q[i] = k + 1 < n ? v[k] + (x - k) * (v[k + 1] - v[k]) : v[k];
	}
	return s;
}

/* ---- pid-placement ---- */

/* Place one child at last_pid + d by method m; returns microseconds. */
static double place(int m, long d)
{
	long last = read_long(NS_LAST_PID);
	pid_t target, pid;
	double t0, t1;

	/* Setup, not timed: keep the target below pid_max. */
	if (last + d >= pid_max) {
		write_long(NS_LAST_PID, RESET_PID);
		last = RESET_PID;
	}
	target = m == M_FLOOR ? last + 1 : last + d;

	t0 = now_us();
	/* ns_last_pid: open+write+close, what a restorer pays each time */
	if (m == M_NS_LAST_PID)
		write_long(NS_LAST_PID, target - 1);
	if (m == M_DISCARD) {
		while ((pid = spawn(0)) < target - 1)
			;
		if (pid != target - 1)
			die(0, "fork-and-discard: discarded PID %d, wanted to stop at %d",
			    pid, target - 1);
	}
	pid = spawn(m == M_SET_TID ? target : 0);
	t1 = now_us();
	if (pid != target)
		die(0, "%s, d=%ld: child got PID %d, wanted %d",
		    method[m], d, pid, target);
	return t1 - t0;
}

/* Least squares y = a + b x, with the 95 % interval of the slope b. */
struct fit {
	double a, b, ci;
	int n;
};

static struct fit fit_line(const double *x, const double *y, int n)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, ss = 0, r;
	struct fit f = { .n = n };
	int i;

	for (i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	f.b = sxx > 0 ? sxy / sxx : 0;
	f.a = my - f.b * mx;
	for (i = 0; i < n; i++) {
		r = y[i] - f.a - f.b * x[i];
		ss += r * r;
	}
	/* normal approximation of Student's t: n is in the hundreds here */
	f.ci = n > 2 && sxx > 0 ? 1.96 * sqrt(ss / (n - 2) / sxx) : 0;
	return f;
}

static void restore_pid_max(void)
{
	if (old_pid_max)
		write_long(PID_MAX, old_pid_max);
}

static char *cell(char *buf, size_t len, struct stats s)
{
	if (!s.n)
		snprintf(buf, len, "not run");
	else
		snprintf(buf, len, "%.1f (%.1f..%.1f)", s.q[MED], s.q[P25], s.q[P75]);
	return buf;
}

static void pid_placement_ns(const char *datafile)
{
	static const long dist[] = { 10, 100, 1000, 10000, 100000 };
	enum { ND = sizeof(dist) / sizeof(dist[0]) };
	int nd = quick ? ND - 1 : ND, i, m, r, k, ns = 0, nf = 0;
	struct stats s[ND][M_NR], ratio[ND];
	int n[ND][M_NR];
	double *v[M_NR], *rv, *sx, *sy, *fx, *fy, big;
	char a[64], b[64], c[64], e[32], f[64], q[64];
	long need = dist[nd - 1] + 1000;
	struct fit st, fd;
	FILE *data = NULL;

	pid_max = read_long(PID_MAX);
	if (pid_max < need) {
		/* global before 6.14, per namespace after: put it back */
		old_pid_max = pid_max;
		atexit(restore_pid_max);
		write_long(PID_MAX, need);
		pid_max = read_long(PID_MAX);
		if (pid_max != need)
			die(0, "pid_max is %ld after writing %ld", pid_max, need);
		printf("pid_max %ld is too small for d=%ld: raised to %ld for the run, restored after\n\n",
		       old_pid_max, dist[nd - 1], need);
	}
	if (datafile) {
		data = fopen(datafile, "w");
		if (!data)
			die(errno, "open %s", datafile);
		fprintf(data, "# cr-bench pid-placement: median %s per placed process\n"
			"# d set_tid ns_last_pid fork_discard floor\n", unit);
	}
	for (m = 0; m < M_NR; m++)
		v[m] = malloc(reps * sizeof(double));
	rv = malloc(reps * sizeof(double));
	sx = malloc(nd * reps * sizeof(double));
	sy = malloc(nd * reps * sizeof(double));
	fx = malloc(nd * reps * sizeof(double));
	fy = malloc(nd * reps * sizeof(double));
	if (!v[M_NR - 1] || !rv || !sx || !sy || !fx || !fy)
		die(errno, "malloc");

	for (i = 0; i < nd; i++) {
		long d = dist[i], budget = discard_budget / d;
		/* fork-and-discard is slow: fewer repetitions, at least one,
		 * none past MAX_DISCARD_D (its line is plain by then) */
		int nd_discard = d > MAX_DISCARD_D ? 0 :
				 budget > reps ? reps : budget < 1 ? 1 : budget;

		write_long(NS_LAST_PID, RESET_PID);	/* every distance starts alike */
		/* warm the paths, not the distance: d=100 is enough for discard */
		for (k = 0; k < warm; k++)
			for (m = 0; m < M_NR; m++)
				place(m, m == M_DISCARD && d > 100 ? 100 : d);
		memset(n[i], 0, sizeof(n[i]));
		for (r = 0; r < reps; r++)
			for (m = 0; m < M_NR; m++)
				if (m != M_DISCARD || r < nd_discard)
					v[m][n[i][m]++] = place(m, d);
		for (r = 0; r < reps; r++) {
			/* set_tid against the floor of the same repetition */
			rv[r] = v[M_SET_TID][r] / v[M_FLOOR][r];
			sx[ns] = d;
			sy[ns++] = v[M_SET_TID][r] - v[M_FLOOR][r];
		}
		for (r = 0; r < n[i][M_DISCARD]; r++) {
			fx[nf] = d;
			fy[nf++] = v[M_DISCARD][r];
		}
		for (m = 0; m < M_NR; m++)
			if (n[i][m])
				s[i][m] = summarize(v[m], n[i][m]);
			else
				s[i][m] = (struct stats){ .q = { NAN, NAN, NAN } };
		ratio[i] = summarize(rv, reps);
	}

	printf("| d | set_tid (%s) | ns_last_pid (%s) | fork-and-discard (%s) | floor (%s) | set_tid/floor | fork-and-discard/floor |\n"
	       "|---:|---:|---:|---:|---:|---:|---:|\n", unit, unit, unit, unit);
	for (i = 0; i < nd; i++) {
		struct stats *x = s[i];

		snprintf(q, sizeof(q), "%.3f (%.3f..%.3f)", ratio[i].q[MED],
			 ratio[i].q[P25], ratio[i].q[P75]);
		snprintf(e, sizeof(e), x[M_DISCARD].n ? "%.1f" : "-",
			 x[M_DISCARD].q[MED] / x[M_FLOOR].q[MED]);
		printf("| %ld | %s | %s | %s | %s | %s | %s |\n", dist[i],
		       cell(a, sizeof(a), x[M_SET_TID]),
		       cell(b, sizeof(b), x[M_NS_LAST_PID]),
		       cell(c, sizeof(c), x[M_DISCARD]),
		       cell(f, sizeof(f), x[M_FLOOR]), q, e);
		if (data)
			fprintf(data, "%ld %.3f %.3f %.3f %.3f\n", dist[i],
				x[M_SET_TID].q[MED], x[M_NS_LAST_PID].q[MED],
				x[M_DISCARD].q[MED], x[M_FLOOR].q[MED]);
	}
	printf("\nCells: %s per placed process, median (p25..p75) over N=%d repetitions, "
	       "the methods in turn within each repetition; each time covers the placement, "
	       "the child's exit and its reaping (ns_last_pid: with open+write+close of the sysctl); "
	       "set_tid/floor: the ratio within each repetition, median (p25..p75). "
	       "Fewer repetitions for fork-and-discard:", unit, reps);
	for (i = 0; i < nd; i++)
		printf(" d=%ld: %d%s", dist[i], n[i][M_DISCARD],
		       i < nd - 1 ? "," : ".\n");

	st = fit_line(sx, sy, ns);
	printf("\nset_tid - floor against d (least squares over %d repetitions, d=%ld..%ld): "
	       "%.3f %s %+.3g %s per PID of distance (95%% interval of the slope: %.3g..%.3g), "
	       "that is %+.3f %s at d=%ld\n",
	       st.n, dist[0], dist[nd - 1], st.a, unit, st.b, unit, st.b - st.ci, st.b + st.ci,
	       st.b * dist[nd - 1], unit, dist[nd - 1]);

	fd = fit_line(fx, fy, nf);
	printf("\nfork-and-discard against d (least squares over %d placements, d up to %d): "
	       "%.1f %s %+.3f %s per PID (95%% interval %.3f..%.3f).\n", fd.n, MAX_DISCARD_D,
	       fd.a, unit, fd.b, unit, fd.b - fd.ci, fd.b + fd.ci);
	big = fd.a + fd.b * (SYSTEMD_PID_MAX / 2);
	printf("extrapolation of that line (not measured): a restorer that forks and discards until "
	       "the counter reaches its PID, on average pid_max/2 ahead, would take %.2f s per process "
	       "with the kernel's default pid_max %d, and %.1f s with %d (systemd's default on 64-bit, "
	       "the kernel's PID_MAX_LIMIT): %.0fx set_tid at d=%ld\n",
	       (fd.a + fd.b * (KERNEL_PID_MAX / 2)) / 1e6, KERNEL_PID_MAX, big / 1e6,
	       SYSTEMD_PID_MAX, big / s[nd - 1][M_SET_TID].q[MED], dist[nd - 1]);
	if (data && fclose(data))
		die(errno, "write %s", datafile);
}

static int pid_placement(const char *datafile)
{
	pid_t pid;
	int st;

	if (unshare(CLONE_NEWPID))
		die(errno, "unshare(CLONE_NEWPID) (needs root)");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die(errno, "fork");
	if (pid == 0) {
		pid_placement_ns(datafile);
		exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		die(errno, "waitpid");
	if (!WIFEXITED(st))
		die(0, "the PID-namespace init died (status 0x%x)", st);
	return WEXITSTATUS(st);
}

/* ---- paths ---- */

static struct prctl_mm_map mm_map;
static __u64 auxv[512];
static char map_files[64];

static void op_fork(const char *unused)
{
	int st;
	pid_t pid = fork();

	(void)unused;
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		die(errno, "fork/waitpid");
}

static void op_clone3(const char *unused)
{
	(void)unused;
	spawn(0);
}

static void op_prctl(const char *unused)
{
	(void)unused;
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &mm_map, sizeof(mm_map), 0))
		die(errno, "prctl(PR_SET_MM, PR_SET_MM_MAP)");
}

static void op_read(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		die(errno, "open+read %s", path);
	close(fd);
}

/* The process's real layout, so that PR_SET_MM_MAP changes nothing. */
static void setup_mm_map(void)
{
	char buf[4096], *p;
	unsigned long long f[64];
	ssize_t n;
	int fd, i;

	fd = open("/proc/self/stat", O_RDONLY);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		die(errno, "read /proc/self/stat");
	close(fd);
	buf[n] = 0;
	p = strrchr(buf, ')');		/* comm may hold spaces */
	if (!p)
		die(0, "parse /proc/self/stat");
	p += 4;				/* skip field 3, the state letter */
	for (i = 4; i <= 51; i++)	/* f[i]: field i, counting from 1 */
		f[i] = strtoull(p, &p, 10);
	mm_map.start_code = f[26];
	mm_map.end_code = f[27];
	mm_map.start_stack = f[28];
	mm_map.start_data = f[45];
	mm_map.end_data = f[46];
	mm_map.start_brk = f[47];
	mm_map.arg_start = f[48];
	mm_map.arg_end = f[49];
	mm_map.env_start = f[50];
	mm_map.env_end = f[51];
	mm_map.brk = (uintptr_t)sbrk(0);

	fd = open("/proc/self/auxv", O_RDONLY);
	if (fd < 0 || (n = read(fd, auxv, sizeof(auxv))) <= 0)
		die(errno, "read /proc/self/auxv");
	close(fd);
	mm_map.auxv = auxv;
	mm_map.auxv_size = n;
	mm_map.exe_fd = -1;
}

/* map_files entry of the first file mapping (this program's text). */
static void setup_map_files(void)
{
	char line[512];
	unsigned long start, end;
	FILE *maps = fopen("/proc/self/maps", "r");

	if (!maps)
		die(errno, "open /proc/self/maps");
	while (fgets(line, sizeof(line), maps)) {
		if (strchr(line, '/') &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2) {
			snprintf(map_files, sizeof(map_files),
				 "/proc/self/map_files/%lx-%lx", start, end);
			break;
		}
	}
	fclose(maps);
	if (!map_files[0])
		die(0, "no file mapping in /proc/self/maps");
}

static int paths(void)
{
	static const struct {
		const char *name;
		void (*op)(const char *);
		const char *arg;
		int batch;
	} p[] = {
		{ "fork+exit+wait", op_fork, NULL, 10 },
		{ "clone3 (no set_tid)+exit+wait", op_clone3, NULL, 10 },
		{ "prctl(PR_SET_MM_MAP), exe_fd -1", op_prctl, NULL, 100 },
		{ "open+read+close /proc/self/map_files/ (file mapping)",
		  op_read, map_files, 100 },
		{ "open+read+close " NS_LAST_PID, op_read, NS_LAST_PID, 100 },
	};
	enum { NP = sizeof(p) / sizeof(p[0]) };
	double *v[NP], t0;
	int i, j, r, batch[NP];

	setup_mm_map();
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &mm_map, sizeof(mm_map), 0))
		die(errno, "prctl(PR_SET_MM, PR_SET_MM_MAP) with the real layout (brk %#llx)",
		    (unsigned long long)mm_map.brk);
	setup_map_files();
	i = open(map_files, O_RDONLY);
	if (i < 0 || close(i))
		die(errno, "open %s (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE)",
		    map_files);

	for (i = 0; i < NP; i++) {
		batch[i] = quick ? p[i].batch / 2 : p[i].batch;
		v[i] = malloc(reps * sizeof(double));
		if (!v[i])
			die(errno, "malloc");
		for (r = 0; r < warm; r++)
			for (j = 0; j < batch[i]; j++)
				p[i].op(p[i].arg);
	}
	/* the paths in turn within each repetition; batches, because a
	 * single operation can be near the clock's resolution */
	for (r = 0; r < reps; r++)
		for (i = 0; i < NP; i++) {
			t0 = now_us();
			for (j = 0; j < batch[i]; j++)
				p[i].op(p[i].arg);
			v[i][r] = (now_us() - t0) / batch[i];
		}

	printf("| path | median (%s) | spread: p25..p75 (%s) | N |\n"
	       "|---|---:|---:|---:|\n", unit, unit);
	for (i = 0; i < NP; i++) {
		struct stats s = summarize(v[i], reps);

		printf("| %s | %.3f | %.3f..%.3f | %d x %d ops |\n", p[i].name,
		       s.q[MED], s.q[P25], s.q[P75], s.n, batch[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *datafile = NULL;
	struct utsname u;
	cpu_set_t cpus;
	int i, cpu;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--icount"))
			unit = "virtual us";
		else if (!strcmp(argv[i], "--data") && i + 1 < argc)
			datafile = argv[++i];
		else if (!mode && (!strcmp(argv[i], "pid-placement") ||
				   !strcmp(argv[i], "paths")))
			mode = argv[i];
		else
			mode = "";
	}
	if (!mode || !*mode || (datafile && strcmp(mode, "pid-placement"))) {
		fprintf(stderr, "usage: cr-bench [--quick] [--icount] pid-placement [--data FILE]\n"
				"       cr-bench [--quick] [--icount] paths\n");
		return 2;
	}
	/* --quick: both modes in well under 30 s under QEMU TCG */
	if (!strcmp(mode, "paths"))
		reps = quick ? 20 : 200;
	else
		reps = quick ? 5 : 100;
	warm = quick ? 1 : 20;
	discard_budget = quick ? 3000 : 10000;

	if (uname(&u))
		die(errno, "uname");
	/* One CPU, like the guest: no cross-CPU wakeups of parent and child. */
	cpu = sched_getcpu();
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (cpu < 0 || sched_setaffinity(0, sizeof(cpus), &cpus))
		die(errno, "pin to one CPU");
	printf("cr-bench %s%s: N=%d, warm-up %d, kernel %s, cap_last_cap %ld, pinned to CPU %d of %ld; "
	       "times in %s%s, median and IQR (p25..p75)\n\n",
	       mode, quick ? " --quick" : "", reps, warm, u.release,
	       read_long("/proc/sys/kernel/cap_last_cap"), cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), unit,
	       strcmp(unit, "us") ? " (QEMU -icount shift=0: 1 virtual us = 1000 instructions)" : " (wall clock)");
	if (!strcmp(mode, "paths"))
		return paths();
	return pid_placement(datafile);
}
