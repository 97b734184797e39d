"""Charts in Chromium under the product's own CSP: drawn, nothing refused, bars link, phones fit.

No page shows a chart yet, so the page is made here from the chart macro and served on a
stand-in origin with the real Content-Security-Policy header and the real stylesheets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale
from playwright.sync_api import Page, expect

from salesweb.core.charts import Marker, Series, bar_chart
from salesweb.core.security import CSP
from tests.browser.conftest import axe_violations

STATIC = Path(__file__).resolve().parents[2] / "static"
ORIGIN = "http://charts.test"
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>图表</title>
<link rel="stylesheet" href="/static/css/app.css"><link rel="stylesheet" href="/static/css/charts.css">
</head><body><main id="main"><h1>图表</h1>
{% from "_macros/charts.html" import chart %}{{ chart(a, "att") }}{{ chart(r, "rev") }}
</main></body></html>"""


@pytest.fixture
def chart_page(app, page: Page, console_errors):
    with app.test_request_context(), force_locale("zh_CN"):
        reps = ["张伟", "李娜", "Alex Chen"]
        html = render_template_string(
            PAGE,
            a=bar_chart(
                "达成率",
                reps,
                [Series("达成", [Decimal("0.72"), Decimal("0.41"), Decimal("1.12")])],
                marker=Marker(Decimal("0.58"), "时间进度"),
                percent=True,
                horizontal=True,
            ),
            r=bar_chart(
                "月度收入",
                ["2026-10", "2026-11"],
                [
                    Series("已赢单", [Decimal("820000"), Decimal("640000.50")]),
                    Series("预测", [Decimal("100000"), Decimal("200000")]),
                ],
                target=[Decimal("900000"), Decimal("900000")],
                links=["/drill?m=10", "/drill?m=11"],
                money="CNY",
            ),
        )

    def serve(route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        headers = {"Content-Security-Policy": CSP}
        if path.startswith("/static/"):
            file = STATIC / path.removeprefix("/static/")
            route.fulfill(body=file.read_bytes(), headers={**headers, "Content-Type": "text/css"})
        elif path == "/drill":
            route.fulfill(body="<h1>drill</h1>", headers=headers, content_type="text/html")
        else:
            route.fulfill(body=html, headers=headers, content_type="text/html; charset=utf-8")

    page.route(f"{ORIGIN}/**", serve)
    return page


def test_charts_draw_under_the_csp_and_bars_open_their_drill_down(chart_page, console_errors):
    page = chart_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{ORIGIN}/")
    wide = page.locator("#rev .chart-wide svg")
    expect(wide).to_be_visible()
    expect(page.locator("#rev .chart-narrow svg")).to_be_hidden()
    bar = wide.locator("a[href='/drill?m=10'] rect").first
    assert bar.bounding_box()["height"] > 50
    # The colour comes from the SVG's own attributes, which no CSP refuses.
    assert bar.evaluate("el => getComputedStyle(el).fill") == "rgb(29, 78, 216)"
    expect(page.locator("#att .chart-wide")).to_contain_text("时间进度")
    assert console_errors == []  # a refused inline style or script would be logged here
    assert axe_violations(page) == []
    # Keyboard: the first bar link is reachable by Tab and opens the records behind it.
    page.keyboard.press("Tab")
    for _ in range(10):
        if page.evaluate("document.activeElement.getAttribute('href')") == "/drill?m=10":
            break
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{ORIGIN}/drill?m=10"


def test_a_phone_gets_the_narrow_drawing_and_no_sideways_scroll(chart_page, console_errors):
    page = chart_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{ORIGIN}/")
    expect(page.locator("#rev .chart-narrow svg")).to_be_visible()
    expect(page.locator("#rev .chart-wide svg")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("#rev summary").click()
    expect(page.locator("#rev-table thead")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert console_errors == []
