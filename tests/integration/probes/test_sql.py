#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""isolab-probe sql against Debian's PostgreSQL, initdb'd into a temp dir and
started on a random loopback port by the test (as the postgres user when run
as root), stopped and removed after."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402
from servers import run_probe  # noqa: E402
from test_http import check_contract  # noqa: E402

SCHEMA = """
CREATE TABLE pages (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL);
INSERT INTO pages SELECT g, 'Page_' || g, repeat('lorem ipsum ', 50) FROM generate_series(1, 2000) g;
CREATE TABLE links (src int NOT NULL, dst int NOT NULL);
INSERT INTO links SELECT g, (g * 7919) % 2000 + 1 FROM generate_series(1, 2000) g;
ANALYZE;
"""


class Sql(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(servers.PG_BIN + "/initdb"):
            if os.environ.get("CI") == "true":
                raise RuntimeError("PostgreSQL 15 is not installed (scripts/install-deps.sh --test)")
            raise unittest.SkipTest("PostgreSQL 15 not installed")
        cls.pg = servers.Postgres()
        cls.pg.psql(SCHEMA)

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()

    def test_closed_loop_prepared_queries(self):
        tmp = tempfile.mkdtemp()
        try:
            q = os.path.join(tmp, "queries.sql")
            with open(q, "w") as f:
                f.write("-- wiki-like reads\n"
                        "SELECT title, body FROM pages WHERE id = 1 + (random() * 1999)::int\n"
                        "SELECT p.title FROM links l JOIN pages p ON p.id = l.dst WHERE l.src = 42\n")
            rc, doc, err, _ = run_probe(["sql", "--conninfo", self.pg.conninfo, "--queries", q,
                                         "-c", "3", "--requests", "600", "--json"])
            self.assertEqual(rc, 0, err)
            check_contract(self, doc, kind="sql")
            m = doc["metrics"]
            self.assertEqual(m["requests"], 600)
            self.assertEqual(m["ok"], 600)
            self.assertEqual(m["failed_by"]["sqlstate"], {})
            self.assertEqual(doc["engine"], "libpq")
            self.assertEqual(doc["options"]["queries"], 2)
            self.assertNotIn("conninfo", json.dumps(doc["options"]))
        finally:
            shutil.rmtree(tmp)

    def test_errors_count_with_their_sqlstate(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        log = os.path.join(tmp, "q.csv")
        rc, doc, err, _ = run_probe(["sql", "--conninfo", self.pg.conninfo, "--log", log,
                                     "--query", "SELECT 1, 'a,\"b'", "--query", "SELECT 1 / (id - id) FROM pages WHERE id = 1",
                                     "--query", "SELECT * FROM no_such_table",
                                     "-c", "1", "--requests", "30", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        self.assertEqual(m["ok"], 10)
        self.assertEqual(m["failed_by"]["sqlstate"], {"22012": 10, "42P01": 10})
        self.assertEqual(m["failed_by"]["other"], 20)
        import csv
        with open(log, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 30)
        self.assertEqual({r["error"] for r in rows if r["result"] != "ok"}, {"22012", "42P01"})
        targets = {r["target"] for r in rows}
        self.assertIn("SELECT 1 / (id - id) FROM pages WHERE id = 1", targets)
        self.assertIn("SELECT 1, 'a,\"b'", targets)  # quoted in the CSV, read back whole

    def test_slow_query_times_out_and_is_cancelled(self):
        rc, doc, err, took = run_probe(["sql", "--conninfo", self.pg.conninfo,
                                        "--query", "SELECT pg_sleep(10)", "-c", "2",
                                        "--requests", "2", "--timeout", "500ms", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        self.assertEqual(m["failed_by"]["timeout"], 2)
        self.assertLess(took, 3.0)
        # the server really cancelled them: none of them is still sleeping
        for _ in range(20):
            out = self.pg.psql("\\pset tuples_only on\nSELECT count(*) FROM pg_stat_activity"
                               " WHERE query = 'SELECT pg_sleep(10)' AND state = 'active';")
            if out.stdout.strip() == "0":
                break
            time.sleep(0.1)
        self.assertEqual(out.stdout.strip(), "0")

    def test_queries_unanswered_at_the_end_are_outstanding_and_cancelled(self):
        rc, doc, err, took = run_probe(["sql", "--conninfo", self.pg.conninfo,
                                        "--query", "SELECT pg_sleep(10)", "--rate", "4", "-c", "4",
                                        "--duration", "1", "--slo", "200ms", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        self.assertEqual((m["offered"], m["outstanding_at_end"], m["good"], m["requests"]),
                         (4, 4, 0, 0), m)
        self.assertLess(took, 3.0)
        for _ in range(20):
            out = self.pg.psql("\\pset tuples_only on\nSELECT count(*) FROM pg_stat_activity"
                               " WHERE query = 'SELECT pg_sleep(10)' AND state = 'active';")
            if out.stdout.strip() == "0":
                break
            time.sleep(0.1)
        self.assertEqual(out.stdout.strip(), "0")

    def test_open_loop_rate(self):
        rc, doc, err, _ = run_probe(["sql", "--conninfo", self.pg.conninfo, "--query", "SELECT 1",
                                     "--rate", "200", "-c", "2", "--duration", "1.5", "--json", "-q"])
        self.assertEqual(rc, 0, err)
        m = doc["metrics"]
        self.assertEqual(m["mode"], "open")
        self.assertAlmostEqual(m["requests"], 300, delta=4)
        self.assertIn("latency_uncorrected_ms", m)

    def test_refused_server_counts_as_connect(self):
        port = servers.free_port()
        rc, doc, err, took = run_probe(["sql", "--conninfo",
                                        "host=127.0.0.1 port=%d user=x dbname=x" % port,
                                        "--query", "SELECT 1", "-c", "1", "--requests", "5",
                                        "--json", "-q"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc["metrics"]["failed_by"]["connect"], 5)
        self.assertLess(took, 3)

    def test_sigterm_interrupts_a_blocked_query(self):
        p = subprocess.Popen([servers.probe_bin(), "sql", "--conninfo", self.pg.conninfo,
                              "--query", "SELECT pg_sleep(30)", "-c", "2", "--duration", "60",
                              "--json", "-q"], stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=10)
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(out)["status"], "interrupted")


if __name__ == "__main__":
    unittest.main(verbosity=2)
