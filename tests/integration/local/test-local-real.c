// SPDX-License-Identifier: MIT
/*
 * The local backend on this host's real cgroups and network namespaces, as
 * root: three VMs, processes entered into them, traffic across the bridge,
 * weights and caps read back, a memory hog and a fork loop held by their
 * limits, teardown and crash cleanup leaving nothing. Exits 77 (skip) when
 * not root, unless CI=true.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <ifaddrs.h>
#include <sched.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "clock.h"
#include "fileio.h"
#include "local.h"
#include "proc.h"

extern const struct backend_ops backend_local_ops;
static const struct backend_ops *ops = &backend_local_ops;

#define PORT 7100

static char run1[32], run2[32], run3[32], run4[32];
static struct backend *b;

static const struct backend_vm vms[] = {
	{ .name = "web", .role = BACKEND_ROLE_VICTIM },
	{ .name = "noisy",
	  .role = BACKEND_ROLE_NEIGHBOR,
	  /* v2 charges page tables: 32 ASan processes of the pids test need ~40 MiB */
	  .memory_max = 96 << 20,
	  .pids_max = 32,
	  .io_weight = 512 },
	{ .name = "client", .role = BACKEND_ROLE_PROBE },
};

/* Runs fn in a child placed in vm; returns its wait status. */
static int in_vm(const char *vm, int (*fn)(void *arg), void *arg, uint64_t timeout_ns)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		if (backend_local_enter(b, vm) < 0)
			_exit(100);
		_exit(fn(arg));
	}
	assert_true(pid > 0);
	if (proc_wait_timeout(pid, timeout_ns, &st) == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
		fail_msg("child in %s did not finish", vm);
	}
	return st;
}

static int exit_code(int st)
{
	if (!WIFEXITED(st))
		fail_msg("child died of signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	return WEXITSTATUS(st);
}

static const char *found_name;
static int found;

static int match_dir(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *base = p + ftw->base;

	if (flag == FTW_D && strcmp(base, found_name) == 0) {
		found = 1;
		return 1;
	}
	return 0;
}

/* true when a directory named name exists anywhere under /sys/fs/cgroup */
static bool cgroup_dir_exists(const char *name)
{
	found_name = name;
	found = 0;
	(void)nftw("/sys/fs/cgroup", match_dir, 32, FTW_PHYS);
	return found;
}

static bool netns_present(const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "/run/netns/%s", name);
	return access(p, F_OK) == 0;
}

static int setup(void **state)
{
	struct backend_config cfg = { .name = "local", .run_id = run1 };
	struct backend_err err = { 0 };
	uint64_t t0;

	if (ops->open(&cfg, &b, &err) != 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		return -1;
	}
	t0 = clock_now_ns();
	if (backend_local_prepare(b, vms, 3, &err) != 0) {
		fprintf(stderr, "prepare: %s: %s\n", err.code, err.msg);
		return -1;
	}
	fprintf(stderr, "# prepare of 3 VMs took %.1f ms\n", ns_to_ms(clock_now_ns() - t0));
	return 0;
}

static void real_prepare_creates_cgroups_and_namespaces(void **state)
{
	char name[96];
	struct backend_caps caps;

	for (size_t i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "isolab-%s-%s", run1, vms[i].name);
		assert_true(cgroup_dir_exists(name));
		assert_true(netns_present(name));
	}
	snprintf(name, sizeof(name), "isolab-%s-sw", run1);
	assert_true(netns_present(name));
	assert_string_equal(backend_local_vm_addr(b, "web"), "198.18.0.1");
	assert_string_equal(backend_local_vm_addr(b, "client"), "198.18.0.3");
	assert_int_equal(ops->caps(b, &caps, NULL), 0);
	fprintf(stderr, "# caps: %s weight=%d cap=%d notes: %s\n", caps.scheduler, caps.weight,
		caps.cap, caps.notes);
	fprintf(stderr, "# probe protection: %s\n", backend_local_probe_protection(b));
}

