// SPDX-License-Identifier: GPL-2.0
/*
 * A job with System V IPC state, for the CRIU IPC scenario.
 *
 *   cr-ipc DIR
 *
 * Moves into a user namespace of its own (uid 1000 mapped to 0) and an IPC
 * namespace owned by it, creates a shared memory segment with a known
 * pattern, a set of three semaphores with known values and a message
 * queue holding three messages, then writes DIR/ready ("pid shmid semid
 * msqid") and waits. Each SIGUSR1 makes it check, through the ids it
 * remembers, that every object is there with its contents, and write
 * DIR/report: "ok ITEM" or "not ok ITEM: why" per item, then "done".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include "cr-job.h"

#ifndef MSG_COPY
#define MSG_COPY	040000
#endif

#define SHM_SIZE	(64 << 10)

static const unsigned short sem_values[3] = { 1, 5, 9 };
static const char *const messages[3] = {
	"first message, type 1", "second one, type 2", "third, type 3",
};

struct message {
	long type;
	char text[64];
};

static int shmid, semid, msqid;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static int own_namespaces(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWIPC))
		return -1;
	snprintf(map, sizeof(map), "0 %d 1", uid);
	if (write_file("/proc/self/uid_map", map) ||
	    write_file("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %d 1", gid);
	return write_file("/proc/self/gid_map", map);
}

static int create_objects(void)
{
	struct message m;
	char *p;
	int i;

	/*
	 * Create and remove a few objects first, so that the ids kept are not
	 * the ones a fresh namespace hands out anyway: the restore must ask
	 * for them (kernel/{shm,sem,msg}_next_id).
	 */
	for (i = 0; i < 2; i++) {
		shmctl(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), IPC_RMID, NULL);
		semctl(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), 0, IPC_RMID);
		msgctl(msgget(IPC_PRIVATE, IPC_CREAT | 0600), IPC_RMID, NULL);
	}
	shmid = shmget(IPC_PRIVATE, SHM_SIZE, IPC_CREAT | 0600);
	semid = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (shmid < 0 || semid < 0 || msqid < 0)
		return -1;

	p = shmat(shmid, NULL, 0);
	if (p == (void *)-1)
		return -1;
	for (i = 0; i < SHM_SIZE; i++)
		p[i] = (char)(i * 13 + 5);
	shmdt(p);

	if (semctl(semid, 0, SETALL, sem_values))
		return -1;

	for (i = 0; i < 3; i++) {
		m.type = i + 1;
		snprintf(m.text, sizeof(m.text), "%s", messages[i]);
		if (msgsnd(msqid, &m, strlen(m.text) + 1, 0))
			return -1;
	}
	return 0;
}

static void check(FILE *f)
{
	unsigned short vals[3] = { 0 };
	struct msqid_ds ds;
	struct message m;
	int i, good;
	char *p;

	p = shmat(shmid, NULL, SHM_RDONLY);
	good = p != (void *)-1;
	for (i = 0; good && i < SHM_SIZE; i++)
		good = p[i] == (char)(i * 13 + 5);
	if (p != (void *)-1)
		shmdt(p);
	fprintf(f, "%s shared memory segment %d: contents\n", good ? "ok" : "not ok", shmid);

	good = !semctl(semid, 0, GETALL, vals) && !memcmp(vals, sem_values, sizeof(vals));
	fprintf(f, "%s semaphore set %d: values %u %u %u\n", good ? "ok" : "not ok",
		semid, sem_values[0], sem_values[1], sem_values[2]);

	good = !msgctl(msqid, IPC_STAT, &ds) && ds.msg_qnum == 3;
	for (i = 0; good && i < 3; i++) {
		/* MSG_COPY reads the i-th message and leaves it queued. */
		good = msgrcv(msqid, &m, sizeof(m.text), i,
			      IPC_NOWAIT | MSG_COPY) > 0 &&
		       m.type == i + 1 && !strcmp(m.text, messages[i]);
	}
	fprintf(f, "%s message queue %d: three messages, in order\n",
		good ? "ok" : "not ok", msqid);
}

int main(int argc, char **argv)
{
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	if (own_namespaces()) {
		perror("user and IPC namespaces");
		return 1;
	}
	if (create_objects()) {
		perror("IPC objects");
		return 1;
	}
	if (job_ready(argv[1], "%d %d %d %d\n", getpid(), shmid, semid, msqid))
		return 1;

	for (;;) {
		if (report_requested) {
			report_requested = 0;
			f = job_report_open(argv[1]);
			if (f) {
				check(f);
				job_report_close(f, argv[1]);
			}
		}
		pause();
	}
}
