// SPDX-License-Identifier: MIT
/*
 * io weights that mean something: which device holds the disk bombs' directory, which knob
 * works there (BFQ: io.bfq.weight, io.cost: io.weight, else none), a VM's weight covering
 * CPU and I/O, and "CPU weight only" said where no knob works.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "cgroup-io.h"
#include "fake-cgroup.h"
#include "json.h"
#include "local.h"

extern const struct backend_ops backend_local_ops;
static const struct backend_ops *ops = &backend_local_ops;

static const struct backend_vm two[] = {
	{ .name = "web", .role = BACKEND_ROLE_VICTIM },
	{ .name = "client", .role = BACKEND_ROLE_PROBE },
};

/* ---- cg_io_probe on a fake /sys ---- */

static char sysroot[] = "/tmp/isolab-fakesys-XXXXXX";

static void put(const char *rel, const char *content)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", sysroot, rel);
	for (char *s = p + strlen(sysroot) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		(void)mkdir(p, 0755);
		*s = '/';
	}
	f = fopen(p, "we");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* sysroot/dev/block/M:m of the directory holding the tests (a partition vda1 of disk vda) */
static void fake_disk(const char *sched)
{
	struct stat st;
	char link[512], target[512];

	assert_non_null(mkdtemp(sysroot));
	assert_int_equal(stat(sysroot, &st), 0);
	put("devices/virtio0/block/vda/dev", "254:0\n");
	put("devices/virtio0/block/vda/queue/scheduler", sched);
	put("devices/virtio0/block/vda/vda1/partition", "1\n");
	put("devices/virtio0/block/vda/vda1/dev", "254:1\n");
	put("dev/block/.keep", "");
	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sysroot, major(st.st_dev),
		 minor(st.st_dev));
	snprintf(target, sizeof(target), "%s/devices/virtio0/block/vda/vda1", sysroot);
	assert_int_equal(symlink(target, link), 0);
}

