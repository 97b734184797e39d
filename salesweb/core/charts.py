"""Charts drawn on the server as SVG by pygal, always with the same numbers as a table.

One library draws every chart in the product: pygal (pinned in pyproject.toml). Its SVG is
made safe for our pages here: pygal styles a chart with a `<style>` element and ships a
`<script>`, both of which the strict Content-Security-Policy refuses (`style-src 'self'`,
`script-src 'self'`) and htmx swaps could not carry a nonce anyway. So the chart is rendered,
pygal's own stylesheet is applied to each element as SVG presentation attributes (`fill`,
`stroke`, `font-size`..., which no CSP governs), and every `<style>`, `<script>`, `style=""`,
tooltip and external reference is removed. The result needs no CSS and no JavaScript: it looks
the same inline in a page, swapped by htmx, printed, and inside a WeasyPrint PDF.

How an area draws a chart (the view passes the chart to its template; nothing runs SQL here):

    from salesweb.core.charts import Marker, Series, bar_chart

    chart = bar_chart(
        _("Attainment by rep"),
        [rep.display_name for rep in reps],          # category labels
        [Series(_("Won"), [row.won for row in rows])],  # Decimal values, None = no value
        target=[row.target for row in rows],          # a tick across each bar
        marker=Marker(Decimal("0.58"), _("Quarter gone")),  # a line across the plot
        links=[url_for("goals.drill", rep=rep.id) for rep in reps],  # each bar is an <a>
        money=True,                                   # True: base currency; or "USD"
        horizontal=True,
    )

    {% from "_macros/charts.html" import chart %}
    {{ chart(chart, "attainment-chart") }}

The macro renders a `<figure>`: the SVG (a wide drawing and, below 600 px, a narrow one), a
caption, a one-sentence summary and a `<table>` of the same numbers (in a `<details>`; its
first column links to the same drill-down URLs). Several charts on one page need distinct ids.

In a PDF: the same macro with `table_open=true`, rendered by `core.pdf.render_pdf`, whose
stylesheet begins with `@import url("charts.css");` (it hides the narrow drawing in print).

Values are Decimal: money (`money=True` or a currency code) is formatted with Babel for the
reader's locale, `percent=True` takes ratios (Decimal("0.58") is 58 %), otherwise plain
numbers. The SVG prints short figures (¥12万, $120K); the table prints them in full.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

import cssselect2
import pygal
import tinycss2
from babel.numbers import format_compact_currency, format_compact_decimal
from flask_babel import (
    format_currency,
    format_decimal,
    format_percent,
    get_locale,
    gettext,
    pgettext,
)
from markupsafe import Markup
from pygal.style import Style

# pygal leaves an import hook for its map plugins (unused here) on sys.meta_path; it lacks
# find_spec, so every later failed import anywhere in the process would warn. It comes off.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# The product's palette (static/css/app.css): series differ in lightness as well as hue, and
# every series after the first also in fill pattern (bars) or dash (lines), so they stay apart
# in grey print and for readers who do not see colour.
COLOURS = ("#1d4ed8", "#b45309", "#15803d", "#5f6b7a", "#7c3aed", "#b91c1c")
TEXT = "#1f2933"
MUTED = "#5f6b7a"
GRID = "#d9dee5"
TARGET = "#111827"
MARKER = "#b91c1c"
FONTS = (
    "'Noto Sans SC', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif"
)
DASHES = ("", "8,4", "2,3", "12,4,2,4", "4,4", "1,2")

WIDE = (800, 400)
NARROW = (340, 320)

# The SVG properties that may be written as presentation attributes; anything else in pygal's
# stylesheet (transitions, cursor, hover effects) only served its JavaScript tooltips.
PRESENTATION = frozenset(
    {
        "fill",
        "fill-opacity",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-dasharray",
        "stroke-linecap",
        "stroke-linejoin",
        "opacity",
        "font-family",
        "font-size",
        "font-weight",
        "text-anchor",
        "dominant-baseline",
        "visibility",
        "display",
    }
)


def _register_namespaces() -> None:
    """SVG as the default namespace when a drawing is written out. Asked again before every
    write: the registry is global, and a library that registers its own default namespace
    (openpyxl, imported by the spreadsheet exports) silently removes ours, leaving ns0: names
    that browsers do not draw."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)


