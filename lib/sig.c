// SPDX-License-Identifier: MIT
#include "sig.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_stop(int signo)
{
	if (!stop_signal)
		stop_signal = signo;
}

int sig_install_stop(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return -errno;
	return 0;
}

bool sig_stop_requested(void)
{
	return stop_signal != 0;
}

int sig_stop_signal(void)
{
	return stop_signal;
}

void sig_request_stop(int signo)
{
	if (!stop_signal)
		stop_signal = signo ? signo : -1;
}

void sig_reset(void)
{
	stop_signal = 0;
}

int sig_parent_death(int signo, pid_t expected_parent)
{
	if (prctl(PR_SET_PDEATHSIG, signo) != 0)
		return -errno;
	if (getppid() != expected_parent)
		return -ESRCH;
	return 0;
}

#define CLEANUP_MAX 64

static struct {
	void (*fn)(void *arg);
	void *arg;
} cleanups[CLEANUP_MAX];
static int ncleanups;

int cleanup_push(void (*fn)(void *arg), void *arg)
{
	if (ncleanups >= CLEANUP_MAX)
		return -ENOSPC;
	cleanups[ncleanups].fn = fn;
	cleanups[ncleanups].arg = arg;
	ncleanups++;
	return 0;
}

void cleanup_forget(void (*fn)(void *arg), void *arg)
{
	for (int i = ncleanups - 1; i >= 0; i--) {
		if (cleanups[i].fn == fn && cleanups[i].arg == arg) {
			memmove(&cleanups[i], &cleanups[i + 1],
				(size_t)(ncleanups - i - 1) * sizeof(cleanups[0]));
			ncleanups--;
			return;
		}
	}
}

void cleanup_run(void)
{
	while (ncleanups > 0) {
		ncleanups--;
		cleanups[ncleanups].fn(cleanups[ncleanups].arg);
	}
}
