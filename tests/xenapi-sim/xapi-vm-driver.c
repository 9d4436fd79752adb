// SPDX-License-Identifier: MIT
/*
 * Test driver: isolab's provisioning calls (controller/xenapi/xapi-vm.c)
 * one at a time, so that fidelity_test.py can compare them with the
 * official client on the same simulator.
 *
 *   xapi-vm-driver --url U --user U --password-file F COMMAND ARGS
 *     template NAME                  the template's record
 *     make TEMPLATE NAME TAG [SR]    clone (copy with SR), provision, not a template, tag
 *     start VM [HOST]                VM.start, or VM.start_on HOST
 *     ip VM | disks VM | hosts | resident VM
 *     unmake VM                      hard_shutdown, destroy its own disks, destroy
 * Prints one JSON object; exit 0 ok, 1 XenAPI error (error_code, error), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "json.h"
#include "transport.h"
#include "xapi-vm.h"
#include "xapi.h"

static const char *pw_path;

static int get_pw(void *arg, char *buf, size_t size, struct backend_err *err)
{
	ssize_t n;
	int fd;

	(void)arg;
	fd = open(pw_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		backend_errf(err, "EACCES", "cannot open the password file");
		return -EACCES;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void put_refs(struct json_writer *w, const char *key, const struct xapi_refs *r)
{
	json_key(w, key);
	json_arr_begin(w);
	for (size_t i = 0; i < r->n; i++)
		json_str(w, r->v[i]);
	json_arr_end(w);
}

static void put_hosts(struct json_writer *w, const struct xapi_host *h, size_t n)
{
	json_key(w, "hosts");
	json_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(w);
		json_kv_str(w, "ref", h[i].ref);
		json_kv_str(w, "name", h[i].name);
		json_kv_str(w, "address", h[i].address);
		json_kv_str(w, "sched", h[i].sched);
		json_kv_bool(w, "enabled", h[i].enabled);
		json_kv_int(w, "cpus", h[i].cpus);
		json_kv_uint(w, "mem_total", h[i].mem_total);
		json_kv_uint(w, "mem_free", h[i].mem_free);
		put_refs(w, "resident", &h[i].resident);
		json_obj_end(w);
	}
	json_arr_end(w);
}

/* clone or copy, provision, make it a VM, tag it: what isolab does before start. */
static int make(struct xapi_session *s, char **argv, int argc, struct json_writer *w,
		struct backend_err *err)
{
	struct xapi_vm_rec t = { 0 };
	char *ref = NULL, *sr = NULL;
	int rc;

	rc = xapi_template_find(s, argv[1], &t, err);
	if (!rc && argc > 4)
		rc = xapi_sr_find(s, argv[4], &sr, err);
	if (!rc)
		rc = argc > 4 ? xapi_vm_copy(s, t.ref, argv[2], sr, &ref, err)
			      : xapi_vm_clone(s, t.ref, argv[2], &ref, err);
	if (!rc)
		rc = xapi_vm_provision(s, ref, err);
	if (!rc)
		rc = xapi_vm_set_is_a_template(s, ref, false, err);
	if (!rc)
		rc = xapi_vm_add_to_other_config(s, ref, XAPI_TAG_KEY, argv[3], err);
	if (ref)
		json_kv_str(w, "ref", ref);
	free(ref);
	free(sr);
	xapi_vm_rec_done(&t);
	return rc;
}

static int run(struct xapi_session *s, int argc, char **argv, struct json_writer *w,
	       struct backend_err *err)
{
	const char *cmd = argv[0];
	int rc = -EINVAL;

	if (!strcmp(cmd, "template") && argc == 2) {
		struct xapi_vm_rec t;

		rc = xapi_template_find(s, argv[1], &t, err);
		if (!rc) {
			json_kv_str(w, "ref", t.ref);
			json_kv_str(w, "name", t.name);
			json_kv_uint(w, "memory_static_max", t.memory_static_max);
			json_kv_int(w, "vcpus", t.vcpus);
			xapi_vm_rec_done(&t);
		}
	} else if (!strcmp(cmd, "make") && (argc == 4 || argc == 5)) {
		rc = make(s, argv, argc, w, err);
	} else if (!strcmp(cmd, "start") && (argc == 2 || argc == 3)) {
		rc = xapi_vm_start(s, argv[1], argc == 3 ? argv[2] : NULL, err);
	} else if (!strcmp(cmd, "resident") && argc == 2) {
		char *h = NULL;

		rc = xapi_vm_resident_on(s, argv[1], &h, err);
		if (!rc)
			json_kv_str(w, "host", h);
		free(h);
	} else if (!strcmp(cmd, "ip") && argc == 2) {
		char *ip = NULL;

		rc = xapi_vm_guest_ip(s, argv[1], &ip, err);
		if (!rc)
			json_kv_str(w, "ip", ip);
		free(ip);
	} else if (!strcmp(cmd, "disks") && argc == 2) {
		struct xapi_refs d = { 0 };

		rc = xapi_vm_own_disks(s, argv[1], &d, err);
		if (!rc)
			put_refs(w, "vdis", &d);
		xapi_refs_done(&d);
	} else if (!strcmp(cmd, "hosts") && argc == 1) {
		struct xapi_host *h = NULL;
		size_t n = 0;

		rc = xapi_hosts_list(s, &h, &n, err);
		if (!rc)
			put_hosts(w, h, n);
		xapi_hosts_free(h, n);
	} else if (!strcmp(cmd, "unmake") && argc == 2) {
		struct xapi_refs d = { 0 };

		rc = xapi_vm_hard_shutdown(s, argv[1], err);
		if (!rc)
			rc = xapi_vm_own_disks(s, argv[1], &d, err);
		for (size_t i = 0; !rc && i < d.n; i++)
			rc = xapi_vdi_destroy(s, d.v[i], err);
		if (!rc)
			rc = xapi_vm_destroy(s, argv[1], err);
		if (!rc)
			put_refs(w, "destroyed_vdis", &d);
		xapi_refs_done(&d);
	} else {
		fprintf(stderr, "xapi-vm-driver: bad command\n");
		return 2;
	}
	if (rc) {
		json_kv_str(w, "error_code", err->code);
		json_kv_str(w, "error", err->msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "url", required_argument, NULL, 'U' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct xapi_session_config cfg = { .get_password = get_pw };
	struct backend_err err = { 0 };
	struct xapi_transport *t;
	struct xapi_session *s;
	struct json_writer *w;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c == 'U')
			cfg.url = optarg;
		else if (c == 'u')
			cfg.user = optarg;
		else if (c == 'p')
			pw_path = optarg;
		else
			return 2;
	}
	if (optind >= argc || !cfg.url || !cfg.user || !pw_path) {
		fprintf(stderr, "xapi-vm-driver: need --url, --user, --password-file, a command\n");
		return 2;
	}
	t = xapi_http_new(&(struct xapi_http_opts){ 0 }, &err);
	s = t ? xapi_session_new(&cfg, t) : NULL;
	w = json_new(0);
	if (!s || !w) {
		fprintf(stderr, "xapi-vm-driver: %s\n", err.msg[0] ? err.msg : "out of memory");
		xapi_session_free(s);
		json_free(w);
		return 1;
	}
	json_obj_begin(w);
	rc = run(s, argc - optind, argv + optind, w, &err);
	json_obj_end(w);
	xapi_session_free(s);
	if (rc != 2)
		(void)json_fput(w, stdout);
	json_free(w);
	return rc;
}