_register_namespaces()


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category label; None where there is no value."""

    name: str
    values: Sequence[Decimal | int | None]


@dataclass(frozen=True)
class Marker:
    """A line across the plot at one value, e.g. the share of the period already gone."""

    value: Decimal
    label: str


@dataclass(frozen=True)
class ChartRow:
    label: str
    cells: tuple[str, ...]
    link: str | None = None


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its SVG (wide and narrow) and the table of the same numbers."""

    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[ChartRow, ...]
    note: str = ""
    has_target: bool = False
    _drawings: dict[str, ET.Element] = field(default_factory=dict, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        return not self._drawings

    def svg(self, dom_id: str, *, narrow: bool = False) -> Markup:
        """The SVG markup, with ids made from `dom_id` so several charts share a page."""
        tree = self._drawings.get("narrow" if narrow else "wide")
        if tree is None:
            return Markup("")
        prefix = f"{dom_id}-{'n' if narrow else 'w'}"
        _register_namespaces()
        text = ET.tostring(tree, encoding="unicode").replace("__chart__", prefix)
        return Markup(text)


Number = Decimal | int | None


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    target: Sequence[Number] | None = None,
    marker: Marker | None = None,
    links: Sequence[str | None] | None = None,
    money: bool | str = False,
    percent: bool = False,
    stacked: bool = False,
    horizontal: bool = False,
    description: str | None = None,
    label_title: str | None = None,
) -> Chart:
    """Bars per label (grouped, or stacked), with an optional target tick and marker line."""
    return _chart(
        "bar",
        title,
        labels,
        series,
        target=target,
        marker=marker,
        links=links,
        money=money,
        percent=percent,
        stacked=stacked,
        horizontal=horizontal,
        description=description,
        label_title=label_title,
    )


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    marker: Marker | None = None,
    links: Sequence[str | None] | None = None,
    money: bool | str = False,
    percent: bool = False,
    description: str | None = None,
    label_title: str | None = None,
) -> Chart:
    """A line per series across the labels (months, weeks), with an optional marker line."""
    return _chart(
        "line",
        title,
        labels,
        series,
        target=None,
        marker=marker,
        links=links,
        money=money,
        percent=percent,
        stacked=False,
        horizontal=False,
        description=description,
        label_title=label_title,
    )


# -- formatting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    """How the chart's numbers read: in full for the table, short for the drawing."""

    full: Callable[[Decimal], str]
    short: Callable[[Decimal], str]


def _formats(money: bool | str, percent: bool) -> _Format:
    locale = str(get_locale() or "en")
    if money:
        if money is True:
            from salesweb.core.money import base_currency

            currency = base_currency()
        else:
            currency = str(money).upper()
        return _Format(
            full=lambda v: format_currency(v, currency),
            short=lambda v: _compact_currency(v, currency, locale),
        )
    if percent:
        return _Format(full=lambda v: format_percent(v), short=lambda v: format_percent(v))
    return _Format(
        full=lambda v: format_decimal(v),
        short=lambda v: _compact_decimal(v, locale),
    )


# Babel's compact formats parse the locale's patterns on every call; an axis repeats its ticks
# and a chart is drawn twice (wide and narrow), so the pure results are remembered.
@lru_cache(maxsize=4096)
def _compact_currency(value: Decimal, currency: str, locale: str) -> str:
    return format_compact_currency(value, currency, locale=locale, fraction_digits=1)


@lru_cache(maxsize=4096)
def _compact_decimal(value: Decimal, locale: str) -> str:
    return format_compact_decimal(value, locale=locale, fraction_digits=1)


