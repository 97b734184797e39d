"""core.charts: pygal's SVG made safe for the strict CSP, with the numbers as a table."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale, format_currency
from lxml import html as lxml_html

from salesweb.core import pdf
from salesweb.core.charts import SVG_NS, Marker, Series, bar_chart, line_chart

MONTHS = ["一月", "二月", "March"]
MACRO = '{% from "_macros/charts.html" import chart %}{{ chart(c, "rev") }}'


def revenue(**overrides):
    options = dict(
        target=[Decimal("130000"), Decimal("100000"), Decimal("95000")],
        marker=Marker(Decimal("105000"), "时间进度"),
        links=["/pipeline/?m=1", "/pipeline/?m=2", None],
        money="CNY",
    )
    options.update(overrides)
    return bar_chart(
        "月度收入",
        MONTHS,
        [
            Series("已赢单", [Decimal("120000.50"), Decimal("98000"), None]),
            Series("预测", [Decimal("100000"), Decimal("110000"), Decimal("90000")]),
        ],
        **options,
    )


@pytest.fixture
def zh(app):
    with app.test_request_context(), force_locale("zh_CN"):
        yield


@pytest.fixture
def en(app):
    with app.test_request_context(), force_locale("en"):
        yield


def every_chart():
    reps = ["张伟", "Alex Chen"]
    return [
        revenue(),
        revenue(stacked=True, target=None),
        bar_chart(
            "达成率",
            reps,
            [Series("达成", [Decimal("0.72"), Decimal("1.12")])],
            marker=Marker(Decimal("0.58"), "时间进度"),
            percent=True,
            horizontal=True,
        ),
        line_chart("趋势", MONTHS, [Series("A", [1, 2, 3]), Series("B", [3, None, 2])]),
    ]


def test_no_script_no_inline_style_no_external_reference(zh):
    for chart in every_chart():
        for narrow in (False, True):
            markup = str(chart.svg("c", narrow=narrow))
            root = ET.fromstring(markup)
            tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
            assert not tags & {"script", "style", "foreignObject", "image", "use", "iframe"}
            for el in root.iter():
                assert "style" not in el.attrib, el.attrib
                assert not any(name.startswith("on") for name in el.attrib)
                for name, value in el.attrib.items():
                    if name.endswith("href") or "url(" in value:
                        # Only our drill-down paths and the chart's own patterns.
                        assert value.startswith("/") or re.fullmatch(r"url\(#c-[wn]-p\d\)", value)
            assert "http://" not in markup.replace(SVG_NS, "").replace(
                "http://www.w3.org/1999/xlink", ""
            )
            assert "https://" not in markup and "javascript:" not in markup


def test_labels_values_and_table_rows_match_the_data(zh):
    chart = revenue()
    svg = str(chart.svg("rev"))
    for label in [*MONTHS, "已赢单", "预测", "时间进度"]:
        assert label in svg
    assert chart.columns[1:3] == ("已赢单", "预测") and len(chart.columns) == 4
    assert [row.label for row in chart.rows] == MONTHS
    assert [row.cells for row in chart.rows] == [
        ("¥120,000.50", "¥100,000.00", "¥130,000.00"),
        ("¥98,000.00", "¥110,000.00", "¥100,000.00"),
        ("", "¥90,000.00", "¥95,000.00"),
    ]
    assert chart.has_target and "¥105,000.00" in chart.note


def test_money_follows_the_locale(app):
    with app.test_request_context(), force_locale("en"):
        cells_en = revenue(money="USD").rows[0].cells
        short_en = str(revenue(money="USD").svg("x"))
    with app.test_request_context(), force_locale("zh_CN"):
        cells_zh = revenue(money="USD").rows[0].cells
        short_zh = str(revenue(money="CNY").svg("x"))
    assert cells_en[0] == "$120,000.50"
    assert cells_zh[0] == "US$120,000.50"
    assert "$120K" in short_en  # short figures in the drawing, full ones in the table
    assert "¥12万" in short_zh


def test_percent_takes_ratios(en):
    chart = every_chart()[2]
    assert [row.cells for row in chart.rows] == [("72%",), ("112%",)]
    assert "Marker" not in chart.note and "58%" in chart.note


def test_links_become_bars_that_open_the_drill_down(zh):
    root = ET.fromstring(str(revenue().svg("rev")))
    links = [el for el in root.iter(f"{{{SVG_NS}}}a")]
    hrefs = sorted(el.get("href") for el in links)
    # Two series over the first two months carry links; March has none.
    assert hrefs == ["/pipeline/?m=1", "/pipeline/?m=1", "/pipeline/?m=2", "/pipeline/?m=2"]
    labels = {el.get("aria-label") for el in links}
    assert "一月 · 已赢单: ¥120,000.50" in labels
    assert all(el.find(f"{{{SVG_NS}}}rect") is not None for el in links)


def test_ids_are_unique_per_drawing(zh):
    chart = revenue()
    wide, narrow = str(chart.svg("a")), str(chart.svg("a", narrow=True))
    assert 'id="a-w-p1"' in wide and 'id="a-n-p1"' in narrow
    assert "__chart__" not in wide + narrow


def test_empty_data_renders_a_no_data_state(zh):
    chart = bar_chart("空", ["a", "b"], [Series("x", [None, None])])
    assert chart.empty and str(chart.svg("e")) == ""
    page = lxml_html.fromstring(render_template_string(MACRO, c=chart))
    assert page.xpath("//svg") == []
    assert "暂无数据" in page.text_content() or "No data yet." in page.text_content()
    assert bar_chart("空", [], []).empty


def test_mismatched_lengths_are_a_programming_error(zh):
    with pytest.raises(ValueError):
        bar_chart("x", ["a", "b"], [Series("s", [1])])
    with pytest.raises(ValueError):
        bar_chart("x", ["a"], [Series("s", [1])], links=[])


def test_macro_renders_figure_svg_and_table(zh):
    page = lxml_html.fromstring(f"<div>{render_template_string(MACRO, c=revenue())}</div>")
    figure = page.get_element_by_id("rev")
    assert figure.tag == "figure" and figure.get("aria-labelledby") == "rev-title"
    assert page.get_element_by_id("rev-title").text_content() == "月度收入"
    drawings = figure.xpath(".//div[contains(@class, 'chart-drawing')]")
    assert len(drawings) == 2  # wide, and narrow for phones
    for drawing in drawings:
        assert drawing.get("role") == "group"  # it holds links, so not a flat image
        assert drawing.get("aria-labelledby") == "rev-title rev-desc"
        assert drawing.xpath(".//svg")
    assert page.get_element_by_id("rev-desc").text_content().strip()
    table = page.get_element_by_id("rev-table")
    rows = [
        [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        for tr in table.xpath("./tbody/tr")
    ]
    assert rows[0] == ["一月", "¥120,000.50", "¥100,000.00", "¥130,000.00"]
    assert [a.get("href") for a in table.xpath("./tbody//a")] == [
        "/pipeline/?m=1",
        "/pipeline/?m=2",
    ]
    assert table.getparent().getparent().tag == "details"


def test_a_chart_without_links_is_one_image(zh):
    chart = every_chart()[2]
    page = lxml_html.fromstring(
        render_template_string(
            '{% from "_macros/charts.html" import chart %}{{ chart(c, "att") }}', c=chart
        )
    )
    assert {d.get("role") for d in page.xpath("//div[contains(@class, 'chart-drawing')]")} == {
        "img"
    }


def test_horizontal_lists_the_first_label_at_the_top(zh):
    root = ET.fromstring(str(every_chart()[2].svg("h")))
    y_of = {
        el.text: float(el.get("y"))
        for el in root.iter(f"{{{SVG_NS}}}text")
        if el.text in ("张伟", "Alex Chen")
    }
    assert y_of["张伟"] < y_of["Alex Chen"]


def test_a_chart_prints_into_a_pdf_with_its_chinese_labels(zh, tmp_path):
    html = (
        "<html><body>"
        + render_template_string(MACRO.replace('"rev")', '"rev", table_open=true)'), c=revenue())
        + "</body></html>"
    )
    data = pdf.render_pdf(html, "css/charts.css")
    assert data.startswith(b"%PDF")
    out = tmp_path / "chart.pdf"
    out.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for label in ["月度收入", "一月", "二月", "已赢单", "预测", "时间进度", "¥12万", "¥120,000.50"]:
        assert label in text, label


def test_stacked_bars_are_described_by_their_highest_total(en):
    chart = bar_chart(
        "Forecast",
        ["Ann", "Bo"],
        [Series("Commit", [Decimal(5), Decimal(1)]), Series("Best", [Decimal(1), Decimal(6)])],
        stacked=True,
    )
    assert "Bo, 7" in chart.description


def test_floats_are_refused(en):
    with pytest.raises(TypeError):
        bar_chart("x", ["a"], [Series("s", [1.5])])


def test_line_points_link_too(en):
    chart = line_chart("t", ["a", "b"], [Series("A", [1, 2])], links=["/x1", None])
    root = ET.fromstring(str(chart.svg("l")))
    assert [a.get("href") for a in root.iter(f"{{{SVG_NS}}}a")] == ["/x1"]


def test_money_true_means_the_base_currency(app, db):
    from salesweb.core.money import base_currency

    with app.test_request_context(), force_locale("en"):
        chart = bar_chart("x", ["a"], [Series("s", [Decimal("5")])], money=True)
        assert chart.rows[0].cells == (format_currency(Decimal("5"), base_currency()),)


def test_a_chart_stays_plain_svg_after_another_library_takes_the_default_namespace(zh):
    import xml.etree.ElementTree as ET

    # what importing openpyxl does: the registry is global, one default namespace at a time
    ET.register_namespace("", "http://schemas.openxmlformats.org/spreadsheetml/2006/main")
    markup = str(revenue().svg("after-xlsx"))
    assert markup.startswith("<svg") and "ns0:" not in markup
