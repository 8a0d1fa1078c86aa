// SPDX-License-Identifier: GPL-2.0
/*
 * What CAP_CHECKPOINT_RESTORE buys a restorer, and what the series costs.
 *
 *   cr-bench [--quick] pid-placement [--data FILE]
 *   cr-bench [--quick] paths
 *
 * pid-placement: in a fresh PID namespace (nothing else moves its counter),
 * the time to get one child at PID last+d by clone3 set_tid, by writing
 * ns_last_pid then cloning, by forking and discarding children until the
 * counter gets there, and the floor (plain clone3, the next PID).
 * paths: per-operation times of paths the series touches or every process
 * uses; the caller compares two kernels.
 *
 * Every time is a median over N repetitions after a warm-up; the spread is
 * the interquartile range (p25..p75). Under emulation only ratios mean much.
 * Must run as root. Pins itself to one CPU; raises pid_max if the largest
 * distance does not fit (global before Linux 6.14) and puts it back.
 */
#define _GNU_SOURCE
#include <errno.h>
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
#define BIG_PID_MAX	4194304		/* systemd's pid_max on 64-bit */

enum { M_SET_TID, M_NS_LAST_PID, M_DISCARD, M_FLOOR, M_NR };
static const char *const method[M_NR] = {
	"set_tid", "ns_last_pid", "fork-and-discard", "floor" };

enum { P25, MED, P75 };

struct stats {
	double q[3];			/* quartiles, microseconds */
	int n;
};

static int quick;
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

static struct stats run_cell(int m, long d)
{
	long budget = discard_budget / d;	/* fork-and-discard is slow */
	int n = m != M_DISCARD || budget > reps ? reps : budget < 1 ? 1 : budget;
	double *v = malloc(n * sizeof(*v));
	struct stats s;
	int i;

	if (!v)
		die(errno, "malloc");
	write_long(NS_LAST_PID, RESET_PID);	/* every cell starts alike */
	/* warm the path, not the distance: d=100 is enough for discard */
	for (i = 0; i < warm; i++)
		place(m, m == M_DISCARD && d > 100 ? 100 : d);
	for (i = 0; i < n; i++)
		v[i] = place(m, d);
	s = summarize(v, n);

	free(v);
	return s;
}

static void restore_pid_max(void)
{
	if (old_pid_max)
		write_long(PID_MAX, old_pid_max);
}

static char *cell(char *buf, size_t len, struct stats s)
{
	snprintf(buf, len, "%.1f (%.1f..%.1f)", s.q[MED], s.q[P25], s.q[P75]);
	return buf;
}

static void pid_placement_ns(const char *datafile)
{
	static const long dist[] = { 10, 100, 1000, 10000, 100000 };
	int nd = quick ? 4 : 5, i, m;
	struct stats s[5][M_NR];
	char a[64], b[64], c[64], f[64];
	double sx = 0, sy = 0, sxx = 0, sxy = 0, slope, icept, t;
	long need = dist[nd - 1] + 1000;
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
		fprintf(data, "# cr-bench pid-placement: median us per placed process\n"
			"# d set_tid ns_last_pid fork_discard floor\n");
	}

	for (i = 0; i < nd; i++)
		for (m = 0; m < M_NR; m++)
			s[i][m] = run_cell(m, dist[i]);

	printf("| d | set_tid (us) | ns_last_pid (us) | fork-and-discard (us) | floor (us) | set_tid/floor | fork-and-discard/floor |\n"
	       "|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < nd; i++) {
		struct stats *r = s[i];

		printf("| %ld | %s | %s | %s | %s | %.2f | %.1f |\n", dist[i],
		       cell(a, sizeof(a), r[M_SET_TID]),
		       cell(b, sizeof(b), r[M_NS_LAST_PID]),
		       cell(c, sizeof(c), r[M_DISCARD]),
		       cell(f, sizeof(f), r[M_FLOOR]),
		       r[M_SET_TID].q[MED] / r[M_FLOOR].q[MED],
		       r[M_DISCARD].q[MED] / r[M_FLOOR].q[MED]);
		if (data)
			fprintf(data, "%ld %.3f %.3f %.3f %.3f\n", dist[i],
				r[M_SET_TID].q[MED], r[M_NS_LAST_PID].q[MED],
				r[M_DISCARD].q[MED], r[M_FLOOR].q[MED]);
		sx += dist[i];
		sy += r[M_DISCARD].q[MED];
		sxx += (double)dist[i] * dist[i];
		sxy += dist[i] * r[M_DISCARD].q[MED];
	}
	printf("\nCells: us per placed process, median (p25..p75) over N=%d repetitions, "
	       "each timing the placement, the child's exit and its reaping "
	       "(ns_last_pid: with open+write+close of the sysctl). "
	       "Fewer repetitions for fork-and-discard:", reps);
	for (i = 0; i < nd; i++)
		printf(" d=%ld: %d%s", dist[i], s[i][M_DISCARD].n,
		       i < nd - 1 ? "," : ".\n");

	slope = (nd * sxy - sx * sy) / (nd * sxx - sx * sx);
	icept = (sy - slope * sx) / nd;
	t = icept + slope * (BIG_PID_MAX / 2);
	printf("\nextrapolation (not measured; least-squares line through the fork-and-discard medians, d=%ld..%ld: "
	       "%.1f us + %.3f us per PID): at the mean distance %d (pid_max %d / 2) fork-and-discard would take "
	       "%.2f s per placed process, %.0fx set_tid at d=%ld\n",
	       dist[0], dist[nd - 1], icept, slope, BIG_PID_MAX / 2, BIG_PID_MAX,
	       t / 1e6, t / s[nd - 1][M_SET_TID].q[MED], dist[nd - 1]);
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

