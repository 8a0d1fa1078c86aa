// SPDX-License-Identifier: GPL-2.0
/*
 * cr-fuzz: a small, seeded fuzzer of the paths the series changes, run by an
 * ordinary user who holds CAP_CHECKPOINT_RESTORE and nothing else.
 *
 *   cr-fuzz run [-s SEED] [-n CALLS] [-p PATH] [-t PID]...
 *	paths: set_tid, mm_map, ptrace, sysctl, map_files, termios (all by
 *	default); -n calls per path; -t a process of another user to aim at
 *	too (it must come out unchanged). Prints TAP, one case per path, with
 *	the seed, the calls made and their results; "-s SEED -p PATH" replays
 *	one path: each path draws from its own generator, seeded from SEED and
 *	the path's name.
 *   cr-fuzz sentinel DIR
 *	as root: a process of uid 2000 that holds state the fuzzer must not
 *	change (a terminal with locked termios, System V IPC objects, a token
 *	in its memory); it writes "PID PTS SHMID MSQID SEMID" to DIR/ready, and
 *	on SIGUSR1 checks itself and writes DIR/report (TAP lines, then "done").
 *
 * A path runs in a child of its own, which runs the calls in batches, each
 * in a grandchild (namespaces, a changed mm or exe link die with it).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <asm/termbits.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE
#define SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE (1UL << 6)
#endif
#ifndef PTRACE_O_SUSPEND_SECCOMP
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#endif
#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#define BATCH 25

/* xorshift64*: small, fast, the same sequence everywhere for a seed */
static uint64_t rs;
static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545F4914F6CDD1DULL;
}
/*
 * A generator state from any number, never 0 (splitmix64's finaliser):
 * seeds that differ in their last bit only get states of their own.
 */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x ? x : 1;
}
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static int chance(int n) { return below(n) == 0; }

/* A number a kernel parser or range check might get wrong. */
static long pick_long(void)
{
	static const long v[] = { 0, 1, -1, 2, 300, 301, 32767, 32768, 65536,
		4194303, 4194304, 4194305, 0x7fffffff, -0x7fffffffL - 1,
		0x80000000L, 0xffffffffL, 0x7fffffffffffffffL, -2, 1000 };
	switch (below(4)) {
	case 0: return v[below(sizeof(v) / sizeof(v[0]))];
	case 1: return (long)below(1000);
	case 2: return (long)(int)rnd();
	default: return (long)rnd();
	}
}

/* Per path: calls, successes, errno counts. */
static struct stats {
	unsigned long calls, ok, err[134], crashed;
} st;
static void count(long r)
{
	st.calls++;
	if (r >= 0)
		st.ok++;
	else if (errno > 0 && errno < 134)
		st.err[errno]++;
}

static pid_t targets[8];
static int ntargets;

/* ---- set_tid: clone3 with random set_tid arrays in nested namespaces --- */
static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		(void)!write(fd, s, strlen(s));
		close(fd);
	}
}

/* Enter a new user and PID namespace; the caller continues as its pid 1. */
static int nest(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t p;
	int status;

	if (unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0)
		return -1;
	if (!chance(4)) {
		snprintf(map, sizeof(map), "0 %d 1", uid);
		write_file("/proc/self/uid_map", map);
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %d 1", gid);
		write_file("/proc/self/gid_map", map);
	}
	p = fork();
	if (p < 0)
		return -1;
	if (p == 0)
		return 0;
	waitpid(p, &status, 0);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 0);
}

static void fuzz_set_tid(unsigned long n)
{
	int depth = below(4), i;

	for (i = 0; i < depth; i++)
		if (nest() < 0)
			break;
	while (n--) {
		pid_t tids[40];
		struct clone_args a = { .exit_signal = SIGCHLD };
		size_t sz = below(40), j;
		char buf[32];
		long r;

		if (chance(4))
			sz = below(depth + 2);
		for (j = 0; j < sz; j++)
			tids[j] = chance(2) ? (pid_t)below(400) + 1 : (pid_t)pick_long();
		if (chance(4)) {
			snprintf(buf, sizeof(buf), "%ld", below(2) ? (long)below(500) : pick_long());
			write_file("/proc/sys/kernel/ns_last_pid", buf);
		}
		a.set_tid = (uintptr_t)tids;
		a.set_tid_size = chance(8) ? (uint64_t)pick_long() : sz;
		if (chance(6))
			a.flags |= CLONE_NEWPID;
		if (chance(6))
			a.flags |= CLONE_NEWUSER;
		if (chance(10))
			a.set_tid = (uintptr_t)pick_long();
		r = syscall(SYS_clone3, &a, chance(10) ? below(128) : sizeof(a));
		if (r == 0)
			syscall(SYS_exit_group, 0);
		count(r);
		if (r > 0)
			waitpid(r, NULL, 0);
	}
}

