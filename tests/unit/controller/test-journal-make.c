// SPDX-License-Identifier: MIT
/*
 * The journal's record of VMs a backend made for a run ("make VM KEY VALUE",
 * "unmade VM"): after a crash, replay hands every VM not marked unmade to
 * the backend's unprovision_noted() with all its facts, never restores the
 * priority of a VM it is about to destroy, keeps the journal while a
 * destroy fails (so that restore tries again), and removes it once all are
 * gone. A crash after each journal line is simulated.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"
#include "journal.h"

#define RUN "20261130-120000-abcd"

/* ---- a fake backend that records what replay asks of it ---- */

static char destroyed[8][128]; /* the "name" fact of each unprovision_noted call */
static char refs[8][128];      /* its "ref" fact, "" when none */
static char all_facts[8][512]; /* every fact of the call, "KEY=VALUE|..." in order */
static size_t n_destroyed;
static int fail_destroys; /* the next N unprovision_noted calls fail */
static char sched_set_on[8][128];
static size_t n_sched;

static int fake_open(const struct backend_config *cfg, struct backend **out,
		     struct backend_err *err)
{
	(void)cfg;
	(void)err;
	*out = (struct backend *)destroyed;
	return 0;
}

static void fake_close(struct backend *b)
{
	(void)b;
}

static int fake_set(struct backend *b, const char *vm, const struct sched_params *p,
		    struct backend_err *err)
{
	(void)b;
	(void)p;
	(void)err;
	if (n_sched < 8)
		snprintf(sched_set_on[n_sched++], sizeof(sched_set_on[0]), "%s", vm);
	return 0;
}

static int fake_unprovision_noted(const struct backend_config *cfg, const char *run_id,
				  const struct backend_kv *facts, size_t n, struct backend_err *err)
{
	const char *name = "", *ref = "";
	char all[512] = "";

	(void)cfg;
	assert_string_equal(run_id, RUN);
	for (size_t i = 0; i < n; i++) {
		size_t o = strlen(all);

		snprintf(all + o, sizeof(all) - o, "%s=%s|", facts[i].key, facts[i].value);
		if (!strcmp(facts[i].key, "name"))
			name = facts[i].value;
		if (!strcmp(facts[i].key, "ref"))
			ref = facts[i].value;
	}
	if (fail_destroys > 0) {
		fail_destroys--;
		backend_errf(err, "OPERATION_NOT_ALLOWED", "fake: VDI is busy");
		return -EREMOTEIO;
	}
	assert_true(n_destroyed < 8);
	snprintf(destroyed[n_destroyed], sizeof(destroyed[0]), "%s", name);
	snprintf(all_facts[n_destroyed], sizeof(all_facts[0]), "%s", all);
	snprintf(refs[n_destroyed++], sizeof(refs[0]), "%s", ref);
	return 0;
}

static const struct backend_ops fake_ops = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.sched_set = fake_set,
	.unprovision_noted = fake_unprovision_noted,
};

static const struct backend_ops *fake_find(const char *name)
{
	return strcmp(name, "fake") == 0 ? &fake_ops : NULL;
}

static bool owner_dead(pid_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return false;
}

static const struct journal_env env = { .find = fake_find, .owner_alive = owner_dead };

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/isolab-jmake.XXXXXX");
	assert_non_null(mkdtemp(dir));
	n_destroyed = n_sched = 0;
	fail_destroys = 0;
	memset(destroyed, 0, sizeof(destroyed));
	memset(all_facts, 0, sizeof(all_facts));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)file_remove_tree(dir);
	return 0;
}

static struct journal *open_journal(char *path, size_t len)
{
	struct backend_config cfg = { .name = "fake" };
	struct journal *j = NULL;

	assert_int_equal(journal_create(dir, RUN, &cfg, &j), 0);
	snprintf(path, len, "%s", journal_path(j));
	return j;
}

/* What a run writes while making two VMs, destroying one, and prioritising both. */
static int write_step(struct journal *j, int step)
{
	static const struct sched_params orig = { 256, 0 };

	switch (step) {
	case 0:
		return journal_make(j, "noisy-1", "name", "isolab-" RUN "-noisy-1");
	case 1:
		return journal_make(j, "noisy-1", "ref", "OpaqueRef:aaa");
	case 2:
		return journal_make(j, "noisy-2", "name", "isolab-" RUN "-noisy-2");
	case 3:
		return journal_sched(j, "isolab-" RUN "-noisy-1", &orig);
	case 4:
		return journal_sched(j, "web", &orig);
	case 5:
		return journal_unmade(j, "noisy-2");
	default:
		return -1;
	}
}

