# SPDX-License-Identifier: MIT
"""The simulator's VM lifecycle: storage (SR, PBD, VDI, VBD), host memory
and CPUs, and the calls that make and unmake VMs from a template.

Method names, argument orders, power-state rules and error parameters follow
xapi's datamodel (ocaml/idl/datamodel_vm.ml, datamodel_errors.ml) and
xapi_vm_lifecycle.ml's allowed_power_states:
  VM.clone(vm, new_name) / VM.copy(vm, new_name, sr)  Halted only; a clone of
      a template is a template; disks are cloned (CD VBDs share their ISO)
  VM.provision(vm)           templates only; creates the disks listed in
      other_config:disks (sr="" = the pool's default SR), then drops the key
  VM.set_is_a_template(self, value), VM.set_affinity(self, value),
  VM.add_to_other_config(self, key, value)
  VM.assert_can_boot_here(self, host)  VM_REQUIRES_SR [vm; sr] when the host
      cannot see a disk's SR, HOST_NOT_ENOUGH_FREE_MEMORY [needed; available]
  VM.start(vm, start_paused, force)     the affinity host if it can, else any
      host that can, else NO_HOSTS_AVAILABLE
  VM.start_on(vm, host, start_paused, force)  that host or its error
  VM.get_guest_metrics(self) -> VM_guest_metrics (OpaqueRef:NULL until the
      guest agent reported), VM_guest_metrics.get_networks -> {"0/ip": ...}
  VM.hard_shutdown(vm)       Paused/Suspended/Running only
  VDI.destroy(self)          VDI_IN_USE while attached; destroys its VBDs
  VM.destroy(self)           Halted/Suspended only; destroys VBDs, not VDIs
  host.compute_free_memory(host), host_metrics memory_total/memory_free
Integers travel as strings, as xapi sends them.
"""
import time
import uuid
import xml.etree.ElementTree as ET

GiB = 1 << 30
NULL = "OpaqueRef:NULL"
DOM0_MEMORY = GiB

# allowed_power_states in xapi_vm_lifecycle.ml, in its order (the error lists them so)
ALLOWED = {
    "clone": ["Halted"], "copy": ["Halted"], "provision": ["Halted"],
    "start": ["Halted"], "start_on": ["Halted"],
    "hard_shutdown": ["Paused", "Suspended", "Running"],
    "destroy": ["Halted", "Suspended"],
}


def ref(kind):
    return "OpaqueRef:%s" % uuid.uuid4()


