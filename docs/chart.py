#!/usr/bin/env python3
"""Draws docs/benchmarks.svg from the JSON that `versus --json` writes.

    cargo run --release --example versus -- --json target/versus.json
    python3 docs/chart.py target/versus.json docs/benchmarks.svg

One group of bars per workload of the multi-thread table: corio/tokio and
smol/tokio (time ratios: shorter than the 1.0 line means faster than tokio).
Rows whose unit is not a time per operation (lateness in µs, memory) are
left out: their ratio is not a speed. Standard library only.
"""

import json
import sys
from xml.sax.saxutils import escape

BAR_H = 11
GAP = 8
LEFT = 150
WIDTH = 640
SCALE_MAX = 2.0  # ratios above this are clipped (and labelled)
COLOURS = {"corio": "#2f7d32", "smol": "#8d8d8d"}


def rows_to_plot(data):
    table = next((t for t in data["tables"] if t["flavour"].startswith("multi")), None)
    if table is None:
        sys.exit(
            "chart.py: the JSON has no multi-thread table to draw "
            "(run versus without `--table current-thread`)"
        )
    for row in table["rows"]:
        unit = row["unit"]
        if not unit.startswith("ns/"):
            continue
        tokio = row.get("tokio")
        if not tokio:
            continue
        ratios = {}
        for name in ("corio", "smol"):
            value = row.get(name)
            ratios[name] = value / tokio if value else None
        yield row["workload"], ratios, row.get("bar", "")


def svg(data):
    rows = list(rows_to_plot(data))
    plot_w = WIDTH - LEFT - 120
    x_of = lambda r: LEFT + plot_w * min(r, SCALE_MAX) / SCALE_MAX
    height = 50 + len(rows) * (2 * BAR_H + GAP) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">'
        f"time relative to tokio ({data['workers']} workers, {data['cores']} cores): "
        f"shorter is faster</text>",
    ]
    y = 40
    for name, ratios, bar in rows:
        out.append(f'<text x="{LEFT - 8}" y="{y + BAR_H + 3}" text-anchor="end">{escape(name)}</text>')
        for i, who in enumerate(("corio", "smol")):
            r = ratios[who]
            top = y + i * BAR_H
            if r is None:
                continue
            out.append(
                f'<rect x="{LEFT}" y="{top}" width="{x_of(r) - LEFT:.1f}" height="{BAR_H - 2}" '
                f'fill="{COLOURS[who]}"/>'
            )
            label = f"{who} {r:.2f}" + (" (clipped)" if r > SCALE_MAX else "")
            out.append(f'<text x="{x_of(r) + 4:.1f}" y="{top + BAR_H - 3}">{label}</text>')
        y += 2 * BAR_H + GAP
    one = x_of(1.0)
    out.append(f'<line x1="{one}" y1="30" x2="{one}" y2="{y}" stroke="black" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{one + 3}" y="{y + 12}">tokio = 1.0</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: chart.py VERSUS_JSON OUTPUT_SVG")
    with open(sys.argv[1]) as f:
        data = json.load(f)
    # Drawn before the output is opened: a JSON it cannot draw leaves the
    # chart already there as it was.
    drawing = svg(data)
    with open(sys.argv[2], "w") as f:
        f.write(drawing)


if __name__ == "__main__":
    main()
