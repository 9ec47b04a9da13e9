// SPDX-License-Identifier: GPL-2.0
/*
 * Context-switch ping-pong: two processes on one CPU pass a byte back and
 * forth through pipes, so every round trip is two context switches.
 *
 *   pingpong [ROUNDS]   prints "ns_per_switch N"
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 100000, i;
	int ab[2], ba[2];
	struct timespec t0, t1;
	cpu_set_t one;
	char c = 0;
	pid_t pid;
	double ns;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (rounds <= 0 || pipe(ab) || pipe(ba) ||
	    sched_setaffinity(0, sizeof(one), &one)) {
		perror("pingpong");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		for (i = 0; i < rounds; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rounds; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(pid, NULL, 0);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("ns_per_switch %.1f\n", ns / rounds / 2);
	return 0;
}
