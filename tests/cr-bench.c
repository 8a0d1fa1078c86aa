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
 * Must run as root.
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

struct stats {
	double med, p25, p75;		/* microseconds */
	int n;
};

static int quick;
static int reps, warm;
static long discard_budget;	/* fork-and-discard: forks per cell, at most */
static long pid_max, old_pid_max;

static void die(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fprintf(stderr, "cr-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, e ? ": %s\n" : "\n", strerror(e));
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

	if (fd < 0)
		die("open %s", path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		die("read %s", path);
	close(fd);
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static void write_long(const char *path, long v)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld", v);
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		die("open %s for writing", path);
	if (write(fd, buf, len) != len)
		die("write %ld to %s", v, path);
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
		die("clone3 (set_tid %d)", tid);
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid %d", pid);
	return pid;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *s, int n, double p)
{
	double i = p * (n - 1);
	int k = (int)i;

	if (k + 1 >= n)
		return s[n - 1];
	return s[k] + (i - k) * (s[k + 1] - s[k]);
}

static struct stats summarize(double *v, int n)
{
	struct stats s = { .n = n };

	qsort(v, n, sizeof(*v), cmp_double);
	s.med = pct(v, n, 0.5);
	s.p25 = pct(v, n, 0.25);
	s.p75 = pct(v, n, 0.75);
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
	switch (m) {
	case M_SET_TID:
		pid = spawn(target);
		break;
	case M_NS_LAST_PID:
		/* open+write+close: what a restorer pays each time */
		write_long(NS_LAST_PID, target - 1);
		pid = spawn(0);
		break;
	case M_DISCARD:
		while ((pid = spawn(0)) < target - 1)
			;
		if (pid != target - 1)
			die("fork-and-discard: discarded PID %d, wanted to stop at %d",
			    pid, target - 1);
		pid = spawn(0);
		break;
	default:
		pid = spawn(0);
		break;
	}
	t1 = now_us();
	if (pid != target) {
		errno = 0;
		die("method %d, d=%ld: child got PID %d, wanted %d",
		    m, d, pid, target);
	}
	return t1 - t0;
}

static int discard_reps(long d)
{
	long r = discard_budget / d;

	return r < 1 ? 1 : r > reps ? reps : r;
}

static struct stats run_cell(int m, long d)
{
	int n = m == M_DISCARD ? discard_reps(d) : reps;
	double *v = malloc(n * sizeof(*v));
	int i;

	if (!v)
		die("malloc");
	write_long(NS_LAST_PID, RESET_PID);	/* every cell starts alike */
	/* warm the path, not the distance: d=100 is enough for discard */
	for (i = 0; i < warm; i++)
		place(m, m == M_DISCARD && d > 100 ? 100 : d);
	for (i = 0; i < n; i++)
		v[i] = place(m, d);
	struct stats s = summarize(v, n);

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
	snprintf(buf, len, "%.1f (%.1f..%.1f)", s.med, s.p25, s.p75);
	return buf;
}

static int pid_placement_ns(const char *datafile)
{
	static const long dist[] = { 10, 100, 1000, 10000, 100000 };
	int nd = quick ? 4 : 5, i, m;
	struct stats s[5][M_NR];
	char a[64], b[64], c[64], f[64];
	double sx = 0, sy = 0, sxx = 0, sxy = 0, slope, icept, t;
	long need = dist[nd - 1] + 1000;
	FILE *data = NULL;

	if (getpid() != 1)
		die("not PID 1 in the new PID namespace (pid %d)", getpid());
	pid_max = read_long(PID_MAX);
	if (pid_max < need) {
		/* global before 6.14, per namespace after: put it back */
		old_pid_max = pid_max;
		atexit(restore_pid_max);
		write_long(PID_MAX, need);
		pid_max = read_long(PID_MAX);
		if (pid_max != need)
			die("pid_max is %ld after writing %ld", pid_max, need);
		printf("pid_max %ld is too small for d=%ld: raised to %ld for the run, restored after\n\n",
		       old_pid_max, dist[nd - 1], need);
	}
	if (datafile) {
		data = fopen(datafile, "w");
		if (!data)
			die("open %s", datafile);
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
		       r[M_SET_TID].med / r[M_FLOOR].med,
		       r[M_DISCARD].med / r[M_FLOOR].med);
		if (data)
			fprintf(data, "%ld %.3f %.3f %.3f %.3f\n", dist[i],
				r[M_SET_TID].med, r[M_NS_LAST_PID].med,
				r[M_DISCARD].med, r[M_FLOOR].med);
		sx += dist[i];
		sy += r[M_DISCARD].med;
		sxx += (double)dist[i] * dist[i];
		sxy += dist[i] * r[M_DISCARD].med;
	}
	printf("\nCells: median (p25..p75) over N=%d repetitions; fork-and-discard repetitions:", reps);
	for (i = 0; i < nd; i++)
		printf(" d=%ld: %d%s", dist[i], s[i][M_DISCARD].n, i < nd - 1 ? "," : "\n");

	slope = (nd * sxy - sx * sy) / (nd * sxx - sx * sx);
	icept = (sy - slope * sx) / nd;
	t = icept + slope * (BIG_PID_MAX / 2);
	printf("\nextrapolation (not measured; least-squares line through the fork-and-discard medians, d=%ld..%ld: "
	       "%.1f us + %.3f us per PID): at the mean distance %d (pid_max %d / 2) fork-and-discard would take "
	       "%.2f s per placed process, %.0fx set_tid at d=%ld\n",
	       dist[0], dist[nd - 1], icept, slope, BIG_PID_MAX / 2, BIG_PID_MAX,
	       t / 1e6, t / s[nd - 1][M_SET_TID].med, dist[nd - 1]);
	if (data && fclose(data))
		die("write %s", datafile);
	return 0;
}

static int pid_placement(const char *datafile)
{
	pid_t pid;
	int st;

	if (unshare(CLONE_NEWPID))
		die("unshare(CLONE_NEWPID) (needs root)");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int rc = pid_placement_ns(datafile);

		fflush(stdout);
		exit(rc);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st)) {
		errno = 0;
		die("the PID-namespace init died (status 0x%x)", st);
	}
	return WEXITSTATUS(st);
}