/* ---- mm_map: prctl(PR_SET_MM, PR_SET_MM_MAP) with random fields -------- */
static void fuzz_mm_map(unsigned long n)
{
	unsigned long f[52] = { 0 };
	unsigned long auxv[128];
	char buf[2048], *s;
	int fd, len, i, nauxv = 0;

	fd = open("/proc/self/stat", O_RDONLY);
	len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return;
	buf[len] = 0;
	s = strrchr(buf, ')');
	/* fields from 3 (state) on: f[k] is field k + 1 of proc(5) */
	for (i = 2; s && i < 52; i++) {
		s = strchr(s + 1, ' ');
		if (s)
			f[i] = strtoul(s + 1, NULL, 10);
	}
	fd = open("/proc/self/auxv", O_RDONLY);
	if (fd >= 0) {
		len = read(fd, auxv, sizeof(auxv));
		nauxv = len > 0 ? len / sizeof(long) : 0;
		close(fd);
	}
	while (n--) {
		struct prctl_mm_map m = {
			.start_code = f[25], .end_code = f[26], .start_stack = f[27],
			.start_data = f[44], .end_data = f[45], .start_brk = f[46],
			.brk = (unsigned long)sbrk(0), .arg_start = f[47],
			.arg_end = f[48], .env_start = f[49], .env_end = f[50],
			.auxv = (__u64 *)auxv, .auxv_size = nauxv * sizeof(long),
			.exe_fd = -1,
		};
		uint64_t *field = (uint64_t *)&m;
		unsigned int size = sizeof(m);
		long r;

		for (i = 0; i < 11; i++)
			if (chance(6))
				field[i] = chance(2) ? field[i] + (long)below(8192) - 4096 : (uint64_t)pick_long();
		if (chance(6))
			m.auxv_size = below(2 * sizeof(auxv));
		switch (below(7)) {
		case 0: m.exe_fd = open("/proc/self/exe", O_RDONLY); break;
		case 1: m.exe_fd = open("/bin/true", O_RDONLY); break;
		case 2: m.exe_fd = open("/dev/null", O_RDONLY); break;
		case 3: m.exe_fd = open("/", O_RDONLY | O_DIRECTORY); break;
		case 4: m.exe_fd = memfd_create("cr-fuzz", 0); break;
		case 5: m.exe_fd = (int)pick_long(); break;
		}
		if (chance(8))
			size = below(2 * sizeof(m));
		if (chance(10)) {
			r = prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, &size, 0, 0);
		} else if (chance(10)) {
			r = prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, m.exe_fd, 0, 0);
		} else {
			r = prctl(PR_SET_MM, PR_SET_MM_MAP, &m, size, 0);
		}
		count(r);
		if (m.exe_fd > 2 && m.exe_fd < 1024)
			close(m.exe_fd);
	}
}

/* ---- ptrace: SEIZE/SETOPTIONS/DETACH racing with seccomp and exit ------ */
static int install_filter(unsigned int flags)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}
static unsigned int filter_flags(void)
{
	unsigned int fl = 0;

	if (chance(2))
		fl |= SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE;
	if (chance(3))
		fl |= SECCOMP_FILTER_FLAG_TSYNC;
	if (chance(8))
		fl |= SECCOMP_FILTER_FLAG_LOG;
	return fl;
}

struct thr { uint64_t seed; int delay; };
static void *confine(void *arg)
{
	struct thr *t = arg;

	usleep(t->delay);
	install_filter((t->seed & 1 ? SECCOMP_FILTER_FLAG_TSYNC : 0) |
		       (t->seed & 2 ? SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE : 0));
	return NULL;
}

