#!/usr/bin/python3
"""report.html in headless Chromium: loads without console errors, has its
charts, and a screenshot is not blank. Skips (77) when Chromium is missing
and CI is not "true".

Env: ISOLAB (the isolab binary), CHROMIUM (default /usr/bin/chromium).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import png  # noqa: E402

ISOLAB = os.environ.get("ISOLAB", "isolab")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FIX = os.path.join(HERE, "fixtures")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars"]


def chromium(args, tmp):
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
    cmd = [CHROMIUM, *FLAGS, "--user-data-dir=" + profile, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, HOME=profile))


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(name, tmp, min_svgs, must_have, screenshot=False, cmd=None, page="report.html"):
    out = os.path.join(tmp, name)
    cmd = cmd or ["report", os.path.join(FIX, name)]
    p = subprocess.run([ISOLAB, *cmd, "--out", out, "-q", "--format", "html"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode:
        fail("%s %s: %s" % (cmd[0], name, p.stderr))
    html = os.path.join(out, page)
    with open(html, encoding="utf-8") as f:
        src = f.read()
    # self-contained: no script, no external reference
    for bad in ("<script", "src=\"http", "href=\"http", "@import", "url(http"):
        if bad in src:
            fail("%s: report.html contains %r" % (name, bad))

    url = "file://" + html
    p = chromium(["--enable-logging=stderr", "--v=0", "--dump-dom", url], tmp)
    if p.returncode:
        fail("%s: chromium --dump-dom exited %d: %s" % (name, p.returncode, p.stderr[-2000:]))
    dom = p.stdout
    console = [l for l in p.stderr.splitlines() if "CONSOLE" in l or "Refused to" in l or
               "Uncaught" in l]
    if console:
        fail("%s: console errors:\n%s" % (name, "\n".join(console)))
    svgs = len(re.findall(r"<svg\b", dom))
    if svgs < min_svgs:
        fail("%s: %d charts in the DOM, expected at least %d" % (name, svgs, min_svgs))
    for text in must_have:
        if text not in dom:
            fail("%s: %r missing from the rendered page" % (name, text))
    # every chart has a legend entry and axis labels
    for chart in re.findall(r"<svg\b.*?</svg>", dom, re.S):
        title = re.search(r"<title>(.*?)</title>", chart).group(1)
        if 'class="lg"' not in chart:
            fail("%s: chart %r has no legend" % (name, title))
        if 'class="al"' not in chart:
            fail("%s: chart %r has no axis label" % (name, title))

    if not screenshot:
        print("%s: %d charts" % (name, svgs))
        return
    shot = os.path.join(tmp, name + ".png")
    p = chromium(["--window-size=1000,900", "--screenshot=" + shot, url], tmp)
    if p.returncode or not os.path.exists(shot):
        fail("%s: no screenshot: %s" % (name, p.stderr[-2000:]))
    w, h, bpp, rows = png.read(shot)
    mean, var, levels = png.grey_stats(w, h, bpp, rows, step=5)
    if var < 200 or levels < 20:
        fail("%s: screenshot looks blank (mean %.1f, variance %.1f, %d grey levels)"
             % (name, mean, var, levels))
    # the first screen shows the verdict badges and a chart
    print("%s: %d charts, screenshot variance %.0f, %d grey levels" % (name, svgs, var, levels))


def main():
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI") == "true":
            fail("chromium not found at " + CHROMIUM)
        print("SKIP: no chromium")
        return 77
    tmp = tempfile.mkdtemp(prefix="isolab-report-html-")
    try:
        # verdicts: every verdict, the A/A, the mechanism, an invalid run
        # verdicts: 2 degradation + 5 CDFs + box (its probes have no timeline)
        check("verdicts", tmp, 8, ["At a glance", "protected", "partly protected",
                                    "not protected", "unaffected", "hurt", "inconclusive",
                                    "A/A", "noise floor", "victim CPU share 34 % → 86 %",
                                    "Invalid runs: 1 of 60", "Method"], screenshot=True)
        check("noisy", tmp, 5, ["the host is too noisy", "indicative"])
        # basic: 2 degradation + 4 CDFs + box + 2 x 9 timelines + 2 sweep charts
        check("basic", tmp, 27, ["At a glance", "not protected", "unaffected", "Weight sweep",
                                 "Latency CDF: cpu", "Round by round",
                                 "measured before calibration: verdicts indicative"])
        check("dnr", tmp, 5, ["DNR", "inconclusive", "invalid"])
        check("partial", tmp, 3, ["Partial run"])
        # curves: 2 x 2 curve charts besides the A/A's degradation and box charts
        check("curves", tmp, 4, ["Sensitivity curves", "tolerated interference",
                                 "Victim good responses against cpu bomb intensity",
                                 "at achieved", "interval over rounds"], screenshot=True)
        # protect: good % and p99 around the change, every round overlaid
        check("protect", tmp, 3, ["Time to protect", "Time to recover", "baseline's band",
                                  "round 5"])
        # compare: one chart per measure, the runs as series
        check("compare", tmp, 5, ["Comparing runs", "better", "same", "not paired",
                                  "good responses by phase"], screenshot=True,
              cmd=["compare", os.path.join(FIX, "verdicts"), os.path.join(FIX, "noisy"),
                   "--labels", "credit,credit2"], page="compare.html")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