static void replay_after_a_crash_at_each_step(void **state)
{
	(void)state;
	for (int crash = 0; crash <= 5; crash++) {
		char path[512];
		struct journal *j = open_journal(path, sizeof(path));

		for (int s = 0; s <= crash; s++)
			assert_int_equal(write_step(j, s), 0);
		journal_abandon(j); /* the crash: the file stays */
		n_destroyed = n_sched = 0;
		assert_int_equal(journal_replay_file(path, &env, false), 1);
		assert_int_equal(access(path, F_OK), -1); /* removed once all is undone */
		/* noisy-1 from its first line on; noisy-2 until it was marked unmade */
		assert_int_equal(n_destroyed, (crash >= 2 && crash < 5) ? 2 : 1);
		assert_string_equal(destroyed[0], "isolab-" RUN "-noisy-1");
		assert_string_equal(refs[0], crash >= 1 ? "OpaqueRef:aaa" : "");
		if (n_destroyed == 2)
			assert_string_equal(destroyed[1], "isolab-" RUN "-noisy-2");
		/* the made VM's priority is not restored (it is destroyed); the victim's is */
		for (size_t k = 0; k < n_sched; k++)
			assert_string_not_equal(sched_set_on[k], "isolab-" RUN "-noisy-1");
		assert_int_equal(n_sched, crash >= 4 ? 1 : 0);
	}
}

static void a_failed_destroy_keeps_the_journal_for_the_next_restore(void **state)
{
	char path[512];
	struct journal *j;

	(void)state;
	j = open_journal(path, sizeof(path));
	for (int s = 0; s <= 2; s++)
		assert_int_equal(write_step(j, s), 0);
	journal_abandon(j);
	fail_destroys = 1;
	assert_true(journal_replay_file(path, &env, false) < 0);
	assert_int_equal(access(path, F_OK), 0); /* kept: restore tries again */
	assert_int_equal(n_destroyed, 1);	 /* the other one went */
	n_destroyed = 0;
	assert_int_equal(journal_replay_file(path, &env, false), 1);
	assert_int_equal(access(path, F_OK), -1);
	assert_true(n_destroyed >= 1);
}

static const struct backend_ops no_unmake_ops = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.sched_set = fake_set,
};

static const struct backend_ops *find_no_unmake(const char *name)
{
	return strcmp(name, "fake") == 0 ? &no_unmake_ops : NULL;
}

static void a_backend_that_cannot_destroy_keeps_the_journal(void **state)
{
	struct journal_env e2 = env;
	char path[512];
	struct journal *j;

	(void)state;
	j = open_journal(path, sizeof(path));
	assert_int_equal(write_step(j, 0), 0);
	journal_abandon(j);
	/* a backend without unprovision_noted: the VM cannot go, the journal stays */
	e2.find = find_no_unmake;
	assert_true(journal_replay_file(path, &e2, false) < 0);
	assert_int_equal(access(path, F_OK), 0);
	/* no backend table at all: refused too */
	e2.find = NULL;
	assert_true(journal_replay_file(path, &e2, false) < 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(journal_replay_file(path, &env, false), 1);
}

/*
 * Values a backend notes (an SR name with spaces, a % in a label, control characters, an
 * empty value, a lone "-") come back byte for byte, in the order noted.
 */
static void facts_reach_the_backend_byte_for_byte(void **state)
{
	char path[512];
	struct journal *j;

	(void)state;
	j = open_journal(path, sizeof(path));
	assert_int_equal(journal_make(j, "noisy-1", "name", "isolab-" RUN "-noisy-1"), 0);
	assert_int_equal(journal_make(j, "noisy-1", "sr", "Local storage on xs2"), 0);
	assert_int_equal(journal_make(j, "noisy-1", "label", "100% cpu\tline\nnext"), 0);
	assert_int_equal(journal_make(j, "noisy-1", "vdi", ""), 0);
	assert_int_equal(journal_make(j, "noisy-1", "dash", "-"), 0);
	journal_abandon(j);
	assert_int_equal(journal_replay_file(path, &env, false), 1);
	assert_int_equal(n_destroyed, 1);
	assert_string_equal(all_facts[0], "name=isolab-" RUN "-noisy-1|sr=Local storage on xs2|"
					  "label=100% cpu\tline\nnext|vdi=|dash=-|");
}

/*
 * A crash in the middle of writing a make line leaves it short of its value: that line is
 * ignored, the lines before it still undone, and the journal removed.
 */
static void a_make_line_cut_short_is_ignored(void **state)
{
	char path[512];
	struct journal *j;
	FILE *f;

	(void)state;
	j = open_journal(path, sizeof(path));
	assert_int_equal(write_step(j, 0), 0);
	journal_abandon(j);
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("make noisy-2 name", f); /* no value, no newline */
	assert_int_equal(fclose(f), 0);
	assert_int_equal(journal_replay_file(path, &env, false), 1);
	assert_int_equal(n_destroyed, 1);
	assert_string_equal(destroyed[0], "isolab-" RUN "-noisy-1");
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replay_after_a_crash_at_each_step, setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_failed_destroy_keeps_the_journal_for_the_next_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(a_backend_that_cannot_destroy_keeps_the_journal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(facts_reach_the_backend_byte_for_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_make_line_cut_short_is_ignored, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