/* The tracee: system calls in a loop, another thread stacks filters. */
static void tracee(uint64_t seed)
{
	pthread_t th;
	struct thr t;
	unsigned long i, loops;

	rs = mix(seed);
	if (chance(2))
		install_filter(filter_flags() & ~SECCOMP_FILTER_FLAG_TSYNC);
	t.seed = rnd();
	t.delay = below(20000);
	if (chance(2))
		pthread_create(&th, NULL, confine, &t);
	loops = below(200000);
	for (i = 0; i < loops; i++)
		syscall(SYS_getppid);
	syscall(SYS_exit_group, 0);
}

static void fuzz_ptrace(unsigned long n)
{
	pthread_t th;
	struct thr t = { .seed = rnd(), .delay = below(50000) };
	pid_t child = -1, victim, kids[64];
	int nkids = 0, status;
	unsigned long data, idx;
	char info[128];
	long r;

	if (chance(2))
		pthread_create(&th, NULL, confine, &t);
	while (n--) {
		int fresh = chance(8);	/* drawn every time: replays stay in step */

		if (child < 0 || fresh) {
			uint64_t s = rnd();

			child = fork();
			if (child == 0)
				tracee(s);
			if (child > 0 && nkids < 64)
				kids[nkids++] = child;
		}
		victim = ntargets && chance(8) ? targets[below(ntargets)] : child;
		/* mostly valid options (PTRACE_O_MASK), now and then any bits */
		data = (rnd() & (chance(4) ? 0x3fffff : 0x3000ff)) |
		       (chance(2) ? PTRACE_O_SUSPEND_SECCOMP : 0);
		idx = chance(2) ? below(4) : (unsigned long)pick_long();
		switch (below(9)) {
		case 0: case 1: r = ptrace(PTRACE_SEIZE, victim, 0, data); break;
		case 2: r = ptrace(PTRACE_SETOPTIONS, victim, 0, data); break;
		case 3: r = ptrace(PTRACE_INTERRUPT, victim, 0, 0); break;
		case 4: r = ptrace(PTRACE_DETACH, victim, 0, 0); break;
		case 5: r = ptrace(PTRACE_SECCOMP_GET_FILTER, victim, idx, chance(2) ? NULL : info); break;
		case 6: r = ptrace(PTRACE_CONT, victim, 0, 0); break;
		case 7: r = ptrace(PTRACE_GET_SYSCALL_INFO, victim, sizeof(info), info); break;
		default:
			r = waitpid(-1, NULL, WNOHANG | __WALL);
			if (r == child)
				child = -1;
			if (chance(4) && child > 0) {
				kill(child, SIGKILL);
				child = -1;
			}
		}
		count(r);
		if (chance(50))
			install_filter(filter_flags());
	}
	while (nkids)
		kill(kids[--nkids], SIGKILL);
	/* a killed tracee may still stop (PTRACE_EVENT_EXIT): let it go on */
	while ((victim = waitpid(-1, &status, __WALL)) > 0)
		if (WIFSTOPPED(status))
			ptrace(PTRACE_CONT, victim, 0, 0);
}

/* ---- sysctl: random strings to ns_last_pid and the IPC *_next_id ------- */
static void fuzz_sysctl(unsigned long n)
{
	static const char *const files[] = { "/proc/sys/kernel/ns_last_pid",
		"/proc/sys/kernel/shm_next_id", "/proc/sys/kernel/msg_next_id",
		"/proc/sys/kernel/sem_next_id" };
	char s[80];
	long r;

	if (chance(3))
		unshare(CLONE_NEWUSER | (chance(2) ? CLONE_NEWIPC : 0));
	while (n--) {
		const char *f = files[below(4)];
		size_t len, i;
		int fd = open(f, chance(8) ? O_RDWR : O_WRONLY);

		switch (below(4)) {
		case 0: len = snprintf(s, sizeof(s), "%ld", pick_long()); break;
		case 1: len = snprintf(s, sizeof(s), "%s%ld%s", chance(2) ? " " : "",
				      pick_long(), chance(2) ? "\n" : "x1"); break;
		case 2: len = snprintf(s, sizeof(s), "0x%lx", (unsigned long)pick_long()); break;
		default:
			len = below(sizeof(s));
			for (i = 0; i < len; i++)
				s[i] = (char)(chance(2) ? '0' + below(10) : rnd());
		}
		r = chance(6) ? pwrite(fd, s, len, below(24)) : write(fd, s, len);
		count(r);
		if (fd >= 0)
			close(fd);
		switch (below(6)) {
		case 0: r = shmget(IPC_PRIVATE, 4096, 0600); if (r >= 0) shmctl(r, IPC_RMID, NULL); break;
		case 1: r = msgget(IPC_PRIVATE, 0600); if (r >= 0) msgctl(r, IPC_RMID, NULL); break;
		case 2: r = semget(IPC_PRIVATE, 1, 0600); if (r >= 0) semctl(r, 0, IPC_RMID); break;
		case 3: r = fork(); if (r == 0) _exit(0); if (r > 0) waitpid(r, NULL, 0); break;
		case 4: r = shmctl(chance(2) ? (int)below(65536) : (int)pick_long(), IPC_RMID, NULL); break;
		default: r = msgctl(chance(2) ? (int)below(65536) : (int)pick_long(), IPC_RMID, NULL); break;
		}
		count(r);
	}
}