/* ---- paths ---- */

static struct prctl_mm_map mm_map;
static __u64 auxv[512];
static char map_files[64];

static void op_fork(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		die("fork/waitpid");
}

static void op_clone3(void)
{
	spawn(0);
}

static void op_prctl(void)
{
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &mm_map, sizeof(mm_map), 0))
		die("prctl(PR_SET_MM, PR_SET_MM_MAP)");
}

static void read_file(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		die("open+read %s", path);
	close(fd);
}

static void op_map_files(void)
{
	read_file(map_files);
}

static void op_ns_last_pid(void)
{
	read_file(NS_LAST_PID);
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
		die("read /proc/self/stat");
	close(fd);
	buf[n] = 0;
	p = strrchr(buf, ')');		/* comm may hold spaces */
	if (!p)
		die("parse /proc/self/stat");
	p += 4;				/* skip field 3, the state letter */
	for (i = 4; i <= 52 && *p; i++)	/* f[i]: field i, counting from 1 */
		f[i] = strtoull(p, &p, 10);
	if (i <= 51) {
		errno = 0;
		die("/proc/self/stat has only %d fields", i - 1);
	}
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
		die("read /proc/self/auxv");
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
		die("open /proc/self/maps");
	while (fgets(line, sizeof(line), maps)) {
		if (strchr(line, '/') &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2) {
			snprintf(map_files, sizeof(map_files),
				 "/proc/self/map_files/%lx-%lx", start, end);
			break;
		}
	}
	fclose(maps);
	if (!map_files[0]) {
		errno = 0;
		die("no file mapping in /proc/self/maps");
	}
}

static struct stats bench(void (*op)(void), int batch)
{
	double *v = malloc(reps * sizeof(*v)), t0;
	int i, j;

	if (!v)
		die("malloc");
	for (i = 0; i < warm; i++)
		for (j = 0; j < batch; j++)
			op();
	/* batches: a single op can be near the clock's resolution */
	for (i = 0; i < reps; i++) {
		t0 = now_us();
		for (j = 0; j < batch; j++)
			op();
		v[i] = (now_us() - t0) / batch;
	}
	struct stats s = summarize(v, reps);

	free(v);
	return s;
}

static int paths(void)
{
	static const struct {
		const char *name;
		void (*op)(void);
		int batch;
	} p[] = {
		{ "fork+exit+wait", op_fork, 10 },
		{ "clone3 (no set_tid)+exit+wait", op_clone3, 10 },
		{ "prctl(PR_SET_MM_MAP), exe_fd -1", op_prctl, 100 },
		{ "open+read+close /proc/self/map_files/ (file mapping)", op_map_files, 100 },
		{ "open+read+close " NS_LAST_PID, op_ns_last_pid, 100 },
	};
	unsigned int i;

	setup_mm_map();
	errno = 0;
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &mm_map, sizeof(mm_map), 0))
		die("prctl(PR_SET_MM, PR_SET_MM_MAP) with the real layout (brk %#llx)",
		    (unsigned long long)mm_map.brk);
	setup_map_files();
	op_map_files();		/* dies if not allowed */

	printf("| path | median (us) | spread: p25..p75 (us) | N |\n"
	       "|---|---:|---:|---:|\n");
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		int batch = quick ? p[i].batch / 2 : p[i].batch;
		struct stats s = bench(p[i].op, batch);

		printf("| %s | %.2f | %.2f..%.2f | %d x %d ops |\n", p[i].name,
		       s.med, s.p25, s.p75, s.n, batch);
		fflush(stdout);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: cr-bench [--quick] pid-placement [--data FILE]\n"
			"       cr-bench [--quick] paths\n");
	exit(2);
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
			usage();
	}
	if (!mode || (datafile && strcmp(mode, "pid-placement")))
		usage();
	reps = quick ? 5 : 200;
	warm = quick ? 1 : 20;
	discard_budget = quick ? 5000 : 1000000;

	if (uname(&u))
		die("uname");
	/* One CPU, like the guest: no cross-CPU wakeups of parent and child. */
	cpu = sched_getcpu();
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (cpu < 0 || sched_setaffinity(0, sizeof(cpus), &cpus))
		die("pin to one CPU");
	printf("cr-bench %s%s: N=%d, warm-up %d, kernel %s, cap_last_cap %ld, pinned to CPU %d of %ld; "
	       "times in us, median and IQR (p25..p75)\n\n",
	       mode, quick ? " --quick" : "", reps, warm, u.release,
	       read_long("/proc/sys/kernel/cap_last_cap"), cpu,
	       sysconf(_SC_NPROCESSORS_ONLN));
	if (!strcmp(mode, "paths"))
		return paths();
	return pid_placement(datafile);
}