static int check_self(void *arg)
{
	const char *want = arg;
	struct ifaddrs *ifa, *i;
	char *cg = NULL;
	int lines = 0, in_vm_lines = 0, has_addr = 0, has_default = 0;
	char *text = NULL;

	if (file_read_all("/proc/self/cgroup", 65536, &cg, NULL) < 0)
		return 1;
	/* "N:ctrls:/path": the v2 line ("0::") and every cpu/memory/pids line must be in the VM */
	for (char *l = strtok(cg, "\n"); l; l = strtok(NULL, "\n")) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		bool used;

		if (!c2)
			continue;
		*c2 = '\0';
		used = c1[1] == '\0' || strcmp(c1 + 1, "cpu") == 0 || strstr(c1 + 1, "cpu,") ||
		       strcmp(c1 + 1, "memory") == 0 || strcmp(c1 + 1, "pids") == 0;
		if (!used)
			continue;
		lines++;
		if (strstr(c2 + 1, want))
			in_vm_lines++;
	}
	free(cg);
	if (getifaddrs(&ifa) < 0)
		return 2;
	for (i = ifa; i; i = i->ifa_next) {
		char buf[64];

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
			  sizeof(buf));
		if (strcmp(i->ifa_name, "eth0") == 0 && strcmp(buf, "198.18.0.1") == 0)
			has_addr = 1;
	}
	freeifaddrs(ifa);
	if (file_read_all("/proc/net/route", 65536, &text, NULL) == 0) {
		/* Iface Destination Gateway ...: a default route has destination 0 */
		for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
			char *tab = strchr(l, '\t');

			if (tab && strncmp(tab + 1, "00000000\t", 9) == 0)
				has_default = 1;
		}
		free(text);
	}
	if (lines == 0 || in_vm_lines != lines)
		return 3;
	if (!has_addr)
		return 4;
	if (has_default)
		return 5;
	return 0;
}

static int nothing(void *arg)
{
	return 0;
}

static void real_enter_places_child_in_vm_cgroups_and_netns(void **state)
{
	char want[96];

	uint64_t t0;

	snprintf(want, sizeof(want), "/isolab-%s/isolab-%s-web", run1, run1);
	assert_int_equal(exit_code(in_vm("web", check_self, want, 5 * NSEC_PER_SEC)), 0);
	/* the cost of placing a tool: fork, enter, exit, reap */
	t0 = clock_now_ns();
	for (int i = 0; i < 20; i++)
		assert_int_equal(exit_code(in_vm("web", nothing, NULL, 5 * NSEC_PER_SEC)), 0);
	fprintf(stderr, "# fork+enter+exit+reap: %.2f ms each (20 runs)\n",
		ns_to_ms(clock_now_ns() - t0) / 20);
}

static int serve_once(void *arg)
{
	int *ready = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0)
		return 1;
	if (write(ready[1], "r", 1) != 1)
		return 2;
	alarm(10);
	c = accept(s, NULL, NULL);
	if (c < 0 || write(c, "hello", 5) != 5)
		return 3;
	close(c);
	close(s);
	return 0;
}

static int connect_to(void *arg)
{
	const char *addr = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[8] = "";

	inet_pton(AF_INET, addr, &a.sin_addr);
	alarm(10);
	if (s < 0)
		return 1;
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return errno == ENETUNREACH ? 20 : 2;
	if (read(s, buf, 5) != 5 || strncmp(buf, "hello", 5) != 0)
		return 3;
	close(s);
	return 0;
}

static void real_vms_reach_each_other_over_the_bridge_only(void **state)
{
	int ready[2], st = 0;
	char c;
	pid_t srv;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	srv = fork();
	if (srv == 0) {
		close(ready[0]);
		if (backend_local_enter(b, "noisy") < 0)
			_exit(100);
		_exit(serve_once(ready));
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1); /* listening */
	close(ready[0]);
	assert_int_equal(
		exit_code(in_vm("client", connect_to, (char[]){ "198.18.0.2" }, 10 * NSEC_PER_SEC)),
		0);
	assert_int_equal(waitpid(srv, &st, 0), srv);
	assert_int_equal(exit_code(st), 0);
	/* TEST-NET-1: no route out of a VM, so nothing leaves the run's network */
	assert_int_equal(
		exit_code(in_vm("web", connect_to, (char[]){ "192.0.2.1" }, 5 * NSEC_PER_SEC)), 20);
}

