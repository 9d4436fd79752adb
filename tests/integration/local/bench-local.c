// SPDX-License-Identifier: MIT
/*
 * bench-local: what the local backend costs a run. Prepares and tears down a
 * run of N VMs (default 8, the built-in scenario's count) R times, and places
 * 200 tools (fork + enter + exit + reap). Prints one line per figure and a
 * JSON object. Root only (exits 77 otherwise). Suite "bench", never in CI.
 *
 *   bench-local [VMS [ROUNDS]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "local.h"
#include "parse.h"

extern const struct backend_ops backend_local_ops;

#define PLACES 200

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const struct backend_ops *ops = &backend_local_ops;
	uint64_t nvms = 8, rounds = 5, prep[32], tear[32], place = 0;
	struct backend_vm specs[64];
	char names[64][16], run[32];
	struct backend_err err = { 0 };

	if ((argc > 1 && parse_u64(argv[1], 1, 64, &nvms) < 0) ||
	    (argc > 2 && parse_u64(argv[2], 1, 32, &rounds) < 0) || argc > 3) {
		fprintf(stderr, "bench-local: usage: bench-local [VMS 1-64 [ROUNDS 1-32]]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench-local: needs root, skipping\n");
		return 77;
	}
	memset(specs, 0, sizeof(specs));
	for (uint64_t i = 0; i < nvms; i++) {
		snprintf(names[i], sizeof(names[i]), "vm%u", (unsigned)i);
		specs[i].name = names[i];
		specs[i].role = i == 0 ? BACKEND_ROLE_PROBE : BACKEND_ROLE_NEIGHBOR;
		specs[i].memory_max = 64 << 20;
		specs[i].pids_max = 64;
	}
	snprintf(run, sizeof(run), "bench%d", (int)getpid());
	for (uint64_t r = 0; r < rounds; r++) {
		struct backend_config cfg = { .name = "local", .run_id = run };
		struct backend *b = NULL;
		uint64_t t0;

		if (ops->open(&cfg, &b, &err) < 0) {
			fprintf(stderr, "bench-local: %s\n", err.msg);
			return 1;
		}
		t0 = clock_now_ns();
		if (backend_local_prepare(b, specs, nvms, &err) < 0) {
			fprintf(stderr, "bench-local: %s\n", err.msg);
			ops->close(b);
			(void)backend_local_cleanup_run(run, NULL, NULL);
			return 1;
		}
		prep[r] = clock_now_ns() - t0;
		if (r == 0) {
			t0 = clock_now_ns();
			for (int i = 0; i < PLACES; i++) {
				pid_t pid = fork();

				if (pid == 0)
					_exit(backend_local_enter(b, names[i % nvms]) < 0);
				if (pid < 0 || waitpid(pid, NULL, 0) != pid)
					break;
			}
			place = (clock_now_ns() - t0) / PLACES;
		}
		t0 = clock_now_ns();
		(void)backend_local_teardown(b, &err);
		tear[r] = clock_now_ns() - t0;
		ops->close(b);
	}
	(void)backend_local_cleanup_run(run, NULL, NULL);
	qsort(prep, rounds, sizeof(prep[0]), cmp_u64);
	qsort(tear, rounds, sizeof(tear[0]), cmp_u64);
	fprintf(stderr,
		"bench-local: %llu VMs, %llu rounds: prepare median %.1f ms, teardown median "
		"%.1f ms, place a tool %.3f ms\n",
		(unsigned long long)nvms, (unsigned long long)rounds, ns_to_ms(prep[rounds / 2]),
		ns_to_ms(tear[rounds / 2]), ns_to_ms(place));
	printf("{\"tool\":\"bench-local\",\"vms\":%llu,\"rounds\":%llu,\"prepare_median_ms\":%.3f,"
	       "\"teardown_median_ms\":%.3f,\"place_tool_ms\":%.4f}\n",
	       (unsigned long long)nvms, (unsigned long long)rounds, ns_to_ms(prep[rounds / 2]),
	       ns_to_ms(tear[rounds / 2]), ns_to_ms(place));
	return 0;
}
