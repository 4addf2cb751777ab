"""The HTML report in headless Chromium: every chart's area is drawn (not blank).

Chromium is Debian's package; it is installed here with apt-get when missing. If it cannot be
installed the test fails (it is the only proof the charts render).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bench.report import history
from pipeline.reports import build_report, write_report
from pipeline.warehouse.store import Warehouse

CHARTS = {"daily", "org_followers", "org_posts", "org_interactions", "platform_followers",
          "platform_posts", "platform_interactions", "risk_categories", "alerts",
          "health_orgs", "competitor_followers", "competitor_rate"}
WIDTH = 1200


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    problems = []
    for cmd in (["apt-get", "install", "-y", "chromium"],
                ["sh", "-c", "apt-get update && apt-get install -y chromium"]):
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                                  env={"DEBIAN_FRONTEND": "noninteractive",
                                       "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"{' '.join(cmd)}: {exc}")
            continue
        found = shutil.which("chromium")
        if found:
            return found
        problems.append(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr[-500:]}")
    pytest.fail("headless Chromium is needed to check the report's charts and could not be "
                "installed with `apt-get install -y chromium`:\n" + "\n".join(problems))


def run_chromium(binary: str, html: Path, height: int, *extra: str) -> str:
    done = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--force-device-scale-factor=1", f"--window-size={WIDTH},{height}", *extra,
         html.as_uri()], capture_output=True, text=True, timeout=120, cwd=html.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def boxes(dom: str) -> tuple[dict[str, tuple[int, int, int, int]], int]:
    found: dict[str, tuple[int, int, int, int]] = {}
    for tag in re.findall(r"<div[^>]*data-chart=[^>]*>", dom):
        name = re.search(r'data-chart="([^"]+)"', tag)
        box = re.search(r'data-box="([-\d,]+)"', tag)
        assert name and box, tag
        x, y, w, h = (int(v) for v in box.group(1).split(","))
        found[name.group(1)] = (x, y, w, h)
    height = re.search(r'<body[^>]*data-height="(\d+)"', dom)
    assert height, "the page's script did not run"
    return found, int(height.group(1))


def test_every_chart_renders_in_headless_chromium(tmp_path: Path) -> None:
    binary = chromium()
    start = datetime(2026, 10, 1, tzinfo=UTC)
    wh = Warehouse(f"chdb://{tmp_path / 'wh'}")
    try:
        history(wh, accounts=40, competitors=9, days=62, now=start + timedelta(days=32),
                health_at=start + timedelta(days=30, hours=12))

        def query(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
            r = wh.query(sql)
            return r.columns, r.rows

        report = build_report(query, "2026-10")
    finally:
        wh.close()
    (html,) = write_report(report, tmp_path / "out", ("html",))
    text = html.read_text(encoding="utf-8")
    # self-contained: nothing fetched from anywhere
    assert not re.search(r"<link|<img|\bsrc=|@import|url\(", text)
    assert set(re.findall(r'data-chart="([^"]+)"', text)) == CHARTS

    _, height = boxes(run_chromium(binary, html, 800, "--dump-dom"))
    found, height2 = boxes(run_chromium(binary, html, height, "--dump-dom"))
    assert set(found) == CHARTS and height2 == height
    shot = tmp_path / "report.png"
    run_chromium(binary, html, height, f"--screenshot={shot}")
    image = Image.open(shot).convert("RGB")
    assert image.size == (WIDTH, height)
    blank = []
    for name, (x, y, w, h) in sorted(found.items()):
        assert w > 100 and h > 50 and x + w <= WIDTH and y + h <= height, (name, x, y, w, h)
        area = np.asarray(image.crop((x, y, x + w, y + h)), dtype=np.int32)
        colored = int(((area.max(axis=2) - area.min(axis=2)) > 60).sum())
        inked = int((area.sum(axis=2) < 600).sum())
        if colored < 150 or inked < 300:
            blank.append(f"{name} at {x},{y} {w}x{h}: {colored} colored, {inked} inked pixels")
    assert not blank, "charts not drawn:\n" + "\n".join(blank)
    # and the rest of the page is not where the ink is: a strip of the margin stays white
    margin = np.asarray(image.crop((0, 0, 15, height)), dtype=np.int32)
    assert (margin.sum(axis=2) > 740).all()