static void real_sched_set_reads_back(void **state)
{
	struct sched_params p = { .weight = 512, .cap = 50 }, got = { -1, -1 };
	struct backend_err err = { 0 };
	struct backend_config cfg = { .name = "local" };
	struct backend *op = NULL;
	char full[96];
	bool live = false, exact = false;

	assert_int_equal(ops->sched_set(b, "web", &p, &err), 0);
	assert_int_equal(ops->sched_get(b, "web", &got, &live, &err), 0);
	assert_int_equal(got.weight, 512);
	assert_int_equal(got.cap, 50);
	assert_true(live);
	/* the operator's view: a second backend, no run, full cgroup name */
	assert_int_equal(ops->open(&cfg, &op, &err), 0);
	snprintf(full, sizeof(full), "isolab-%s-client", run1);
	assert_int_equal(backend_local_sched_get_exact(op, full, &got, &exact, &err), 0);
	if (strstr(backend_local_probe_protection(b), " on CPU ")) /* its own CPU */
		assert_int_equal(got.weight, 256); /* a default VM's weight: see local-run.c */
	else
		assert_true(got.weight > 256 * 20); /* sharing CPUs: the top weight */
	assert_int_equal(got.cap, 0);
	ops->close(op);
	p = (struct sched_params){ .weight = 256, .cap = 0 };
	assert_int_equal(ops->sched_set(b, "web", &p, &err), 0);
}

/*
 * Pins itself to CPU 0, says so on ready and waits until go is closed (not with ready
 * -1), so that both burners of a pair start together (placing a child in a VM takes
 * ~15 ms with ASan, ~100 ms under emulation); then spins for 1 s of wall time and
 * returns the percent of it that it got.
 */
static int burn(int ready, int go)
{
	cpu_set_t one;
	uint64_t start, cpu0;
	volatile uint64_t x = 0;
	char c;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		return 255;
	if (ready >= 0 && (write(ready, "r", 1) != 1 || read(go, &c, 1) != 0))
		return 253;
	start = clock_now_ns();
	cpu0 = clock_process_cpu_ns();
	while (clock_now_ns() - start < NSEC_PER_SEC)
		for (int i = 0; i < 10000; i++)
			x += (uint64_t)i;
	return (int)((clock_process_cpu_ns() - cpu0) * 100 / (clock_now_ns() - start));
}

/* One burner, no one to wait for. */
static int burn_alone(void *arg)
{
	return burn(-1, -1);
}

