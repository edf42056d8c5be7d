"""The report as one self-contained HTML page: inline CSS and inline SVG charts, nothing fetched at view time."""

from __future__ import annotations

from html import escape

from drillconsole.report.build import Report
from drillconsole.report.charts import svg_chart
from drillconsole.report.document import document
from drillconsole.report.load import load_samples

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1f2d3d;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}.note{background:#fff4d6;border-left:4px solid #e0a800;padding:.5rem .8rem}
figure{margin:.5rem 0}figcaption{font-size:.85rem;color:#57606a}svg{max-width:100%;height:auto}
"""


def render_html(report: Report) -> str:
    """The whole report as an HTML document (deterministic for one log)."""
    d = report.data
    samples = load_samples(report.loaded.path, [s["id"] for s in d["signals"]]) if d["signals"] else None
    end_t = float(d["duration_s"] or 0.0)
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
    for block in document(d):
        if block.kind == "heading":
            out.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif block.kind == "para":
            out.append(f"<p>{escape(block.text)}</p>")
        elif block.kind == "note":
            out.append(f'<p class="note" role="note"><strong>Warning:</strong> {escape(block.text)}</p>')
        elif block.kind == "bullets":
            out.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>")
        elif block.kind == "table":
            head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.headers) if any(block.headers) else ""
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            out.append(f"<table>{f'<thead><tr>{head}</tr></thead>' if head else ''}<tbody>{body}</tbody></table>")
        elif block.kind == "chart" and samples is not None:
            svg = svg_chart(samples, block.signal, d["markers"], end_t)
            caption = escape(f"{block.signal['title']} over the drill; bands: {block.text}")
            out.append(f"<figure>{svg}<figcaption>{caption}</figcaption></figure>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