class Lifecycle:
    """Mixed into Pool; uses its Failure class, self.vms, self.hosts, self._rec."""

    def _init_lifecycle(self, failure, h1, h2, host_memory, guest_ip_delay):
        self.Failure = failure
        self.srs, self.pbds, self.vdis, self.vbds = {}, {}, {}, {}
        self.host_metrics, self.host_cpus, self.guest_metrics = {}, {}, {}
        self.guest_ip_delay = guest_ip_delay
        self.guest_ip = ""  # "" = one address per VM from 10.71.0.0/16
        self.next_ip = 10
        for h in (h1, h2):
            hm = ref("host_metrics")
            self.host_metrics[hm] = {"uuid": str(uuid.uuid4()), "memory_total": str(host_memory),
                                     "memory_free": "0", "live": True}
            cpus = []
            for i in range(int(self.hosts[h]["cpu_info"]["cpu_count"])):
                c = ref("host_cpu")
                self.host_cpus[c] = {"uuid": str(uuid.uuid4()), "host": h, "number": str(i),
                                     "vendor": "GenuineIntel", "speed": "2400"}
                cpus.append(c)
            self.hosts[h].update({"metrics": hm, "host_CPUs": cpus, "resident_VMs": [],
                                  "PBDs": []})

        def sr(name, hosts, shared, content="user", kind="ext"):
            r = ref("SR")
            self.srs[r] = {"uuid": str(uuid.uuid4()), "name_label": name, "shared": shared,
                           "type": kind, "content_type": content, "PBDs": [], "VDIs": []}
            for h in hosts:
                p = ref("PBD")
                self.pbds[p] = {"uuid": str(uuid.uuid4()), "host": h, "SR": r,
                                "currently_attached": True}
                self.srs[r]["PBDs"].append(p)
                self.hosts[h]["PBDs"].append(p)
            return r
        local1 = sr("Local storage", [h1], False)
        local2 = sr("Local storage", [h2], False)
        nfs = sr("nfs-shared", [h1, h2], True, kind="nfs")
        iso = sr("ISO library", [h1, h2], True, content="iso", kind="iso")
        self.sr_by_role = {"local1": local1, "local2": local2, "nfs": nfs, "iso": iso}
        for p in self.pools.values():
            p["default_SR"] = nfs
        for v in self.vms.values():
            v.setdefault("VBDs", [])
            v.setdefault("affinity", NULL)
            v.setdefault("guest_metrics", NULL)
            v.setdefault("is_default_template", False)
            v.setdefault("memory_static_max", str(GiB))
            v.setdefault("blocked_operations", {})
        disk = self._new_vdi("isolab-neighbour disk", nfs, 8 * GiB)
        cd = self._new_vdi("debian-12.iso", iso, 600 << 20, read_only=True)
        self.template = self._template("isolab-neighbour", [("Disk", disk), ("CD", cd)])
        self._template("isolab-neighbour-local",
                       [("Disk", self._new_vdi("local template disk", local2, 8 * GiB))])
        self._template("isolab-installer", [], disks_spec='<provision><disk device="0" '
                       'size="4294967296" sr="" bootable="true" type="system"/></provision>')

    # -- objects --
    def _new_vdi(self, name, sr, size, read_only=False):
        r = ref("VDI")
        self.vdis[r] = {"uuid": str(uuid.uuid4()), "name_label": name, "SR": sr,
                        "virtual_size": str(size), "type": "user", "sharable": False,
                        "read_only": read_only, "is_a_snapshot": False, "VBDs": []}
        self.srs[sr]["VDIs"].append(r)
        return r

    def _new_vbd(self, vm, vdi, kind, device):
        r = ref("VBD")
        self.vbds[r] = {"uuid": str(uuid.uuid4()), "VM": vm, "VDI": vdi, "type": kind,
                        "userdevice": str(device), "mode": "RO" if kind == "CD" else "RW",
                        "bootable": device == 0, "currently_attached": False,
                        "empty": vdi == NULL}
        self.vms[vm]["VBDs"].append(r)
        if vdi != NULL:
            self.vdis[vdi]["VBDs"].append(r)
        return r

    def _template(self, name, disks, disks_spec=None, **kw):
        r = ref("VM")
        self.vms[r] = {
            "uuid": str(uuid.uuid4()), "name_label": name, "name_description": "",
            "power_state": "Halted", "is_a_template": True, "is_a_snapshot": False,
            "is_default_template": False, "is_control_domain": False,
            "VCPUs_at_startup": "1", "VCPUs_max": "1", "VCPUs_params": {},
            "resident_on": NULL, "domid": "-1", "memory_static_max": str(GiB),
            "other_config": {"disks": disks_spec} if disks_spec else {},
            "VBDs": [], "affinity": NULL, "guest_metrics": NULL, "blocked_operations": {}}
        self.vms[r].update(kw)
        for i, (kind, vdi) in enumerate(disks):
            self._new_vbd(r, vdi, kind, i)
        return r

    def _destroy_vbd(self, vbd):
        b = self.vbds.pop(vbd, None)
        if b is None:
            return
        if b["VM"] in self.vms:
            self.vms[b["VM"]]["VBDs"].remove(vbd)
        if b["VDI"] in self.vdis:
            self.vdis[b["VDI"]]["VBDs"].remove(vbd)

    # -- derived fields, recomputed before each call --
    def refresh(self):
        for h, rec in self.hosts.items():
            res = [r for r, v in self.vms.items() if v["resident_on"] == h]
            rec["resident_VMs"] = res
            used = sum(int(self.vms[r]["memory_static_max"]) for r in res
                       if not self.vms[r]["is_control_domain"])
            hm = self.host_metrics[rec["metrics"]]
            hm["memory_free"] = str(max(0, int(hm["memory_total"]) - DOM0_MEMORY - used))
        now = time.monotonic()
        for r, v in self.vms.items():
            t = v.get("_started")
            if t is not None and v["guest_metrics"] == NULL and self.guest_ip_delay >= 0 \
                    and now - t >= self.guest_ip_delay:
                gm = ref("VM_guest_metrics")
                ip = self.guest_ip or "10.71.%d.%d" % (self.next_ip // 250, self.next_ip % 250 + 2)
                self.next_ip += 1
                self.guest_metrics[gm] = {"uuid": str(uuid.uuid4()), "os_version": {
                    "name": "Debian GNU/Linux 12"}, "networks": {
                    "0/ip": ip, "0/ipv4/0": ip, "0/ipv6/0": "fe80::%x" % self.next_ip},
                    "live": True}
                v["guest_metrics"] = gm

    # -- checks --
    def _power(self, r, op):
        v = self._rec(self.vms, "VM", r)
        if v["power_state"] not in ALLOWED[op]:
            raise self.Failure("VM_BAD_POWER_STATE", r, ", ".join(
                s.lower() for s in ALLOWED[op]), v["power_state"].lower())
        return v

    def _blocked(self, r, v, op):
        if op in v["blocked_operations"]:
            raise self.Failure("OPERATION_BLOCKED", r, v["blocked_operations"][op])

    def _free(self, h):
        self.refresh()
        return int(self.host_metrics[self.hosts[h]["metrics"]]["memory_free"])

    def _boot_error(self, r, h):
        """None when VM r can boot on host h, else the Failure xapi raises."""
        v = self.vms[r]
        seen = {self.pbds[p]["SR"] for p in self.hosts[h]["PBDs"]
                if self.pbds[p]["currently_attached"]}
        for b in v["VBDs"]:
            vdi = self.vbds[b]["VDI"]
            if vdi != NULL and self.vdis[vdi]["SR"] not in seen:
                return self.Failure("VM_REQUIRES_SR", r, self.vdis[vdi]["SR"])
        need, free = int(v["memory_static_max"]), self._free(h)
        if need > free:
            return self.Failure("HOST_NOT_ENOUGH_FREE_MEMORY", str(need), str(free))
        return None

    # -- VM: make --
    def _dup(self, r, new_name, op, sr=None):
        v = self._power(r, op)
        self._blocked(r, v, op)
        if sr is not None and sr != NULL:
            self._rec(self.srs, "SR", sr)
        n = ref("VM")
        rec = {k: (dict(x) if isinstance(x, dict) else x) for k, x in v.items()
               if not k.startswith("_")}
        rec.update({"uuid": str(uuid.uuid4()), "name_label": new_name, "VBDs": [],
                    "is_default_template": False, "resident_on": NULL, "domid": "-1",
                    "guest_metrics": NULL, "blocked_operations": {}})
        rec["other_config"].pop("default_template", None)
        self.vms[n] = rec
        for b in list(v["VBDs"]):
            vb = self.vbds[b]
            vdi = vb["VDI"]
            if vb["type"] == "Disk" and vdi != NULL:
                src = self.vdis[vdi]
                vdi = self._new_vdi(src["name_label"],
                                    sr if sr not in (None, NULL) else src["SR"],
                                    int(src["virtual_size"]))
            self._new_vbd(n, vdi, vb["type"], int(vb["userdevice"]))
        return n

    def m_VM_clone(self, vm, new_name):
        return self._dup(vm, new_name, "clone")

    def m_VM_copy(self, vm, new_name, sr):
        return self._dup(vm, new_name, "copy", sr)

    def m_VM_provision(self, vm):
        v = self._power(vm, "provision")
        if not v["is_a_template"]:
            raise self.Failure("ONLY_PROVISION_TEMPLATE")
        spec = v["other_config"].get("disks")
        if not spec:
            return ""
        pool = next(iter(self.pools.values()))
        for d in ET.fromstring(spec).findall("disk"):
            sr = pool["default_SR"]
            if d.get("sr"):
                sr = next((r for r, s in self.srs.items() if s["uuid"] == d.get("sr")), None)
                if sr is None:
                    raise self.Failure("UUID_INVALID", "SR", d.get("sr"))
            vdi = self._new_vdi("%s %s" % (v["name_label"], d.get("device")), sr,
                                int(d.get("size", "0")))
            self._new_vbd(vm, vdi, "Disk", int(d.get("device", "0")))
        del v["other_config"]["disks"]
        return ""

    def m_VM_set_is_a_template(self, vm, value):
        v = self._rec(self.vms, "VM", vm)
        if not isinstance(value, bool):
            raise self.Failure("FIELD_TYPE_ERROR", "value")
        if v["is_default_template"] and not value:
            raise self.Failure("VM_CANNOT_DELETE_DEFAULT_TEMPLATE", vm)
        v["is_a_template"] = value
        return ""

    def m_VM_set_affinity(self, vm, host):
        v = self._rec(self.vms, "VM", vm)
        if host != NULL:
            self._rec(self.hosts, "host", host)
        v["affinity"] = host
        return ""

    def m_VM_add_to_other_config(self, vm, key, value):
        oc = self._rec(self.vms, "VM", vm)["other_config"]
        if key in oc:
            raise self.Failure("MAP_DUPLICATE_KEY", "VM", "other_config", vm, key)
        oc[key] = str(value)
        return ""

    def m_VM_remove_from_other_config(self, vm, key):
        self._rec(self.vms, "VM", vm)["other_config"].pop(key, None)
        return ""

    def m_VM_set_name_description(self, vm, value):
        self._rec(self.vms, "VM", vm)["name_description"] = str(value)
        return ""

    # -- VM: run --
    def m_VM_assert_can_boot_here(self, vm, host):
        self._rec(self.vms, "VM", vm)
        self._rec(self.hosts, "host", host)
        e = self._boot_error(vm, host)
        if e:
            raise e
        return ""

    def _boot(self, vm, host, paused):
        v = self.vms[vm]
        v.update({"power_state": "Paused" if paused else "Running", "resident_on": host,
                  "domid": str(self.next_domid()), "_started": time.monotonic()})
        for b in v["VBDs"]:
            self.vbds[b]["currently_attached"] = True
        self.refresh()

    def _startable(self, vm, op, flags):
        v = self._power(vm, op)
        if v["is_a_template"]:
            raise self.Failure("VM_IS_TEMPLATE", vm, op)
        self._blocked(vm, v, op)
        if not all(isinstance(f, bool) for f in flags):
            raise self.Failure("FIELD_TYPE_ERROR", "start_paused")
        return v

    def m_VM_start(self, vm, start_paused, force):
        v = self._startable(vm, "start", (start_paused, force))
        order = ([v["affinity"]] if v["affinity"] in self.hosts else []) + \
            [h for h in self.hosts if h != v["affinity"]]
        for h in order:
            if self.hosts[h]["enabled"] and self._boot_error(vm, h) is None:
                self._boot(vm, h, start_paused)
                return ""
        raise self.Failure("NO_HOSTS_AVAILABLE")

    def m_VM_start_on(self, vm, host, start_paused, force):
        self._startable(vm, "start_on", (start_paused, force))
        self._rec(self.hosts, "host", host)
        e = self._boot_error(vm, host)
        if e:
            raise e
        self._boot(vm, host, start_paused)
        return ""

    def m_VM_hard_shutdown(self, vm):
        v = self._power(vm, "hard_shutdown")
        self._blocked(vm, v, "hard_shutdown")
        self.guest_metrics.pop(v["guest_metrics"], None)
        v.update({"power_state": "Halted", "resident_on": NULL, "domid": "-1",
                  "guest_metrics": NULL})
        v.pop("_started", None)
        for b in v["VBDs"]:
            self.vbds[b]["currently_attached"] = False
        return ""

    # -- unmake --
    def m_VDI_destroy(self, vdi):
        d = self._rec(self.vdis, "VDI", vdi)
        for b in d["VBDs"]:
            if self.vbds[b]["currently_attached"]:
                raise self.Failure("VDI_IN_USE", vdi, "destroy")
        if self.srs[d["SR"]]["content_type"] == "iso":
            raise self.Failure("OPERATION_NOT_ALLOWED", "VDI is on a read-only ISO SR")
        for b in list(d["VBDs"]):
            self._destroy_vbd(b)
        self.srs[d["SR"]]["VDIs"].remove(vdi)
        del self.vdis[vdi]
        return ""

    def m_VM_destroy(self, vm):
        v = self._power(vm, "destroy")
        self._blocked(vm, v, "destroy")
        if v["is_default_template"]:
            raise self.Failure("VM_CANNOT_DELETE_DEFAULT_TEMPLATE", vm)
        for b in list(v["VBDs"]):
            self._destroy_vbd(b)
        del self.vms[vm]
        return ""

    # -- hosts --
    def m_host_compute_free_memory(self, host):
        self._rec(self.hosts, "host", host)
        return str(self._free(host))

    def m_host_get_by_name_label(self, name):
        return [r for r, h in self.hosts.items() if h["name_label"] == name]

    def m_SR_get_by_name_label(self, name):
        return [r for r, s in self.srs.items() if s["name_label"] == name]

    def m_SR_get_by_uuid(self, u):
        for r, s in self.srs.items():
            if s["uuid"] == u:
                return r
        raise self.Failure("UUID_INVALID", "SR", u)

    def tables(self):
        return {"VM": self.vms, "host": self.hosts, "pool": self.pools, "SR": self.srs,
                "PBD": self.pbds, "VDI": self.vdis, "VBD": self.vbds,
                "host_metrics": self.host_metrics, "host_cpu": self.host_cpus,
                "VM_guest_metrics": self.guest_metrics}

    def summary(self):
        """For tests: every VM by ref with what a test asserts on."""
        hosts = {r: h["name_label"] for r, h in self.hosts.items()}
        return {r: {"name": v["name_label"], "power_state": v["power_state"],
                    "is_a_template": v["is_a_template"], "other_config": v["other_config"],
                    "resident_on": hosts.get(v["resident_on"], ""),
                    "affinity": hosts.get(v["affinity"], ""),
                    "vdis": [self.vbds[b]["VDI"] for b in v["VBDs"]
                             if self.vbds[b]["type"] == "Disk"]}
                for r, v in self.vms.items()}