def _decimal(value: Number) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("charts take Decimal or int values, never float")
    return value if isinstance(value, Decimal) else Decimal(value)


# -- drawing ------------------------------------------------------------------------------


def _chart(
    kind: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    target: Sequence[Number] | None,
    marker: Marker | None,
    links: Sequence[str | None] | None,
    money: bool | str,
    percent: bool,
    stacked: bool,
    horizontal: bool,
    description: str | None,
    label_title: str | None,
) -> Chart:
    labels = [str(label) for label in labels]
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values for {len(labels)} labels"
            )
    if target is not None and len(target) != len(labels):
        raise ValueError("target needs one value per label")
    if links is not None and len(links) != len(labels):
        raise ValueError("links need one URL (or None) per label")
    fmt = _formats(money, percent)
    values = [[_decimal(v) for v in one.values] for one in series]
    targets = [_decimal(v) for v in target] if target is not None else None

    columns = (label_title or pgettext("chart table head", "Item"), *(one.name for one in series))
    if targets is not None:
        columns = (*columns, gettext("Target"))
    rows = []
    for i, label in enumerate(labels):
        cells = [fmt.full(col[i]) if col[i] is not None else "" for col in values]
        if targets is not None:
            cells.append(fmt.full(targets[i]) if targets[i] is not None else "")
        rows.append(ChartRow(label, tuple(cells), links[i] if links else None))
    note = ""
    if marker is not None:
        note = f"{marker.label}: {fmt.full(marker.value)}"

    has_data = any(v is not None for col in values for v in col)
    drawings: dict[str, ET.Element] = {}
    if has_data:
        spec = _Spec(
            kind,
            title,
            labels,
            list(series),
            values,
            targets,
            marker,
            list(links) if links else None,
            fmt,
            stacked,
            horizontal,
        )
        drawings = {"wide": _draw(spec, *WIDE), "narrow": _draw(spec, *NARROW)}
    return Chart(
        title=title,
        description=description or _describe(labels, series, values, fmt, stacked),
        columns=columns,
        rows=tuple(rows),
        note=note,
        has_target=targets is not None and has_data,
        _drawings=drawings,
    )


def _describe(
    labels: Sequence[str],
    series: Sequence[Series],
    values: list[list[Decimal | None]],
    fmt: _Format,
    stacked: bool = False,
) -> str:
    """A one-sentence text alternative: what is shown and where the highest value lies
    (for stacked bars, the highest total)."""
    if stacked:
        totals = [
            sum((col[i] for col in values if col[i] is not None), Decimal(0))
            if any(col[i] is not None for col in values)
            else None
            for i in range(len(labels))
        ]
        values = [totals]
    best = None
    for s, col in enumerate(values):
        for i, v in enumerate(col):
            if v is not None and (best is None or v > best[0]):
                best = (v, s, i)
    if best is None:
        return gettext("No data yet.")
    v, s, i = best
    return gettext(
        "%(series)s for %(count)d items; highest: %(label)s, %(value)s.",
        series=", ".join(one.name for one in series),
        count=len(labels),
        label=labels[i],
        value=fmt.full(v),
    )


@dataclass
class _Spec:
    kind: str
    title: str
    labels: list[str]
    series: list[Series]
    values: list[list[Decimal | None]]
    targets: list[Decimal | None] | None
    marker: Marker | None
    links: list[str | None] | None
    fmt: _Format
    stacked: bool
    horizontal: bool


