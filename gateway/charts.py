"""Bar charts drawn on the server as accessible SVG: a title and a
description the screen reader reads (role="img", aria-labelledby), values
on hover (<title> per bar), and the page prints the same figures as a
table beside it. No script, no chart library, no inline style (CSP): the
colours come from classes in senja.css."""
from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 40, 28, 12


def bar_chart(chart_id, title, desc, labels, series, unit=""):
    """``labels``: category names (hours); ``series``: [(name, [value or None])]."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = max(values + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [f'<figure class="chart-figure"><figcaption aria-hidden="true">{escape(title)}</figcaption>',
             f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" preserveAspectRatio="xMidYMid meet">',
             f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>']
    for tick in (0, top / 2, top):
        y = TOP + plot_h - tick / top * plot_h
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{round(tick, 1):g}</text>')
    for i, label in enumerate(labels):
        x0 = LEFT + i * group + group * 0.1
        for j, (name, vs) in enumerate(series):
            v = vs[i]
            if v is None:
                continue
            h = v / top * plot_h
            parts.append(f'<rect class="s{j}" x="{x0 + j * bar:.1f}" y="{TOP + plot_h - h:.1f}" '
                         f'width="{max(bar - 1, 1):.1f}" height="{h:.1f}"><title>{escape(label)} · '
                         f'{escape(name)}: {escape(v)}{escape(unit)}</title></rect>')
        parts.append(f'<text class="axis" x="{x0 + group * 0.4:.1f}" y="{HEIGHT - 10}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for j, (name, _) in enumerate(series):
        x = LEFT + 8 + j * 160
        parts.append(f'<rect class="s{j}" x="{x}" y="0" width="10" height="10"/>'
                     f'<text class="legend" x="{x + 14}" y="9">{escape(name)}</text>')
    parts.append("</svg></figure>")
    return Markup("".join(parts))
