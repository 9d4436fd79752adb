#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""isolab-probe http against real servers on loopback: isolab-victim, nginx and
deliberately faulty servers. Everything it starts it stops."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402
from servers import run_probe  # noqa: E402

LAT_KEYS = {"min", "mean", "stdev", "p50", "p90", "p99", "p999", "max"}


def check_contract(tc, doc, kind="http"):
    tc.assertEqual(doc["tool"], "isolab-probe")
    tc.assertEqual(doc["kind"], kind)
    m = doc["metrics"]
    for k in ("requests", "ok", "failed", "failed_by", "success_pct", "throughput_rps",
              "latency_ms", "timeline", "histogram"):
        tc.assertIn(k, m)
    tc.assertEqual(set(m["failed_by"]) - {"sqlstate"}, {"timeout", "connect", "http_status", "read", "other"})
    tc.assertEqual(set(m["latency_ms"]), LAT_KEYS)
    tc.assertEqual(m["requests"], m["ok"] + m["failed"])
    tc.assertEqual(m["failed"], sum(v for k, v in m["failed_by"].items() if k != "sqlstate"))
    tc.assertEqual(m["histogram"]["count"], m["requests"])
    tc.assertEqual(sum(p["requests"] for p in m["timeline"]), m["requests"])


class Victim(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.victim = servers.start_victim(pages=2000)

    @classmethod
    def tearDownClass(cls):
        cls.victim.stop()

    def base(self):
        return "http://127.0.0.1:%d" % self.victim.port

    def test_closed_loop_counts_exactly_the_requested_number(self):
        tmp = tempfile.mkdtemp()
        try:
            log = os.path.join(tmp, "req.csv")
            rc, doc, err, _ = run_probe(["http", "--urls", self.base() + "/urls", "-c", "4",
                                         "--requests", "1500", "--log", log, "--json"])
            self.assertEqual(rc, 0, err)
            check_contract(self, doc)
            m = doc["metrics"]
            self.assertEqual(m["requests"], 1500)
            self.assertEqual(m["ok"], 1500)
            self.assertEqual(m["success_pct"], 100)
            self.assertEqual(doc["options"]["urls"], 2000)
            self.assertGreater(m["bytes"], 1500 * 1000)  # wiki pages are > 1 KB
            self.assertNotIn("latency_uncorrected_ms", m)
            lat = m["latency_ms"]
            self.assertTrue(0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"])
            with open(log) as f:
                lines = f.read().splitlines()
            self.assertEqual(lines[0], "t_s,latency_ms,uncorrected_ms,status,bytes,result,error,target")
            self.assertEqual(len(lines), 1501)
            self.assertTrue(all(",200," in l and ",ok," in l for l in lines[1:]))
            # fetched in the list's order: the first request of worker 0 is the first page
            self.assertIn("/wiki/", lines[1])
        finally:
            shutil.rmtree(tmp)

    def test_open_loop_holds_the_rate_and_reports_both_latencies(self):
        rc, doc, err, took = run_probe(["http", "--url", self.base() + "/health", "--rate", "300",
                                        "-c", "4", "--duration", "2", "--warmup", "0.5", "--json"])
        self.assertEqual(rc, 0, err)
        check_contract(self, doc)
        m = doc["metrics"]
        self.assertEqual(m["mode"], "open")
        self.assertAlmostEqual(m["requests"], 600, delta=6)
        self.assertAlmostEqual(m["throughput_rps"], 300, delta=15)
        # the window itself: the drain after it (joining the workers) is not measured time
        self.assertAlmostEqual(m["measured_s"], 2.0, delta=0.001)
        self.assertEqual(set(m["latency_uncorrected_ms"]), LAT_KEYS)
        # corrected latency counts from the intended time: never below the raw one
        self.assertGreaterEqual(m["latency_ms"]["p50"], m["latency_uncorrected_ms"]["p50"] * 0.999)
        # two seconds of window; a third only for answers that came after its end
        self.assertIn(len(m["timeline"]), (2, 3))
        # per second by completion time: a stall of the (loaded) host shifts some into the next
        self.assertAlmostEqual(m["timeline"][0]["requests"], 300, delta=120)
        self.assertGreater(m["timeline"][1]["requests"], 180)
        self.assertLess(took, 4.5)

    def test_victim_serves_pages_404_and_urls(self):
        import urllib.request
        urls = urllib.request.urlopen(self.base() + "/urls").read().decode().split()
        self.assertEqual(len(urls), 2000)
        page = urllib.request.urlopen(self.base() + urls[7]).read().decode()
        self.assertIn("<h1>", page)
        self.assertIn('<a href="/wiki/', page)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(self.base() + "/wiki/No_Such_Page")
        self.assertEqual(cm.exception.code, 404)
        # a 404 counts as an http_status failure
        rc, doc, err, _ = run_probe(["http", "--url", self.base() + "/wiki/No_Such_Page",
                                     "-c", "1", "--requests", "5", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc["metrics"]["failed_by"]["http_status"], 5)

    def test_victim_keeps_connections_alive(self):
        s = socket.create_connection(("127.0.0.1", self.victim.port), timeout=5)
        try:
            for _ in range(3):
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = b""
                while not answer.endswith(b"ok\n"):
                    chunk = s.recv(4096)
                    self.assertTrue(chunk, "the victim closed a keep-alive connection")
                    answer += chunk
                self.assertNotIn(b"Connection: close", answer)
        finally:
            s.close()

    def test_slow_client_does_not_stall_others(self):
        # a client that sends half a request and then nothing
        s = socket.create_connection(("127.0.0.1", self.victim.port))
        s.sendall(b"GET /wiki/")
        try:
            rc, doc, err, took = run_probe(["http", "--url", self.base() + "/health", "-c", "2",
                                            "--requests", "200", "--timeout", "2s", "--json"])
            self.assertEqual(rc, 0, err)
            self.assertEqual(doc["metrics"]["ok"], 200)
            self.assertLess(doc["metrics"]["latency_ms"]["max"], 1000)
        finally:
            s.close()

    def test_sigterm_stops_within_a_second_with_interrupted_result(self):
        p = subprocess.Popen([servers.probe_bin()] + servers.engine_args(
                             ["http", "--url", self.base() + "/health", "-c", "2", "--duration",
                              "60", "--json", "-q"]),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=10)
        self.assertLess(time.monotonic() - t0, 1.5)  # contract: 1 s; slack for a loaded host
        self.assertEqual(p.returncode, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["status"], "interrupted")
        self.assertGreater(doc["metrics"]["ok"], 0)

    def test_ready_fd_says_ready_once_load_runs(self):
        r, w = os.pipe()
        p = subprocess.Popen([servers.probe_bin()] + servers.engine_args(
                             ["http", "--url", self.base() + "/health", "--requests", "50",
                              "--ready-fd", str(w), "-q", "--json"]),
                             pass_fds=(w,), stdout=subprocess.PIPE, text=True)
        os.close(w)
        line = os.read(r, 100)
        os.close(r)
        out, _ = p.communicate(timeout=10)
        self.assertEqual(line, b"isolab-ready\n")
        self.assertEqual(json.loads(out)["metrics"]["ok"], 50)

    def test_warmup_requests_are_not_counted(self):
        rc, doc, err, took = run_probe(["http", "--url", self.base() + "/health", "--rate", "100",
                                        "-c", "2", "--warmup", "1", "--duration", "1", "--json"])
        self.assertEqual(rc, 0, err)
        self.assertAlmostEqual(doc["metrics"]["requests"], 100, delta=3)
        self.assertGreater(took, 1.9)


class VictimDatabase(unittest.TestCase):
    def test_database_is_deterministic_and_reused(self):
        import urllib.request
        tmp = tempfile.mkdtemp()
        try:
            db = os.path.join(tmp, "wiki.db")
            pages = []
            for _ in range(2):
                v = servers.start_victim(pages=300, db=db)
                try:
                    base = "http://127.0.0.1:%d" % v.port
                    urls = urllib.request.urlopen(base + "/urls").read().decode().split()
                    pages.append((urls, urllib.request.urlopen(base + urls[42]).read()))
                finally:
                    v.stop()
                self.assertTrue(os.path.exists(db))
            mtime = os.stat(db).st_mtime_ns
            self.assertEqual(pages[0], pages[1])
            # the same size reuses the file untouched, a different size rebuilds it
            v = servers.start_victim(pages=300, db=db)
            v.stop()
            self.assertEqual(os.stat(db).st_mtime_ns, mtime)
            v = servers.start_victim(pages=301, db=db)
            v.stop()
            self.assertNotEqual(os.stat(db).st_mtime_ns, mtime)
            # with no --db, the temp database goes away at exit
            before = set(os.listdir(tempfile.gettempdir()))
            v = servers.start_victim(pages=100)
            v.stop()
            after = set(os.listdir(tempfile.gettempdir()))
            self.assertFalse([d for d in after - before if d.startswith("isolab-victim-")])
        finally:
            shutil.rmtree(tmp)

    def test_refuses_to_overwrite_a_foreign_file(self):
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "notes.txt")
            with open(path, "w") as f:
                f.write("precious\n")
            r = subprocess.run([servers.victim_bin(), "--listen", "127.0.0.1:%d" % servers.free_port(),
                                "--db", path], stderr=subprocess.PIPE, text=True, timeout=10)
            self.assertEqual(r.returncode, 1)
            self.assertIn("not an isolab-victim database", r.stderr)
            with open(path) as f:
                self.assertEqual(f.read(), "precious\n")
        finally:
            shutil.rmtree(tmp)

    def test_builds_10000_pages_in_a_few_seconds(self):
        t0 = time.monotonic()
        v = servers.start_victim(pages=10000)
        took = time.monotonic() - t0
        v.stop()
        self.assertLess(took, 8.0)  # ASan build on a busy 2-core host; ~1 s unsanitized


class Nginx(unittest.TestCase):
    def test_engine_is_reported(self):
        with servers.start_nginx() as ng:
            rc, doc, err, _ = run_probe(["http", "--url", ng.url, "--requests", "10", "--json", "-q"])
            self.assertEqual(rc, 0, err)
            want = {"curl": "libcurl", "native": "native"}.get(os.environ.get("ISOLAB_PROBE_ENGINE"), "native")
            self.assertEqual(doc["engine"], want)

    def test_static_page_closed_loop(self):
        with servers.start_nginx() as ng:
            rc, doc, err, _ = run_probe(["http", "--url", ng.url, "-c", "8", "--duration", "1.5",
                                         "--json"])
            self.assertEqual(rc, 0, err)
            check_contract(self, doc)
            m = doc["metrics"]
            self.assertGreater(m["ok"], 500)
            self.assertEqual(m["failed"], 0)
            self.assertEqual(m["bytes"], m["requests"] * ng.page_bytes)

    def test_urls_file_with_base(self):
        with servers.start_nginx() as ng:
            tmp = tempfile.mkdtemp()
            try:
                lst = os.path.join(tmp, "urls.txt")
                with open(lst, "w") as f:
                    f.write("# pages\n/index.html\nindex.html\n/missing.html\n")
                rc, doc, err, _ = run_probe(["http", "--urls", lst, "--base",
                                             "http://127.0.0.1:%d/" % ng.port, "-c", "1",
                                             "--requests", "30", "--json", "-q"])
                self.assertEqual(rc, 0, err)
                m = doc["metrics"]
                self.assertEqual(m["ok"], 20)
                self.assertEqual(m["failed_by"]["http_status"], 10)
            finally:
                shutil.rmtree(tmp)


class Faulty(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.f = servers.Faulty()

    @classmethod
    def tearDownClass(cls):
        cls.f.stop()

    def expect(self, mode, kind, n=6, timeout="1s", max_s=5.0, extra=()):
        rc, doc, err, took = run_probe(["http", "--url", self.f.url(mode), "-c", str(n),
                                        "--requests", str(n), "--timeout", timeout, "--json"]
                                       + list(extra))
        self.assertEqual(rc, 0, err)
        check_contract(self, doc)
        m = doc["metrics"]
        self.assertEqual(m["requests"], n, m)
        self.assertEqual(m["failed_by"][kind], n, m["failed_by"])
        self.assertLess(took, max_s)
        return doc

    def expect_ok(self, mode, body_bytes):
        rc, doc, err, _ = run_probe(["http", "--url", self.f.url(mode), "-c", "2",
                                     "--requests", "20", "--timeout", "2s", "--json"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        self.assertEqual(m["ok"], 20, m["failed_by"])
        self.assertEqual(m["bytes"], 20 * body_bytes)

    def test_chunked_body_is_read_to_its_end(self):
        self.expect_ok("chunked", 5 + 26)

    def test_body_ending_at_close_is_ok(self):
        self.expect_ok("eofbody", 43)

    def test_refused_counts_as_connect(self):
        self.expect("refused", "connect")

    def test_5xx_counts_as_http_status(self):
        self.expect("status5xx", "http_status")

    def test_garbage_counts_as_read(self):
        self.expect("garbage", "read")

    def test_truncated_body_counts_as_read(self):
        self.expect("truncated", "read")

    def test_reset_counts_as_read(self):
        self.expect("reset", "read")

    def test_silent_server_times_out_not_hangs(self):
        doc = self.expect("silent", "timeout", timeout="700ms", max_s=4.0)
        self.assertGreaterEqual(doc["metrics"]["latency_ms"]["min"], 690)

    def test_silent_server_open_loop_drains_within_timeout(self):
        rc, doc, err, took = run_probe(["http", "--url", self.f.url("silent"), "--rate", "20",
                                        "-c", "50", "--duration", "1", "--timeout", "500ms",
                                        "--json", "-q"])
        self.assertEqual(rc, 0, err)
        self.assertAlmostEqual(doc["metrics"]["failed_by"]["timeout"], 20, delta=1)
        self.assertLess(took, 4.0)

    def test_unresolvable_name_counts_as_connect(self):
        # in a network namespace of its own with only loopback: no query leaves the host
        if not shutil.which("unshare") or subprocess.run(["unshare", "-rn", "true"]).returncode:
            if os.environ.get("CI") == "true":
                self.fail("unshare -rn unavailable in CI")
            self.skipTest("unshare -rn unavailable")
        r = subprocess.run(["unshare", "-rn", servers.probe_bin()] + servers.engine_args(
                           ["http", "--url", "http://no-such-host.invalid/", "--requests", "3",
                            "-c", "1", "--timeout", "2s", "--json", "-q"]), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["metrics"]["failed_by"]["connect"], 3)

    def test_backoff_pauses_after_consecutive_failures(self):
        # 1 connection, refused: without backoff hundreds of failures per second,
        # with it: fail, 1 s pause, fail, 2 s pause -> 2 requests in 2.5 s
        rc, doc, err, _ = run_probe(["http", "--url", self.f.url("refused"), "-c", "1",
                                     "--duration", "2.5", "--backoff", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc["metrics"]["failed_by"]["connect"], 2)
        rc, doc, err, _ = run_probe(["http", "--url", self.f.url("refused"), "-c", "1",
                                     "--duration", "0.5", "--json", "-q"])
        self.assertGreater(doc["metrics"]["failed_by"]["connect"], 50)


def check_counts(tc, m):
    """The verdict fields add up: every offered request is answered, outstanding or unsent."""
    tc.assertEqual(m["offered"], m["requests"] + m["outstanding_at_end"] + m["not_sent"], m)
    tc.assertLessEqual(m["good"], m["ok"])
    tc.assertAlmostEqual(m["good_pct"], 100.0 * m["good"] / m["offered"] if m["offered"] else 0,
                         places=6)


class GoodResponses(unittest.TestCase):
    """--slo: good responses of the offered load, with servers of known behaviour."""

    @classmethod
    def setUpClass(cls):
        cls.f = servers.Faulty(modes=["silent", "ok", "delay"], delay=0.2)

    @classmethod
    def tearDownClass(cls):
        cls.f.stop()

    def test_requests_unanswered_at_the_end_count_as_offered_never_good(self):
        # a server that stalls: every request is still outstanding when the window ends
        rc, doc, err, took = run_probe(["http", "--url", self.f.url("silent"), "--rate", "20",
                                        "-c", "50", "--duration", "1", "--slo", "100ms",
                                        "--json", "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        check_counts(self, m)
        self.assertEqual(m["offered"], 20)
        self.assertEqual(m["outstanding_at_end"], 20)
        self.assertEqual((m["good"], m["good_pct"], m["requests"], m["not_sent"]), (0, 0, 0, 0))
        self.assertEqual(m["slo_ms"], 100)
        self.assertEqual(doc["options"]["slo_ms"], 100)
        # it waits the SLO past the window, not the 25 s timeout
        self.assertLess(took, 3.0)

    def test_the_slo_decides_good_from_the_intended_send_time(self):
        # every answer takes 200 ms: good with a 500 ms SLO, never with 100 ms
        for slo, want in (("500ms", 100), ("100ms", 0)):
            with self.subTest(slo=slo):
                rc, doc, err, _ = run_probe(["http", "--url", self.f.url("delay"), "--rate", "10",
                                             "-c", "20", "--duration", "1", "--slo", slo,
                                             "--json", "-q"])
                self.assertEqual(rc, 0, err)
                m = doc["metrics"]
                check_counts(self, m)
                self.assertEqual(m["offered"], 10)
                self.assertEqual(m["good_pct"], want, m)
                if want == 0:
                    # answered after the SLO, or still unanswered when the wait ended
                    self.assertEqual(m["ok"] + m["outstanding_at_end"], 10, m)

    def test_a_backlog_that_never_goes_out_counts_as_not_sent(self):
        # one connection, 200 ms per answer, 20 requests/s: capacity is 5/s; after the 1 s
        # window, the backlog may still go out for one SLO (1 s), the rest never does
        rc, doc, err, took = run_probe(["http", "--url", self.f.url("delay"), "--rate", "20",
                                        "-c", "1", "--duration", "1", "--slo", "1s", "--json",
                                        "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        check_counts(self, m)
        self.assertEqual(m["offered"], 20)
        self.assertGreaterEqual(m["not_sent"], 8, m)
        # request i (every 50 ms) is answered at (i + 1) x 200 ms: the first 6 are good
        self.assertLessEqual(m["good"], 6, m)
        self.assertGreaterEqual(m["good"], 1, m)
        self.assertLess(took, 4.0)

    def test_a_healthy_server_answers_every_offered_request_in_time(self):
        rc, doc, err, _ = run_probe(["http", "--url", self.f.url("ok"), "--rate", "200",
                                     "-c", "8", "--warmup", "0.5", "--duration", "1",
                                     "--slo", "1s", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        check_counts(self, m)
        self.assertEqual(m["offered"], 200)
        self.assertEqual(m["good"], 200, m)
        self.assertEqual(m["rate_rps"], 200)

    def test_closed_loop_offers_what_it_sends(self):
        rc, doc, err, _ = run_probe(["http", "--url", self.f.url("ok"), "-c", "2",
                                     "--requests", "50", "--slo", "1s", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        check_counts(self, m)
        self.assertEqual((m["mode"], m["offered"], m["good"], m["not_sent"]), ("closed", 50, 50, 0))
        self.assertNotIn("rate_rps", m)


class BadInput(unittest.TestCase):
    CASES = [
        (["http"], "no URL"),
        (["ftp"], "unknown kind"),
        ([], "missing kind"),
        (["http", "--url", "x"], "--url"),
        (["http", "--url", "http://h/", "-c", "0"], "--concurrency"),
        (["http", "--url", "http://h/", "--rate", "-5"], "--rate"),
        (["http", "--url", "http://h/", "--duration", "5 s"], "--duration"),
        (["http", "--url", "http://h/", "--duration", "1s", "--requests", "5"], "exclude"),
        (["http", "--url", "http://h/", "--timeout", "0"], "--timeout"),
        (["http", "--url", "http://h/", "--slo", "0"], "--slo"),
        (["http", "--url", "http://h/", "--slo", "fast"], "--slo"),
        (["http", "--url", "http://h/", "--slo", "2h"], "--slo"),
        (["http", "--url", "http://h/", "--slo", "2s", "--timeout", "1s"], "--slo"),
        (["http", "--url", "http://h/", "--rate", "10", "--backoff"], "--backoff"),
        (["http", "--url", "http://h/", "--ready-fd", "999"], "--ready-fd"),
        (["http", "--url", "http://h/", "--bogus"], "bogus"),
        (["http", "--url", "http://h/", "--engine", "fast"], "--engine"),
        (["http", "--url", "http://h/", "extra"], "unexpected argument"),
        (["http", "--urls", "/nonexistent/list"], "cannot read"),
        (["http", "--url", "http://h/", "--query", "SELECT 1"], "is for 'sql'"),
        (["sql", "--query", "SELECT 1"], "--conninfo"),
        (["sql", "--conninfo", "host=x", "--url", "http://h/"], "is for 'http'"),
    ]

    def test_bad_options_exit_2_with_one_line(self):
        for args, word in self.CASES:
            with self.subTest(args=args):
                r = subprocess.run([servers.probe_bin()] + args, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, timeout=10)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stdout, "")
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertIn(word, lines[0])

    def test_engine_native_refuses_https(self):
        r = subprocess.run([servers.probe_bin(), "http", "--url", "https://127.0.0.1:1/",
                            "--engine", "native"], stderr=subprocess.PIPE, text=True, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--engine curl", r.stderr)

    def test_bad_url_list_names_the_line(self):
        tmp = tempfile.mkdtemp()
        try:
            lst = os.path.join(tmp, "urls.txt")
            with open(lst, "w") as f:
                f.write("http://ok/\n/needs/base\n")
            r = subprocess.run([servers.probe_bin(), "http", "--urls", lst], stderr=subprocess.PIPE,
                               text=True, timeout=10)
            self.assertEqual(r.returncode, 2)
            self.assertIn("line 2", r.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_victim_bad_options_exit_2(self):
        for args, word in ([[], "--listen"], [["--listen", "nohost:99999"], "--listen"],
                           [["--listen", "127.0.0.1:0", "--pages", "0"], "--pages"],
                           [["--listen", "127.0.0.1:0", "--threads", "x"], "--threads"]):
            with self.subTest(args=args):
                r = subprocess.run([servers.victim_bin()] + args, stderr=subprocess.PIPE,
                                   text=True, timeout=10)
                self.assertEqual(r.returncode, 2)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertIn(word, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