/* Two burners pinned to CPU 0 at the same time, in web and noisy with these weights. */
static void burn_pair(int w_web, int w_noisy, int *web, int *noisy)
{
	struct sched_params pw_ = { .weight = w_web, .cap = 0 },
			    pn_ = { .weight = w_noisy, .cap = 0 };
	struct backend_err err = { 0 };
	int ready[2], go[2], sw, sn;
	pid_t pw, pn;
	char c[2];

	assert_int_equal(ops->sched_set(b, "web", &pw_, &err), 0);
	assert_int_equal(ops->sched_set(b, "noisy", &pn_, &err), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pw = fork();
	if (pw == 0) {
		close(go[1]);
		_exit(backend_local_enter(b, "web") < 0 ? 254 : burn(ready[1], go[0]));
	}
	pn = fork();
	if (pn == 0) {
		close(go[1]);
		_exit(backend_local_enter(b, "noisy") < 0 ? 254 : burn(ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	/* both entered and pinned (or failed: then read sees the end early) */
	assert_int_equal(read(ready[0], c, 1) + read(ready[0], c + 1, 1), 2);
	close(go[1]);
	close(ready[0]);
	assert_int_equal(waitpid(pw, &sw, 0), pw);
	assert_int_equal(waitpid(pn, &sn, 0), pn);
	*web = exit_code(sw);
	*noisy = exit_code(sn);
	assert_true(*web < 200 && *noisy < 200);
}

static void real_weights_and_caps_share_a_cpu_as_set(void **state)
{
	struct sched_params lo = { .weight = 256, .cap = 0 };
	struct sched_params capped = { .weight = 256, .cap = 20 };
	struct backend_err err = { 0 };
	int web, noisy;

	/*
	 * Equal weights split the CPU evenly, 8:1 by 8:1. Load elsewhere on the host blurs it,
	 * and a host so busy that the pair got under 10 % of the CPU cannot show a split at
	 * all (percent resolution): then say so instead of judging noise.
	 */
	burn_pair(256, 256, &web, &noisy);
	fprintf(stderr, "# one CPU shared, weight 256 vs 256: %d%% vs %d%%\n", web, noisy);
	if (web + noisy >= 10)
		assert_true(web <= 2 * noisy && noisy <= 2 * web);
	else
		fprintf(stderr, "# host too busy (the pair got %d%% of CPU 0): split not judged\n",
			web + noisy);
	burn_pair(256, 2048, &web, &noisy);
	fprintf(stderr, "# one CPU shared, weight 256 vs 2048: %d%% vs %d%%\n", web, noisy);
	if (web + noisy >= 10)
		assert_true(noisy >= 2 * web);
	else
		fprintf(stderr, "# host too busy (the pair got %d%% of CPU 0): split not judged\n",
			web + noisy);

	assert_int_equal(ops->sched_set(b, "web", &capped, &err), 0);
	web = exit_code(in_vm("web", burn_alone, NULL, 5 * NSEC_PER_SEC));
	fprintf(stderr, "# alone with cap 20: %d%% of a CPU\n", web);
	assert_true(web <= 30);
	assert_int_equal(ops->sched_set(b, "web", &lo, &err), 0);
	assert_int_equal(ops->sched_set(b, "noisy", &lo, &err), 0);
}

static int hog(void *arg)
{
	size_t len = 256u << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return 1;
	for (size_t off = 0; off < len; off += 4096)
		m[off] = 1;
	return 0; /* touched all of it: the limit did not hold */
}

static void real_memory_limit_kills_a_hog(void **state)
{
	int st = in_vm("noisy", hog, NULL, 20 * NSEC_PER_SEC);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
}

static int fork_loop(void *arg)
{
	int n = 0;

	for (int i = 0; i < 200; i++) {
		pid_t p = fork();

		if (p == 0) {
			alarm(30); /* bounded even if nothing kills it */
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		n++;
	}
	return n > 250 ? 250 : n;
}

static void real_pids_limit_bounds_a_fork_loop(void **state)
{
	int n = exit_code(in_vm("noisy", fork_loop, NULL, 10 * NSEC_PER_SEC));

	/* pids.max 32 counts the forking process itself */
	assert_true(n >= 1);
	assert_true(n <= 31);
	fprintf(stderr, "# fork loop stopped after %d children (pids.max 32)\n", n);
}

static void real_list_vms_shows_the_run(void **state)
{
	struct vm_info *list = NULL;
	size_t n = 0, mine = 0;
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "isolab-%s-", run1);
	assert_int_equal(ops->list_vms(b, &list, &n, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(list[i].name, prefix, strlen(prefix)) != 0)
			continue;
		mine++;
		/* the fork loop's children are still parked in noisy */
		if (strcmp(list[i].name + strlen(prefix), "noisy") == 0)
			assert_string_equal(list[i].power_state, "Running");
	}
	vm_info_array_free(list, n);
	assert_int_equal(mine, 3);
}

static void real_teardown_leaves_nothing(void **state)
{
	struct backend_err err = { 0 };
	char name[96];
	uint64_t t0 = clock_now_ns(), deadline;
	int st, left = 0;
	pid_t p;

	assert_int_equal(backend_local_teardown(b, &err), 0);
	fprintf(stderr, "# teardown took %.1f ms\n", ns_to_ms(clock_now_ns() - t0));
	snprintf(name, sizeof(name), "isolab-%s", run1);
	assert_false(cgroup_dir_exists(name));
	for (size_t i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "isolab-%s-%s", run1, vms[i].name);
		assert_false(netns_present(name));
	}
	snprintf(name, sizeof(name), "isolab-%s-sw", run1);
	assert_false(netns_present(name));
	/* the fork loop's children were ours through the subreaper: all dead now */
	deadline = clock_now_ns() + 5 * NSEC_PER_SEC;
	while ((p = waitpid(-1, &st, WNOHANG)) >= 0 && clock_now_ns() < deadline) {
		if (p == 0)
			(void)clock_sleep(10 * NSEC_PER_MSEC);
		else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
			left++;
	}
	assert_int_equal(errno, ECHILD);
	assert_int_equal(left, 0);
	assert_int_equal(backend_local_teardown(b, &err), 0);
}

static void real_cleanup_after_crash_leaves_nothing(void **state)
{
	struct backend_caps caps;
	bool scoped;
	int pfd[2], st, n;
	pid_t crash, sleeper = 0;
	char name[96];
	struct backend_err err = { 0 };
	uint64_t t0;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	crash = fork();
	if (crash == 0) {
		struct backend_config cfg = { .name = "local", .run_id = run2 };
		struct backend *cb = NULL;
		int in[2];
		char c;
		pid_t s;

		close(pfd[0]);
		if (ops->open(&cfg, &cb, NULL) < 0 || backend_local_prepare(cb, vms, 3, NULL) < 0)
			_exit(1);
		if (pipe2(in, O_CLOEXEC) < 0)
			_exit(1);
		s = fork();
		if (s == 0) {
			/* tells both once it is inside, so the crash comes after the enter */
			pid_t me = getpid();

			if (backend_local_enter(cb, "web") < 0 ||
			    write(pfd[1], &me, sizeof(me)) != sizeof(me) ||
			    write(in[1], "i", 1) != 1)
				_exit(1);
			alarm(30);
			pause();
			_exit(0);
		}
		if (s < 0 || read(in[0], &c, 1) != 1)
			_exit(1);
		raise(SIGKILL); /* the controller dies mid-run */
		_exit(1);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &sleeper, sizeof(sleeper)), sizeof(sleeper));
	close(pfd[0]);
	assert_int_equal(waitpid(crash, &st, 0), crash);
	assert_true(WIFSIGNALED(st));
	snprintf(name, sizeof(name), "isolab-%s-web", run2);
	assert_true(cgroup_dir_exists(name));
	assert_true(netns_present(name));
	scoped = ops->caps(b, &caps, NULL) == 0 && strstr(caps.notes, "transient scope") != NULL;

	t0 = clock_now_ns();
	n = backend_local_cleanup_run(run2, NULL, &err);
	fprintf(stderr, "# cleanup_run removed %d objects in %.1f ms\n", n,
		ns_to_ms(clock_now_ns() - t0));
	/* the sleeper, 4 cgroups per hierarchy, 4 namespaces; under systemd the run's scope
	   is stopped as one unit (systemd ends the sleeper, SIGTERM first, and removes the
	   groups): the assertions below check that each is gone */
	assert_true(n >= (scoped ? 1 + 4 : 4 + 3 + 1));
	assert_int_equal(waitpid(sleeper, &st, 0), sleeper); /* reparented to us */
	assert_true(WIFSIGNALED(st));
	assert_true(WTERMSIG(st) == SIGKILL || (scoped && WTERMSIG(st) == SIGTERM));
	snprintf(name, sizeof(name), "isolab-%s", run2);
	assert_false(cgroup_dir_exists(name));
	snprintf(name, sizeof(name), "isolab-%s-web", run2);
	assert_false(netns_present(name));
	snprintf(name, sizeof(name), "isolab-%s-sw", run2);
	assert_false(netns_present(name));
	assert_int_equal(backend_local_cleanup_run(run2, NULL, &err), 0);
}

static void real_prepare_refuses_a_leftover_namespace(void **state)
{
	struct backend_config cfg = { .name = "local", .run_id = run4 };
	const char *argv[] = { "ip", "netns", "add", NULL, NULL };
	struct backend_err err = { 0 };
	struct backend *lb = NULL;
	char name[96], *out = NULL;
	int st = 0;

	snprintf(name, sizeof(name), "isolab-%s-noisy", run4);
	argv[3] = name;
	assert_int_equal(proc_run(argv, NULL, true, 5 * NSEC_PER_SEC, 4096, &out, &st), 0);
	free(out);
	assert_true(netns_present(name));
	assert_int_equal(ops->open(&cfg, &lb, &err), 0);
	assert_int_equal(backend_local_prepare(lb, vms, 3, &err), -EEXIST);
	assert_non_null(strstr(err.msg, name));
	assert_non_null(strstr(err.msg, "isolab restore"));
	ops->close(lb);
	assert_true(netns_present(name)); /* not ours to remove: it was there before */
	assert_int_equal(backend_local_cleanup_run(run4, NULL, &err), 1);
	assert_false(netns_present(name));
}

static void real_v2_mount_without_controllers_still_tracks_and_kills(void **state)
{
	const char *root = "/sys/fs/cgroup/unified";
	struct backend_config cfg = {
		.name = "local", .run_id = run3, .opts = { { "cgroup_root", root } }, .n_opts = 1
	};
	static const struct backend_vm solo[] = { { .name = "solo" } };
	struct backend_err err = { 0 };
	struct backend *vb = NULL;
	char want[128], path[256], *text = NULL;
	int st;
	pid_t pid;

	if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) < 0)
		skip(); /* a pure v2 host: the tests above ran on v2 already */
	assert_int_equal(ops->open(&cfg, &vb, &err), 0);
	if (backend_local_prepare(vb, solo, 1, &err) != 0)
		fail_msg("prepare: %s", err.msg);
	pid = fork();
	if (pid == 0) {
		if (backend_local_enter(vb, "solo") < 0)
			_exit(1);
		alarm(30);
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	snprintf(want, sizeof(want), "0::/isolab-%s/isolab-%s-solo", run3, run3);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	for (int i = 0; i < 100 && !(text && strstr(text, want)); i++) {
		free(text);
		text = NULL;
		(void)file_read_all(path, 65536, &text, NULL);
		(void)clock_sleep(10 * NSEC_PER_MSEC);
	}
	assert_non_null(text);
	assert_non_null(strstr(text, want));
	free(text);
	assert_int_equal(backend_local_teardown(vb, &err), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	snprintf(path, sizeof(path), "%s/isolab-%s", root, run3);
	assert_int_equal(access(path, F_OK), -1);
	ops->close(vb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_prepare_creates_cgroups_and_namespaces),
		cmocka_unit_test(real_enter_places_child_in_vm_cgroups_and_netns),
		cmocka_unit_test(real_vms_reach_each_other_over_the_bridge_only),
		cmocka_unit_test(real_sched_set_reads_back),
		cmocka_unit_test(real_weights_and_caps_share_a_cpu_as_set),
		cmocka_unit_test(real_memory_limit_kills_a_hog),
		cmocka_unit_test(real_pids_limit_bounds_a_fork_loop),
		cmocka_unit_test(real_list_vms_shows_the_run),
		cmocka_unit_test(real_teardown_leaves_nothing),
		cmocka_unit_test(real_cleanup_after_crash_leaves_nothing),
		cmocka_unit_test(real_prepare_refuses_a_leftover_namespace),
		cmocka_unit_test(real_v2_mount_without_controllers_still_tracks_and_kills),
	};
	const char *ci = getenv("CI");
	int ret;

	if (geteuid() != 0) {
		if (ci && strcmp(ci, "true") == 0) {
			fprintf(stderr, "test-local-real: needs root (CI=true: not skipping)\n");
			return 1;
		}
		fprintf(stderr, "test-local-real: needs root, skipping\n");
		return 77;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return 1;
	snprintf(run1, sizeof(run1), "it%d", (int)getpid());
	snprintf(run2, sizeof(run2), "it%dc", (int)getpid());
	snprintf(run3, sizeof(run3), "it%dv", (int)getpid());
	snprintf(run4, sizeof(run4), "it%dl", (int)getpid());
	ret = cmocka_run_group_tests(tests, setup, NULL);
	/* whatever happened above, leave nothing of ours behind */
	if (b)
		ops->close(b);
	(void)backend_local_cleanup_run(run1, NULL, NULL);
	(void)backend_local_cleanup_run(run2, NULL, NULL);
	(void)backend_local_cleanup_run(run3, NULL, NULL);
	(void)backend_local_cleanup_run(run4, NULL, NULL);
	return ret;
}
