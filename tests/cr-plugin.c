// SPDX-License-Identifier: GPL-2.0
/*
 * A CRIU plugin of the user's own, for tests/criu-handout.sh: it only
 * reports where it runs. Its constructor copies /proc/self/status, the
 * capability sets of the process that loaded it, to the file named by
 * CR_PLUGIN_OUT. If a setcap'd criu loads it, that file shows the user's
 * code running with criu's capability.
 *
 * A shared object (-shared -fPIC), built on the host: the guest has no
 * compiler. It needs nothing from libc beyond open, read, write and
 * getenv, so it loads against the guest's glibc.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void report(void)
{
	const char *out = getenv("CR_PLUGIN_OUT");
	char buf[4096];
	ssize_t n;
	int in, fd;

	if (!out)
		return;
	in = open("/proc/self/status", O_RDONLY);
	if (in < 0)
		return;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				break;
		close(fd);
	}
	close(in);
}