/* ---- map_files: readlink and open, own and others' -------------------- */
static void fuzz_map_files(unsigned long n)
{
	char path[400], link[256], *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t child = fork();
	long r;

	if (child == 0) {
		pause();
		_exit(0);
	}
	(void)map;
	while (n--) {
		pid_t p;
		DIR *d;
		struct dirent *e;
		int k = below(4);

		switch (below(4)) {
		case 0: p = getpid(); break;
		case 1: p = child; break;
		case 2: p = ntargets ? targets[below(ntargets)] : 1; break;
		default: p = chance(2) ? 1 : (pid_t)below(500);
		}
		if (chance(3)) {
			snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", p,
				 (unsigned long)pick_long(), (unsigned long)pick_long());
		} else {
			snprintf(path, sizeof(path), "/proc/%d/map_files", p);
			d = opendir(path);
			count(d ? 0 : -1);
			if (!d)
				continue;
			while ((e = readdir(d)))
				if (e->d_name[0] != '.' && chance(3))
					break;
			if (e)
				snprintf(path, sizeof(path), "/proc/%d/map_files/%s", p, e->d_name);
			closedir(d);
		}
		if (k == 0) {
			r = readlink(path, link, sizeof(link));
		} else {
			int fd = open(path, k == 1 ? O_RDONLY : k == 2 ? O_RDWR : O_PATH);

			r = fd;
			if (fd >= 0) {
				(void)!read(fd, link, 1);
				close(fd);
			}
		}
		count(r);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* ---- termios: locked termios on own and others' terminals -------------- */
static void fuzz_termios(unsigned long n)
{
	while (n--) {
		struct termios t;
		char name[64];
		int fd, i;
		long r;

		if (chance(3)) {
			snprintf(name, sizeof(name), "/dev/pts/%d", (int)below(8));
			fd = open(name, O_RDWR | O_NOCTTY);
		} else if (chance(8)) {
			fd = open(chance(2) ? "/dev/console" : "/dev/tty", O_RDWR | O_NOCTTY);
		} else {
			fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
			if (fd >= 0 && chance(2)) {
				int unlock = 0, s;

				ioctl(fd, TIOCSPTLCK, &unlock);
				s = ioctl(fd, TIOCGPTPEER, O_RDWR | O_NOCTTY);
				if (s >= 0) {
					close(fd);
					fd = s;
				}
			}
		}
		count(fd);
		if (fd < 0)
			continue;
		for (i = 0; i < 4; i++) {
			unsigned long req;

			for (size_t j = 0; j < sizeof(t); j++)
				((unsigned char *)&t)[j] = chance(2) ? 0 : rnd();
			switch (below(5)) {
			case 0: case 1: req = TIOCSLCKTRMIOS; break;
			case 2: req = TIOCGLCKTRMIOS; break;
			case 3: req = TCSETS; break;
			default: req = TCGETS;
			}
			r = ioctl(fd, req, chance(10) ? (void *)pick_long() : &t);
			count(r);
		}
		close(fd);
	}
}

static const struct path {
	const char *name;
	void (*fn)(unsigned long n);
} paths[] = {
	{ "set_tid", fuzz_set_tid }, { "mm_map", fuzz_mm_map },
	{ "ptrace", fuzz_ptrace }, { "sysctl", fuzz_sysctl },
	{ "map_files", fuzz_map_files }, { "termios", fuzz_termios },
};

static uint64_t path_seed(uint64_t seed, const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ULL;
	return mix(seed ^ h);
}

/* Run PATH's N calls in batches, each in a grandchild; the totals come back on a pipe. */
static int run_path(int tap, const struct path *p, uint64_t seed, unsigned long n)
{
	struct stats total = { 0 };
	unsigned long done = 0;
	char errs[512] = "";
	int i, len = 0, status;

	rs = path_seed(seed, p->name);
	while (done < n) {
		unsigned long b = n - done < BATCH ? n - done : BATCH;
		uint64_t bs = rnd();
		int fds[2];
		pid_t c;

		if (pipe(fds) < 0)
			return 1;
		c = fork();
		if (c == 0) {
			close(fds[0]);
			rs = mix(bs);
			memset(&st, 0, sizeof(st));
			alarm(120);
			p->fn(b);
			(void)!write(fds[1], &st, sizeof(st));
			_exit(0);
		}
		close(fds[1]);
		memset(&st, 0, sizeof(st));
		if (read(fds[0], &st, sizeof(st)) != sizeof(st))
			st.crashed = 1;
		close(fds[0]);
		waitpid(c, &status, 0);
		if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status)))
			st.crashed = 1;
		/* a batch that died early: its calls are counted as planned */
		if (st.crashed)
			st.calls = st.calls ? st.calls : b;
		total.calls += st.calls;
		total.ok += st.ok;
		total.crashed += st.crashed;
		for (i = 0; i < 134; i++)
			total.err[i] += st.err[i];
		done += b;
	}
	for (i = 1; i < 134; i++)
		if (total.err[i] && len < (int)sizeof(errs) - 40)
			len += snprintf(errs + len, sizeof(errs) - len, " %s=%lu",
					strerrorname_np(i) ?: "?", total.err[i]);
	printf("# %s: seed %llu, %lu calls, %lu succeeded, %lu batches ended early;%s\n",
	       p->name, (unsigned long long)seed, total.calls, total.ok, total.crashed, errs);
	/* it fuzzed nothing if every batch died at once */
	i = total.ok + total.calls - total.crashed * BATCH > 0 || total.crashed < (n + BATCH - 1) / BATCH;
	printf("%s %d %s: %lu calls made (replay: cr-fuzz run -s %llu -n %lu -p %s)\n",
	       i ? "ok" : "not ok", tap, p->name, n, (unsigned long long)seed, n, p->name);
	fflush(stdout);
	return !i;
}