static struct stats bench(void (*op)(const char *), const char *arg, int batch)
{
	double *v = malloc(reps * sizeof(*v)), t0;
	struct stats s;
	int i, j;

	if (!v)
		die(errno, "malloc");
	for (i = 0; i < warm; i++)
		for (j = 0; j < batch; j++)
			op(arg);
	/* batches: a single op can be near the clock's resolution */
	for (i = 0; i < reps; i++) {
		t0 = now_us();
		for (j = 0; j < batch; j++)
			op(arg);
		v[i] = (now_us() - t0) / batch;
	}
	s = summarize(v, reps);

	free(v);
	return s;
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
	int i;

	setup_mm_map();
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &mm_map, sizeof(mm_map), 0))
		die(errno, "prctl(PR_SET_MM, PR_SET_MM_MAP) with the real layout (brk %#llx)",
		    (unsigned long long)mm_map.brk);
	setup_map_files();
	i = open(map_files, O_RDONLY);
	if (i < 0 || close(i))
		die(errno, "open %s (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE)",
		    map_files);

	printf("| path | median (us) | spread: p25..p75 (us) | N |\n"
	       "|---|---:|---:|---:|\n");
	for (i = 0; i < (int)(sizeof(p) / sizeof(p[0])); i++) {
		int batch = quick ? p[i].batch / 2 : p[i].batch;
		struct stats s = bench(p[i].op, p[i].arg, batch);

		printf("| %s | %.2f | %.2f..%.2f | %d x %d ops |\n", p[i].name,
		       s.q[MED], s.q[P25], s.q[P75], s.n, batch);
		fflush(stdout);
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
		else if (!strcmp(argv[i], "--data") && i + 1 < argc)
			datafile = argv[++i];
		else if (!mode && (!strcmp(argv[i], "pid-placement") ||
				   !strcmp(argv[i], "paths")))
			mode = argv[i];
		else
			mode = "";
	}
	if (!mode || !*mode || (datafile && strcmp(mode, "pid-placement"))) {
		fprintf(stderr, "usage: cr-bench [--quick] pid-placement [--data FILE]\n"
				"       cr-bench [--quick] paths\n");
		return 2;
	}
	/* --quick: both modes in well under 30 s under QEMU TCG */
	if (!strcmp(mode, "paths"))
		reps = quick ? 20 : 500;
	else
		reps = quick ? 5 : 200;
	warm = quick ? 1 : 20;
	discard_budget = quick ? 3000 : 500000;

	if (uname(&u))
		die(errno, "uname");
	/* One CPU, like the guest: no cross-CPU wakeups of parent and child. */
	cpu = sched_getcpu();
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (cpu < 0 || sched_setaffinity(0, sizeof(cpus), &cpus))
		die(errno, "pin to one CPU");
	printf("cr-bench %s%s: N=%d, warm-up %d, kernel %s, cap_last_cap %ld, pinned to CPU %d of %ld; "
	       "times in us, median and IQR (p25..p75)\n\n",
	       mode, quick ? " --quick" : "", reps, warm, u.release,
	       read_long("/proc/sys/kernel/cap_last_cap"), cpu,
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (!strcmp(mode, "paths"))
		return paths();
	return pid_placement(datafile);
}
