"""The report as one self-contained HTML page: inline CSS and inline SVG charts, nothing fetched at view time.

Signals that crossed a band, fired a trigger or carried a staged fault come
first, each as a full chart with its markers; the others follow as small
multiples. Every chart is decimated to its pixel width, so the page stays a
few MB for any drill length.
"""

from __future__ import annotations

from html import escape

import numpy as np

from drillconsole.report.build import Report
from drillconsole.report.decimate import load_series
from drillconsole.report.document import Block, clock, document
from drillconsole.report.svg import full_chart, matters, small_chart

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1f2d3d;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}.note{background:#fff4d6;border-left:4px solid #e0a800;padding:.5rem .8rem}
figure{margin:.5rem 0}figcaption{font-size:.85rem;color:#57606a}svg{max-width:100%;height:auto}
.multiples{display:flex;flex-wrap:wrap;gap:.4rem}.multiples figure{margin:0;border:1px solid #eaeef2}
"""
LEGEND = "markers: i injection, s transient spike, t trigger, d decision, r rollback"


def _block(block: Block) -> str:
    """A non-chart block as HTML."""
    if block.kind == "heading":
        return f"<h{block.level}>{escape(block.text)}</h{block.level}>"
    if block.kind == "para":
        return f"<p>{escape(block.text)}</p>"
    if block.kind == "note":
        return f'<p class="note" role="note"><strong>Warning:</strong> {escape(block.text)}</p>'
    if block.kind == "bullets":
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>"
    if block.kind == "table":
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.headers) if any(block.headers) else ""
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
        return f"<table>{f'<thead><tr>{head}</tr></thead>' if head else ''}<tbody>{body}</tbody></table>"
    return ""


def _signal_groups(blocks: list[Block]) -> tuple[list[Block], list[list[Block]]]:
    """The blocks before the signal sections, and each signal's blocks (heading, chart, markers)."""
    head: list[Block] = []
    groups: list[list[Block]] = []
    for block in blocks:
        if block.kind == "heading" and block.level == 3 and (groups or (head and head[-1].text == "Signals")):
            groups.append([block])
        elif groups:
            groups[-1].append(block)
        else:
            head.append(block)
    return head, groups


def render_html(report: Report) -> str:
    """The whole report as an HTML document (deterministic for one log)."""
    d = report.data
    signals = d["signals"]
    series = load_series(report.loaded.path, [s["id"] for s in signals])
    end_t = float(d["duration_s"] or 0.0)
    markers = d["markers"]
    title = escape(f"After-action report: {d['title'] or d['drill']}")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{STYLE.strip()}</style>",
        "</head>",
        "<body>",
    ]
    head, groups = _signal_groups(document(d))
    out += [html for html in map(_block, head) if html]
    small: list[str] = []
    shown = 0
    for group in groups:
        chart = next((b for b in group if b.kind == "chart"), None)
        if chart is None:
            continue
        sid = chart.signal["id"]
        v = series.values.get(sid, np.empty(0))
        if matters(v, chart.signal, markers):
            caption = escape(f"{chart.signal['title']} over the drill; bands: {chart.text}; {LEGEND}")
            svg = full_chart(series.t, v, chart.signal, markers, end_t)
            out.append(_block(group[0]))
            out.append(f"<figure>{svg}<figcaption>{caption}</figcaption></figure>")
            out += [_block(b) for b in group[2:]]
            shown += 1
        else:
            caption = escape(f"{chart.signal['title']}; bands: {chart.text}")
            small.append(
                f"<figure>{small_chart(series.t, v, chart.signal, end_t)}<figcaption>{caption}</figcaption></figure>"
            )
    if small:
        first = "The other signals" if shown else "Every signal"
        out.append(f"<h3>{first} ({len(small)}): no band crossed, no trigger, no staged fault</h3>")
        if end_t:
            out.append(f"<p>Each from T+00:00 to {escape(clock(end_t))}, min and max per pixel.</p>")
        out.append('<div class="multiples">' + "".join(small) + "</div>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