/* Exactly CAP_CHECKPOINT_RESTORE effective and permitted. */
static int only_cr(char *desc, size_t len)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	unsigned long long eff, prm;

	if (syscall(SYS_capget, &h, d))
		return 0;
	eff = d[0].effective | (unsigned long long)d[1].effective << 32;
	prm = d[0].permitted | (unsigned long long)d[1].permitted << 32;
	snprintf(desc, len, "uid %d, effective %#llx, permitted %#llx", getuid(), eff, prm);
	return getuid() != 0 && eff == 1ULL << 40 && prm == 1ULL << 40;
}

/* ---- the sentinel ------------------------------------------------------ */
static char sdir[256];
static volatile sig_atomic_t asked;
static void on_usr1(int s) { (void)s; asked = 1; }

static int sentinel(const char *dir)
{
	struct termios lck = { 0 }, got;
	char path[300], token[32], pts[64] = "";
	int mfd, sfd, unlock = 0, shmid, msqid, semid, fd;
	struct { long type; char text[32]; } msg = { 1, "" };
	pid_t me;
	FILE *f;

	snprintf(sdir, sizeof(sdir), "%s", dir);
	fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, token, 16) != 16)
		return 1;
	close(fd);
	for (int i = 0; i < 16; i++)
		token[i] = 'a' + (token[i] & 15);
	token[16] = 0;
	/* As root: a terminal whose settings are locked. */
	mfd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (mfd < 0 || ioctl(mfd, TIOCSPTLCK, &unlock))
		return 1;
	sfd = ioctl(mfd, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (sfd < 0 || ptsname_r(mfd, pts, sizeof(pts)))
		return 1;
	lck.c_cflag = CSIZE | PARENB;
	lck.c_lflag = ECHO | ICANON;
	if (ioctl(sfd, TIOCSLCKTRMIOS, &lck))
		return 1;
	/* Then uid 2000, no capability: the objects are that user's. */
	if (setgroups(0, NULL) || setresgid(2000, 2000, 2000) || setresuid(2000, 2000, 2000))
		return 1;
	shmid = shmget(IPC_PRIVATE, 4096, 0600);
	msqid = msgget(IPC_PRIVATE, 0600);
	semid = semget(IPC_PRIVATE, 1, 0600);
	if (shmid < 0 || msqid < 0 || semid < 0)
		return 1;
	char *shm = shmat(shmid, NULL, 0);

	if (shm == (void *)-1)
		return 1;
	strcpy(shm, token);
	strcpy(msg.text, token);
	if (msgsnd(msqid, &msg, sizeof(msg.text), 0) || semctl(semid, 0, SETVAL, 42))
		return 1;
	me = getpid();
	signal(SIGUSR1, on_usr1);
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%d %s %d %d %d\n", me, pts, shmid, msqid, semid);
	fclose(f);
	for (;;) {
		struct msqid_ds mq;
		struct shmid_ds sq;
		char status[4096];
		int n = 0, len;

		while (!asked)
			pause();
		asked = 0;
		snprintf(path, sizeof(path), "%s/report", dir);
		f = fopen(path, "w");
		if (!f)
			continue;
#define CHECK(what, cond) fprintf(f, "%s %d %s\n", (cond) ? "ok" : "not ok", ++n, what)
		CHECK("the sentinel keeps its PID and its uid 2000",
		      getpid() == me && getuid() == 2000 && geteuid() == 2000);
		CHECK("its terminal's locked settings are as it left them",
		      !ioctl(sfd, TIOCGLCKTRMIOS, &got) && got.c_cflag == lck.c_cflag &&
		      got.c_lflag == lck.c_lflag && got.c_iflag == 0 && got.c_oflag == 0);
		CHECK("its shared memory segment holds its token, attached once",
		      !strcmp(shm, token) && !shmctl(shmid, IPC_STAT, &sq) &&
		      sq.shm_nattch == 1 && sq.shm_perm.uid == 2000);
		CHECK("its message queue holds its one message",
		      !msgctl(msqid, IPC_STAT, &mq) && mq.msg_qnum == 1 && mq.msg_perm.uid == 2000);
		CHECK("its semaphore is 42", semctl(semid, 0, GETVAL) == 42);
		fd = open("/proc/self/status", O_RDONLY);
		len = fd >= 0 ? read(fd, status, sizeof(status) - 1) : -1;
		if (fd >= 0)
			close(fd);
		status[len > 0 ? len : 0] = 0;
		CHECK("nobody traces it, and it runs without seccomp",
		      strstr(status, "\nTracerPid:\t0\n") && strstr(status, "\nSeccomp:\t0\n"));
		fd = readlink("/proc/self/exe", path, sizeof(path) - 1);
		path[fd > 0 ? fd : 0] = 0;
		CHECK("its exe link is cr-fuzz", strstr(path, "cr-fuzz") != NULL);
		fprintf(f, "done\n");
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = 0;
	unsigned long n = 1000;
	const char *only = NULL;
	char caps[128];
	int opt, tap = 0, i, failed = 0;

	if (argc >= 3 && !strcmp(argv[1], "sentinel"))
		return sentinel(argv[2]);
	if (argc < 2 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: cr-fuzz run [-s SEED] [-n CALLS] [-p PATH] [-t PID]... | cr-fuzz sentinel DIR\n");
		return 2;
	}
	optind = 2;
	while ((opt = getopt(argc, argv, "s:n:p:t:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'p': only = optarg; break;
		case 't': if (ntargets < 8) targets[ntargets++] = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!seed) {
		int fd = open("/dev/urandom", O_RDONLY);

		if (fd < 0 || read(fd, &seed, sizeof(seed)) != sizeof(seed))
			seed = time(NULL);
		seed &= 0xffffffffffffULL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# cr-fuzz: seed %llu, %lu calls per path\n", (unsigned long long)seed, n);
	printf("1..%zu\n", only ? 2 : 1 + sizeof(paths) / sizeof(paths[0]));
	i = only_cr(caps, sizeof(caps));
	printf("%s %d the fuzzer holds CAP_CHECKPOINT_RESTORE and no other capability # %s\n",
	       i ? "ok" : "not ok", ++tap, caps);
	failed |= !i;
	for (i = 0; i < (int)(sizeof(paths) / sizeof(paths[0])); i++)
		if (!only || !strcmp(only, paths[i].name))
			failed |= run_path(++tap, &paths[i], seed, n);
	return failed;
}
