"""The Kinerja SOP charts, drawn on the server as SVG with pygal: a page with no script
still shows them. Each chart is returned with its stylesheet, so the page can allow
exactly that stylesheet (by hash) and nothing else."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pygal
from pygal.style import Style

from reporting.figures import Figures

_STYLE = Style(
    background="white",
    plot_background="white",
    font_family="system-ui, sans-serif",
    colors=("#1f5f8b", "#b23a48", "#2e7d32", "#ef8f00", "#6a1b9a", "#00838f"),
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
_STYLESHEET = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_SERIE_ID = re.compile(r'id="(activate-serie-)')


@dataclass(frozen=True)
class Reader:
    """How the page's reader writes: the text of an empty chart, and numbers (Indonesian
    writes a decimal comma)."""

    no_data: str
    number: Callable[[float], str]


@dataclass(frozen=True)
class Chart:
    key: str
    svg: str  # inline SVG markup, without script
    stylesheet: str  # the text of its <style>, to allow by hash


def _finish(key: str, chart: pygal.graph.graph.Graph, title: str) -> Chart:
    svg = chart.render(is_unicode=True)
    # The page's heading names the chart: its title is not drawn again inside it, only
    # kept as the SVG's accessible name (pygal writes its own name there otherwise).
    svg = svg.replace("<title>Pygal</title>", f"<title>{html.escape(title)}</title>", 1)
    svg = _SCRIPT.sub("", svg)
    # A style attribute would need 'unsafe-inline': the same as a presentation attribute.
    svg = svg.replace(' style="opacity: 0"', ' opacity="0"')
    # pygal numbers its legend's ids from 0 in every chart: on a page of three charts an id
    # would be there three times. Each chart's ids begin with its key.
    svg = _SERIE_ID.sub(rf'id="{key}-\1', svg)
    found = _STYLESHEET.search(svg)
    # In inline SVG a <style>'s text is read with its entities decoded (lxml writes ">" as
    # "&gt;"): the browser hashes the decoded text, so that is what is allowed.
    return Chart(key=key, svg=svg, stylesheet=html.unescape(found.group(1)) if found else "")


def _config(reader: Reader) -> dict[str, object]:
    return {
        "no_data_text": reader.no_data,
        "value_formatter": reader.number,
        "js": [],
        "disable_xml_declaration": True,
        "style": _STYLE,
        "width": 760,
        "height": 340,
        "legend_at_bottom": True,
        "print_values": False,
    }


def time_per_step(
    figures: Figures,
    title: str,
    labels: tuple[str, str, str],
    reader: Reader,
    y_title: str = "",
) -> Chart:
    """Median and p90 working hours per step, against the hours the standard allowed."""
    chart = pygal.Bar(**_config(reader), y_title=y_title)
    steps = [r for r in figures.steps if r.passes]
    chart.x_labels = [str(r.step) for r in steps]
    chart.add(labels[0], [r.median_hours for r in steps])
    chart.add(labels[1], [r.p90_hours for r in steps])
    chart.add(labels[2], [r.median_allowed_hours for r in steps])
    return _finish("waktu", chart, title)


def returns_per_step(figures: Figures, title: str, label: str, reader: Reader) -> Chart:
    chart = pygal.Bar(**_config(reader), min_scale=1, max_scale=10)
    steps = [r for r in figures.steps if r.returns]
    chart.x_labels = [str(r.step) for r in steps]
    chart.add(label, [r.returns for r in steps])
    return _finish("pengembalian", chart, title)


def on_time_by_role(
    figures: Figures, title: str, reader: Reader, role_label: Callable[[str], str] = str
) -> Chart:
    chart = pygal.Line(**_config(reader), range=(0, 100))
    months = sorted({m for by in figures.on_time_by_role.values() for m in by})
    chart.x_labels = months
    for role, by_month in figures.on_time_by_role.items():
        chart.add(
            role_label(role),
            [round(by_month[m] * 100, 1) if m in by_month else None for m in months],
        )
    return _finish("tepat-waktu", chart, title)