static void fake_disk_free(void)
{
	assert_int_equal(nftw(sysroot, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	strcpy(sysroot, "/tmp/isolab-fakesys-XXXXXX");
}

static void probe_finds_the_disk_of_a_partition_and_its_scheduler(void **state)
{
	struct cg_io_dev d;

	fake_disk("mq-deadline [bfq] none\n");
	cg_io_probe(sysroot, NULL, sysroot, &d);
	assert_string_equal(d.name, "vda");
	assert_string_equal(d.dev, "254:0");
	assert_string_equal(d.sched, "bfq");
	assert_false(d.io_cost);
	assert_string_equal(cg_io_knob_for(&d), "io.bfq.weight");
	fake_disk_free();
}

static void probe_sees_io_cost_enabled_for_the_disk(void **state)
{
	struct cg_io_dev d;
	char cg[600];

	fake_disk("[none] mq-deadline\n");
	put("cgroup/io.cost.qos", "259:0 enable=1 ctrl=auto\n254:0 enable=1 ctrl=auto rpct=0.00\n");
	snprintf(cg, sizeof(cg), "%s/cgroup", sysroot);
	cg_io_probe(sysroot, cg, sysroot, &d);
	assert_string_equal(d.sched, "none");
	assert_true(d.io_cost);
	assert_string_equal(cg_io_knob_for(&d), "io.weight");
	/* enable=0 for it, or another device's enable=1, is not io.cost on it */
	put("cgroup/io.cost.qos", "254:0 enable=0 ctrl=auto\n254:16 enable=1 ctrl=auto\n");
	cg_io_probe(sysroot, cg, sysroot, &d);
	assert_false(d.io_cost);
	assert_null(cg_io_knob_for(&d));
	fake_disk_free();
}

static void probe_of_a_directory_without_a_block_device(void **state)
{
	struct cg_io_dev d;

	assert_non_null(mkdtemp(sysroot));
	cg_io_probe(sysroot, NULL, sysroot, &d);
	assert_string_equal(d.name, "");
	assert_string_equal(d.fs_note, "not on a block device");
	assert_null(cg_io_knob_for(&d));
	cg_io_probe(sysroot, NULL, "/nonexistent/dir", &d);
	assert_non_null(strstr(d.fs_note, "missing"));
	fake_disk_free();
}

/* ---- the backend ---- */

static struct backend *prepared(const char *root, struct backend_caps *caps)
{
	struct backend_config cfg = {
		.name = "local", .run_id = "r1", .opts = { { "cgroup_root", root } }, .n_opts = 1
	};
	struct backend_err err = { 0 };
	struct backend *b = NULL;

	if (ops->open(&cfg, &b, &err) != 0)
		fail_msg("open: %s", err.msg);
	assert_int_equal(ops->caps(b, caps, &err), 0);
	if (backend_local_prepare(b, two, 2, &err) != 0)
		fail_msg("prepare: %s", err.msg);
	return b;
}

static void expect(const char *root, const char *rel, const char *want)
{
	char *v = fake_read(root, rel);

	if (!v)
		fail_msg("%s is missing", rel);
	if (strcmp(v, want) != 0)
		fail_msg("%s holds '%s', want '%s'", rel, v, want);
	free(v);
}

static char *describe(struct backend *b)
{
	struct json_writer *w = json_new(0);
	char *out;

	json_obj_begin(w);
	ops->describe(b, w);
	json_obj_end(w);
	out = strdup(json_data(w, NULL));
	json_free(w);
	return out;
}

static void weight_covers_cpu_and_bfq_io(void **state)
{
	struct fake_opts o = { .io_sched = "bfq", .io_cost_off = true };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct sched_params hi = { .weight = 2048, .cap = -1 }, def = { .weight = 256, .cap = -1 };
	struct backend_err err = { 0 };
	struct backend_caps caps;
	struct backend *b = prepared(root, &caps);
	char *d;

	assert_non_null(strstr(caps.notes, "weight w also sets io.bfq.weight round(w*100/256) in "
					   "1..1000 on vda (bfq), which holds /var/lib/isolab"));
	/* the probe's io weight is the top of BFQ's range */
	expect(root, "isolab-r1/isolab-r1-client/io.bfq.weight", "1000");
	assert_int_equal(ops->sched_set(b, "web", &hi, &err), 0);
	expect(root, "isolab-r1/isolab-r1-web/cpu.weight", "800");
	expect(root, "isolab-r1/isolab-r1-web/io.bfq.weight", "800");
	assert_int_equal(ops->sched_set(b, "web", &def, &err), 0);
	expect(root, "isolab-r1/isolab-r1-web/io.bfq.weight", "100");
	d = describe(b);
	assert_non_null(
		strstr(d, "\"io_weight\":{\"effective\":true,\"knob\":\"io.bfq.weight\","
			  "\"path\":\"/var/lib/isolab\",\"device\":\"vda\",\"scheduler\":\"bfq\","
			  "\"io_cost\":false,\"note\":null}"));
	free(d);
	ops->close(b);
	fake_tree_free(root);
}

static void weight_covers_io_cost_io(void **state)
{
	struct fake_opts o = { .io_sched = "none" };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct sched_params hi = { .weight = 2048, .cap = -1 };
	struct backend_err err = { 0 };
	struct backend_caps caps;
	struct backend *b = prepared(root, &caps);

	assert_non_null(strstr(caps.notes, "weight w also sets io.weight round(w*100/256) in "
					   "1..10000 on vda (none, io.cost on)"));
	assert_int_equal(ops->sched_set(b, "web", &hi, &err), 0);
	expect(root, "isolab-r1/isolab-r1-web/io.weight", "800");
	ops->close(b);
	fake_tree_free(root);
}

static void no_working_io_knob_is_cpu_weight_only(void **state)
{
	struct fake_opts o = { .io_sched = "mq-deadline", .io_cost_off = true };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct sched_params hi = { .weight = 2048, .cap = -1 };
	struct backend_err err = { 0 };
	struct backend_caps caps;
	struct backend *b = prepared(root, &caps);
	char *d;

	assert_non_null(strstr(caps.notes,
			       "CPU weight only: no I/O weight on this host: vda (254:0, holding "
			       "/var/lib/isolab, where disk bombs write) uses mq-deadline without "
			       "io.cost (modprobe bfq; echo bfq > /sys/block/vda/queue/scheduler"));
	/* the weight still sets the CPU share; io.weight would do nothing and is left alone */
	assert_int_equal(ops->sched_set(b, "web", &hi, &err), 0);
	expect(root, "isolab-r1/isolab-r1-web/cpu.weight", "800");
	expect(root, "isolab-r1/isolab-r1-web/io.weight", "default 100\n");
	expect(root, "isolab-r1/isolab-r1-client/io.weight", "default 100\n");
	d = describe(b);
	assert_non_null(strstr(d, "\"io_weight\":{\"effective\":false,\"knob\":null,"));
	assert_non_null(strstr(d, "\"note\":\"CPU weight only: no I/O weight on this host: vda"));
	free(d);
	ops->close(b);
	fake_tree_free(root);
}

static void disk_dir_on_tmpfs_is_cpu_weight_only(void **state)
{
	struct fake_opts o = { .io_no_device = true };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct backend_caps caps;
	struct backend *b = prepared(root, &caps);

	assert_non_null(strstr(caps.notes,
			       "CPU weight only: no I/O weight on this host: "
			       "/var/lib/isolab, where disk bombs write, is not on a block "
			       "device"));
	ops->close(b);
	fake_tree_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_finds_the_disk_of_a_partition_and_its_scheduler),
		cmocka_unit_test(probe_sees_io_cost_enabled_for_the_disk),
		cmocka_unit_test(probe_of_a_directory_without_a_block_device),
		cmocka_unit_test(weight_covers_cpu_and_bfq_io),
		cmocka_unit_test(weight_covers_io_cost_io),
		cmocka_unit_test(no_working_io_knob_is_cpu_weight_only),
		cmocka_unit_test(disk_dir_on_tmpfs_is_cpu_weight_only),
	};

	return cmocka_run_group_tests(tests, NULL, fake_cleanup_all);
}