class _Extras:
    """Mixed into a pygal chart: draws target ticks and the marker line with pygal's own view,
    so they sit exactly on its scale."""

    targets: list[float | None] | None = None
    marker_value: float | None = None
    marker_text: str = ""

    def _compute(self) -> None:
        super()._compute()  # type: ignore[misc]
        # Widen the value range so targets and the marker are never drawn off the plot.
        extra = [t for t in (self.targets or []) if t is not None]
        if self.marker_value is not None:
            extra.append(self.marker_value)
        if extra:
            box = self._box  # type: ignore[attr-defined]
            box.ymax = max(box.ymax, *extra)
            box.ymin = min(box.ymin, *extra)

    def _plot(self) -> None:
        super()._plot()  # type: ignore[misc]
        view, svg, plot = self.view, self.svg, self.nodes["plot"]  # type: ignore[attr-defined]
        n = len(self.targets or []) or 1
        horizontal = getattr(self, "horizontal", False)

        def rect(parent: Any, a: float, b: float, at: float, thick: float, **attrs: Any) -> Any:
            # a..b along the category axis, `at` on the value axis, in pygal's own view.
            lo, length = min(a, b), abs(b - a)
            if horizontal:
                box = {"x": at - thick / 2, "y": lo, "width": thick, "height": length}
            else:
                box = {"x": lo, "y": at - thick / 2, "width": length, "height": thick}
            return svg.node(parent, "rect", **box, **attrs)

        if self.targets:
            group = svg.node(plot, class_="chart-targets")
            for i, t in enumerate(self.targets):
                if t is None:
                    continue
                a, b = view.x(i / n), view.x((i + 1) / n)
                inset = abs(b - a) * 0.04
                lo, hi = min(a, b) + inset, max(a, b) - inset
                rect(group, lo, hi, view.y(t), 4, fill=TARGET, class_="chart-target")
        if self.marker_value is not None:
            group = svg.node(plot, class_="chart-marker")
            at = view.y(self.marker_value)
            a, b = view.x(0), view.x(1)
            rect(group, a, b, at, 2, fill=MARKER, class_="chart-marker-line")
            if horizontal:
                # Above the plot, in the top margin kept free for it, clear of every bar.
                x, y, anchor = at, min(a, b) - 8, "middle"
            else:
                x, y, anchor = max(view.x(0), view.x(1)) - 4, at - 6, "end"
            # A white outline first, then the label on it: readable across bars and grid,
            # without paint-order (which WeasyPrint ignores).
            for outline in (True, False):
                text = svg.node(
                    group,
                    "text",
                    x=x,
                    y=y,
                    fill=MARKER,
                    class_="chart-marker-label",
                    **{"text-anchor": anchor, "font-size": 13, "font-weight": 700},
                )
                if outline:
                    text.set("stroke", "#ffffff")
                    text.set("stroke-width", "4")
                    text.set("aria-hidden", "true")
                text.text = self.marker_text


def _pygal_class(spec: _Spec) -> type:
    if spec.kind == "line":
        base = pygal.Line
    elif spec.stacked:
        base = pygal.HorizontalStackedBar if spec.horizontal else pygal.StackedBar
    else:
        base = pygal.HorizontalBar if spec.horizontal else pygal.Bar
    return type(f"Sales{base.__name__}", (_Extras, base), {})


def _draw(spec: _Spec, width: int, height: int) -> ET.Element:
    if spec.horizontal:
        # pygal lays the first label at the bottom; a ranking reads from the top.
        spec = replace(
            spec,
            labels=spec.labels[::-1],
            values=[col[::-1] for col in spec.values],
            targets=spec.targets[::-1] if spec.targets else None,
            links=spec.links[::-1] if spec.links else None,
        )
        height = max(
            height, 120 + 34 * len(spec.labels) * (1 if spec.stacked else len(spec.series))
        )
    style = Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground=TEXT,
        foreground_strong=TEXT,
        foreground_subtle=MUTED,
        colors=COLOURS,
        opacity="1",
        opacity_hover="1",
        stroke_opacity="1",
        stroke_opacity_hover="1",
        stroke_width="3",
        guide_stroke_color=GRID,
        major_guide_stroke_color=GRID,
        guide_stroke_dasharray="",
        major_guide_stroke_dasharray="",
        font_family=FONTS,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=14,
        title_font_size=16,
        value_font_size=12,
        no_data_font_size=20,
        transition="0s",
    )
    fmt = spec.fmt
    # On a phone a long axis (twelve months) names every second or third label only.
    crowded = width < 600 and not spec.horizontal and len(spec.labels) > 6
    chart = _pygal_class(spec)(
        style=style,
        width=width,
        height=height,
        js=[],
        disable_xml_declaration=True,
        show_legend=len(spec.series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(len(spec.series), 3 if width >= 600 else 1),
        # Direct value labels while they fit; the table always has every number.
        print_values=spec.kind == "bar"
        and not spec.stacked
        and len(spec.labels) * len(spec.series) <= (24 if width >= 600 else 6),
        print_values_position="top",
        print_zeroes=False,
        value_formatter=lambda v: fmt.short(Decimal(str(v))) if v is not None else "",
        x_label_rotation=0 if width >= 600 or spec.horizontal else 30,
        x_labels_major_every=-(-len(spec.labels) // 6) if crowded else None,
        show_minor_x_labels=not crowded,
        truncate_label=-1,
        truncate_legend=-1,
        margin_top=34 if spec.marker and spec.horizontal else 12,
        margin_right=56 if spec.horizontal else 12,
        min_scale=3 if width >= 600 else 2,
        max_scale=6 if width >= 600 else 4,
        spacing=12,
        dots_size=4,
        include_x_axis=True,
        show_x_guides=False,
        show_y_guides=True,
        title=None,  # the <figure>'s caption carries the title, in the page's own type
    )
    chart.targets = [float(t) if t is not None else None for t in spec.targets or []] or None
    chart.marker_value = float(spec.marker.value) if spec.marker else None
    chart.marker_text = spec.marker.label if spec.marker else ""
    chart.x_labels = spec.labels
    for s, one in enumerate(spec.series):
        points = []
        for i, value in enumerate(spec.values[s]):
            point: dict[str, Any] = {"value": float(value) if value is not None else None}
            link = spec.links[i] if spec.links else None
            if link and value is not None:
                point["xlink"] = {
                    "href": link,
                    "aria-label": f"{spec.labels[i]} · {one.name}: {fmt.full(value)}",
                }
            points.append(point)
        extra: dict[str, Any] = {}
        if spec.kind == "line" and DASHES[s % len(DASHES)]:
            extra["stroke_style"] = {"width": 3, "dasharray": DASHES[s % len(DASHES)]}
        chart.add(one.name, points, **extra)
    return _clean(chart.render(is_unicode=True), len(spec.series), spec.kind, spec.horizontal)


# -- making pygal's SVG fit the page -------------------------------------------------------


def _clean(text: str, series_count: int, kind: str, horizontal: bool) -> ET.Element:
    """Pygal's SVG without style, script, tooltips or external references, styled by attributes."""
    root = ET.fromstring(text)
    _inline_styles(root)
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter()):
        tag = _local(element.tag)
        classes = element.get("class", "").split()
        # Titles and descs are pygal's tooltip texts: the figure's caption and table say it all.
        drop = (
            tag in ("script", "style", "desc", "title", "foreignObject", "image", "use")
            or "tooltip-overlay" in classes
        )
        if drop and element in parents:
            parents[element].remove(element)
            continue
        element.attrib.pop("style", None)
        element.attrib.pop("id", None)
        href = element.attrib.pop(f"{{{XLINK_NS}}}href", None)
        if tag == "a" and href is not None:
            element.set("href", href)
            element.attrib.pop("target", None)
    for element in root.iter():
        if _local(element.tag) == "rect" and "reactive" in element.get("class", ""):
            # pygal's hover state stays off: nothing is hovered on paper or for a keyboard.
            element.set("class", element.get("class", "").replace("tooltip-trigger", "").strip())
    if kind == "bar":
        _patterns(root, series_count)
    if horizontal:
        # pygal centres a value on the bar's end; beside the end it stays readable.
        for text in root.iter(f"{{{SVG_NS}}}text"):
            if "value" in text.get("class", "").split():
                x = float(text.get("x", "0")) - float(text.get("font-size", "12px")[:-2]) / 2
                text.set("x", f"{x + 4:.2f}")
                text.set("text-anchor", "start")
    root.set("class", "chart-svg")
    root.set("focusable", "false")
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@lru_cache(maxsize=32)
def _matcher(css: str) -> cssselect2.Matcher:
    """pygal's stylesheet as a selector matcher, keeping only the SVG presentation properties."""
    matcher = cssselect2.Matcher()
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type != "qualified-rule" or ":hover" in tinycss2.serialize(rule.prelude):
            continue
        declarations = [
            (d.lower_name, tinycss2.serialize(d.value).strip(), d.important)
            for d in tinycss2.parse_blocks_contents(rule.content, True, True)
            if d.type == "declaration" and d.lower_name in PRESENTATION
        ]
        if not declarations:
            continue
        try:
            selectors = cssselect2.compile_selector_list(rule.prelude)
        except cssselect2.SelectorError:
            continue
        for selector in selectors:
            if selector.pseudo_element is None:
                matcher.add_selector(selector, declarations)
    return matcher


def _inline_styles(root: ET.Element) -> None:
    """Apply pygal's stylesheet to each element as presentation attributes, in cascade order."""
    css = "".join(style.text or "" for style in root.iter(f"{{{SVG_NS}}}style"))
    # Every chart's stylesheet is scoped to its own random id; with that id made constant the
    # text repeats from chart to chart, so it is parsed and compiled once per process.
    chart_id = root.get("id", "")
    if chart_id:
        css = css.replace(f"#{chart_id}", "#chart")
        root.set("id", "chart")
    matcher = _matcher(css)
    wrapper = cssselect2.ElementWrapper.from_xml_root(root)
    for element in wrapper.iter_subtree():
        matches = sorted(matcher.match(element), key=lambda m: (m[0], m[1]))
        chosen: dict[str, tuple[bool, str]] = {}
        for _specificity, _order, _pseudo, declarations in matches:
            for name, value, important in declarations:
                if important or not chosen.get(name, (False, ""))[0]:
                    chosen[name] = (important, value)
        node = element.etree_element
        for name, (_important, value) in chosen.items():
            inherited = name == "font-family" and node is not root
            if value and not inherited and (name not in node.attrib or name.startswith("font")):
                node.set(name, value)


def _patterns(root: ET.Element, series_count: int) -> None:
    """Hatch the bars of every series after the first, so none depends on colour alone."""
    if series_count < 2:
        return
    defs = root.find(f"{{{SVG_NS}}}defs")
    if defs is None:
        defs = ET.Element(f"{{{SVG_NS}}}defs")
        root.insert(0, defs)
    shapes = ("M0 8 L8 0", "M0 0 L8 8", "M4 0 L4 8", "M0 4 L8 4 M4 0 L4 8", "M0 0 L8 8 M0 8 L8 0")
    for s in range(1, series_count):
        colour = COLOURS[s % len(COLOURS)]
        pattern = ET.SubElement(
            defs,
            f"{{{SVG_NS}}}pattern",
            id=f"__chart__-p{s}",
            width="8",
            height="8",
            patternUnits="userSpaceOnUse",
        )
        ET.SubElement(pattern, f"{{{SVG_NS}}}rect", width="8", height="8", fill=colour)
        ET.SubElement(
            pattern,
            f"{{{SVG_NS}}}path",
            d=shapes[(s - 1) % len(shapes)],
            stroke="#ffffff",
            fill="none",
            **{"stroke-width": "2"},
        )
        for element in root.iter():
            classes = element.get("class", "").split()
            if f"color-{s}" in classes and _local(element.tag) == "g":
                for bar in element.iter(f"{{{SVG_NS}}}rect"):
                    bar.set("fill", f"url(#__chart__-p{s})")
            elif f"color-{s}" in classes and _local(element.tag) == "rect":
                element.set("fill", f"url(#__chart__-p{s})")
