"""Escaped HTML pieces of a map page: text escaping, cards, tables, legend rows, provenance, index page, page CSS.

This module builds all the HTML text of a map page that is not drawn by
folium (popup cards, legends, title blocks, the index page) so that every
string that reaches a page passes through :func:`html_text` in one place.
:mod:`tillvaxt_geo.output.maps.draw` and :mod:`tillvaxt_geo.output.maps.builders`
compose the folium layers with these pieces; the words and numbers in them come
from :mod:`tillvaxt_geo.output.maps.labels`.

Escaping
--------
folium puts popup and tooltip text unescaped into JavaScript template literals
and Leaflet sets layer names, tooltips and popups as ``innerHTML``.
:func:`html_text` turns any value into HTML that shows exactly that text and
contains no character that means anything to HTML or JavaScript (``<>&"'`` and
also `` ` $ { } \\ /``), so the same string is safe in every one of those places.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.output.maps.labels import figure, label, param_label

__all__ = [
    "PAGE_CSS",
    "card",
    "headline",
    "html_text",
    "index_html",
    "js_json",
    "pin",
    "png_html",
    "provenance_html",
    "section",
    "swatch",
    "table",
]

# characters that would mean something in HTML, in a JS string or template literal, or in a URL
_ENTITY = {c: f"&#{ord(c)};" for c in "&<>\"'`$\\{}/"}
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")  # line terminators of HTML and JavaScript


def html_text(value: Any) -> str:
    """Return HTML that shows ``value`` exactly as text, safe in HTML and in JS strings.

    Every character that is special in HTML (``<>&"'``), in a JavaScript string
    or template literal (`` ` $ { } \\ `` and line terminators) or that could
    form a URL (``/``) becomes a numeric character reference, so the result
    can be placed in element content, an attribute, a template literal or
    ``innerHTML`` and still shows the original text.

    Parameters
    ----------
    value
        Any value; ``None`` becomes an empty string, others go through ``str``.

    Returns
    -------
    str
        The escaped text.
    """
    text = "" if value is None else str(value)
    text = "".join(_ENTITY.get(c, c) for c in text)
    return _LINE_BREAK.sub(lambda m: f"&#{ord(m.group())};", text)


def js_json(value: Any) -> str:
    """Return ``value`` as a JSON literal that is safe inside an HTML ``<script>``.

    ``<``, ``>``, ``&``, ``'`` and the JavaScript line terminators become
    ``\\uXXXX`` escapes, so no ``</script>`` or ``<!--`` can appear.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for char in "<>&'\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


# ---------------------------------------------------------------- HTML pieces


def table(rows: Iterable[tuple[Any, Any]]) -> str:
    """A two-column table of label / value text."""
    cells = "".join(f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in rows)
    return f'<table class="tg-t">{cells}</table>'


def card(title: Any, rows: Iterable[tuple[Any, Any]]) -> str:
    """A popup: a bold title over a table."""
    return f'<div class="tg-card"><b>{html_text(title)}</b>{table(rows)}</div>'


def swatch(colour: str, text: Any, *, kind: str = "sw", style: str = "") -> str:
    """One legend row: a circle (``sw``), square (``sq``) or line (``ln``) symbol and its text."""
    paint = f"border-color:{colour}" if kind == "ln" else f"background:{colour}"
    return f'<div><span class="tg-sw tg-{kind}" style="{paint};{style}"></span>{html_text(text)}</div>'


def section(title: Any, body: str, *, note: Any = None, groups: Iterable[str] = ()) -> str:
    """A legend section: bold title, symbol rows, and an optional grey note.

    ``groups`` names the JavaScript variables of the map layers the section describes: the section shows
    only while one of them is on the map.
    """
    extra = f'<div class="tg-muted">{html_text(note)}</div>' if note else ""
    names = " ".join(html_text(g) for g in groups)
    data = f' data-groups="{names}"' if names else ""
    return f"<div class='tg-sec'{data}><b>{html_text(title)}</b><div class='tg-row'>{body}</div>{extra}</div>"


def pin(colour: str, icon: str, text: Any) -> str:
    """One legend row with the map's marker pin (a Font Awesome ``icon`` on a ``colour`` drop)."""
    glyph = html_text(icon)
    return (f'<div><span class="tg-pin" style="background:{colour}"><i class="fa fa-{glyph}"></i></span>'
            f"{html_text(text)}</div>")  # fmt: skip


def headline(rows: Iterable[tuple[Any, Any, Any]]) -> str:
    """The headline figures, large: one row per ``(value, label, detail)`` (detail may be empty)."""
    out = "".join(
        f'<div class="tg-kpi"><span class="tg-num">{html_text(v)}</span><span class="tg-lab">{html_text(k)}'
        + (f"<small>{html_text(d)}</small>" if d else "")
        + "</span></div>"
        for v, k, d in rows
    )
    return f'<div class="tg-head">{out}</div>'


def _flatten(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows += _flatten(value, name + ".")
        else:
            if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
                text = ", ".join(str(v) for v in value) or "–"
            else:
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            rows.append((name, text if len(text) <= 160 else text[:159] + "…"))
    return rows


def _param_rows(params: Mapping[str, Any], lang: str) -> str:
    """Parameter rows: the plain-language name (the key in a tooltip and in small type) and the value."""
    cells = "".join(
        f'<tr><th title="{html_text(key)}">{html_text(param_label(key, lang))}'
        f"<small>{html_text(key)}</small></th><td>{html_text(value)}</td></tr>"
        for key, value in _flatten(params)
    )
    return f'<table class="tg-t tg-params">{cells}</table>'


def provenance_html(provenance: Mapping[str, Any], lang: str, *, sources: Any = None) -> str:
    """Version, date and scenario-file hash on one line, parameters, sources and layer hashes folded away."""
    from tillvaxt_geo._version import __version__

    line = f"tillvaxt_geo {provenance.get('package_version', __version__)} · {label('created', lang)} "
    line += str(provenance.get("created") or datetime.now(UTC).date().isoformat())
    sha = str(provenance.get("scenario_file_sha256") or "")
    if sha:
        line += f" · {label('scenario_file', lang)} sha256 {sha[:12]}"
    out = f'<p class="tg-muted">{html_text(line)}</p>'
    params = provenance.get("parameters") or {}
    if params:
        out += f"<details class='tg-pdet'><summary>{html_text(label('parameters', lang))}</summary>"
        out += f"{_param_rows(params, lang)}</details>"
    if sources:
        out += f"<details><summary>{html_text(label('sources', lang))}</summary><p>{html_text(sources)}</p></details>"
    hashes = [(name, str(h)[:12]) for name, h in (provenance.get("layer_hashes") or {}).items()]
    if hashes:
        out += f"<details><summary>{html_text(label('layer_files', lang))} (sha256)</summary>{table(hashes)}</details>"
    return out


def png_html(png: bytes, caption: Any) -> str:
    """A folded panel showing a PNG as an inline ``data:`` image."""
    if bytes(png[:8]) != b"\x89PNG\r\n\x1a\n":
        raise ConfigError("the sensitivity heat map is not a PNG image; pass the bytes of heat_map_png() or None")
    data = base64.b64encode(bytes(png)).decode("ascii")
    alt = html_text(caption)
    image = f'<img alt="{alt}" src="data:image/png;base64,{data}">'
    return f'<details class="tg-png"><summary>{alt}</summary>{image}</details>'


def _relative_href(href: Any) -> str:
    text = str(href)
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or text.startswith(("/", "\\")):
        raise ConfigError(f"index link {text!r} must be a relative path such as 'baseline/map.html'")
    return html_text(quote(text, safe="/#?=&.-_~%"))


def index_html(entries: Iterable[Mapping[str, Any]], *, lang: str, title: str | None = None) -> str:
    """The page linking every scenario map, one row per entry with its headline figures.

    Parameters
    ----------
    entries
        Mappings with ``name``, ``title``, ``href`` (relative) and any figures.
    lang
        ``"sv"`` or ``"en"``.
    title
        Page heading; a default when ``None``.

    Returns
    -------
    str
        A complete HTML document with no script and no remote reference.
    """
    from tillvaxt_geo._version import __version__

    entries = list(entries)
    heading = html_text(title or label("index_title", lang))
    columns = list(dict.fromkeys(k for e in entries for k in e if k not in ("name", "title", "href")))
    head = "".join(f"<th>{html_text(label(c, lang))}</th>" for c in columns)
    rows = []
    for e in entries:
        link = f'<a href="{_relative_href(e["href"])}">{html_text(e.get("title") or e.get("name"))}</a>'
        cells = "".join(f"<td>{html_text(figure(c, e.get(c), lang))}</td>" for c in columns)
        rows.append(f'<tr><td>{link}<div class="n">{html_text(e.get("name", ""))}</div></td>{cells}</tr>')
    made = f"tillvaxt_geo {__version__} · {label('created', lang)} {datetime.now(UTC).date().isoformat()}"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading}</title>
<style>body{{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse}}
th,td{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}}
th:first-child,td:first-child{{text-align:left}} th{{font-weight:600;font-size:12px;color:#444}}
.n{{color:#777;font-size:12px}}</style></head>
<body><h1>{heading}</h1>
<table><thead><tr><th>{html_text(label("scenario", lang))}</th>{head}</tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table>
<p class="n">{html_text(made)}</p></body></html>
"""


#: the page style of every map: panels, tables, legend symbols, place labels
PAGE_CSS = """<style>
.leaflet-container.folium-map { background: #f3f1ec; }
.tg-panel { background: #fff; padding: 7px 10px; border-radius: 6px; box-sizing: border-box;
  box-shadow: 0 1px 5px rgba(0,0,0,.35); font: 12px/1.3 system-ui, -apple-system, "Segoe UI", sans-serif;
  overflow: auto; position: relative; }
.tg-title { width: 330px; max-width: calc(100vw - 40px); max-height: calc(100vh - 90px); }
.tg-legend { width: 262px; max-height: calc(100vh - 40px); }
.tg-fold { position: absolute; top: 4px; right: 4px; width: 22px; height: 22px; padding: 0; border: 1px solid #bbb;
  border-radius: 4px; background: #f6f6f6; font: bold 14px/18px system-ui, sans-serif; cursor: pointer; color: #333; }
.tg-folded .tg-body { display: none; } .tg-folded.tg-legend { width: auto; }
.tg-panel h1 { font-size: 15px; line-height: 1.25; margin: 0 26px 3px 0; font-weight: 650; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.tg-legend h2 { font-size: 13px; margin: 0 26px 2px 0; font-weight: 650; }
.tg-panel p { margin: 2px 0 5px; overflow-wrap: anywhere; }
.tg-desc { display: -webkit-box; -webkit-line-clamp: 4; -webkit-box-orient: vertical; overflow: hidden; }
.tg-panel summary { cursor: pointer; font-weight: 600; margin-top: 3px; }
.tg-head { margin: 4px 0 6px; } .tg-kpi { display: flex; align-items: baseline; gap: 8px; margin: 2px 0; }
.tg-num { font-size: 24px; font-weight: 700; color: #08306b; min-width: 62px; text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.tg-lab { font-size: 12.5px; font-weight: 600; overflow-wrap: anywhere; }
.tg-lab small { display: block; font-weight: normal; color: #555; font-size: 11px; }
.tg-changes { margin: 3px 0; padding: 3px 6px; border-left: 4px solid #c51b8a; background: #fdf0f7; }
.tg-nochange { margin: 3px 0; padding: 3px 6px; border-left: 4px solid #999; background: #f3f3f3; font-weight: 600; }
.tg-sec { margin-top: 4px; } .tg-sec > b { display: block; font-size: 11.5px; }
.tg-row { display: flex; flex-wrap: wrap; column-gap: 9px; }
.tg-row > div { white-space: nowrap; }
.tg-t { border-collapse: collapse; margin: 2px 0; width: 100%; table-layout: fixed; }
.tg-t th { font-weight: normal; color: #555; padding: 1px 8px 1px 0; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
.tg-t td { text-align: right; padding: 1px 0 1px 6px; vertical-align: top; overflow-wrap: anywhere; width: 38%; }
.tg-params td { width: 45%; } .tg-t th small { display: block; color: #999; font-size: 10px; }
.tg-compare th { width: 40%; } .tg-compare td { width: 20%; padding-left: 4px; }
.tg-card { max-width: 320px; }
.tg-card b { display: block; font-size: 13px; margin-bottom: 3px; overflow-wrap: anywhere; }
.tg-sw { display: inline-block; width: 11px; height: 11px; margin: 1px 4px 1px 0; vertical-align: -2px;
  border: 1px solid #555; border-radius: 50%; }
.tg-sq { border-radius: 2px; } .tg-ln { width: 20px; height: 0; border: 0; border-top: 3px solid; vertical-align: 3px; }
.tg-pin { display: inline-block; width: 15px; height: 15px; border-radius: 50% 50% 50% 0; transform: rotate(-45deg);
  margin: 1px 6px 2px 1px; vertical-align: -3px; text-align: center; }
.tg-pin i { transform: rotate(45deg); color: #fff; font-size: 8px; line-height: 15px; display: block; }
.tg-muted { color: #666; font-size: 11px; } .tg-png img { max-width: 100%; margin-top: 4px; }
.tg-place { background: none; border: 0; pointer-events: none; }
.tg-place span { white-space: nowrap; color: #1d1d1d; font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff;
  display: inline-block; line-height: 18px; max-width: 240px; overflow: hidden; text-overflow: ellipsis; }
.tg-p1 { font-size: 16px; font-weight: 700; } .tg-p2 { font-size: 14px; font-weight: 700; }
.tg-p3 { font-size: 12.5px; font-weight: 600; } .tg-p4 { font-size: 11px; color: #444; }
.tg-place .tg-p4 { display: none; } .tg-zoomed .tg-place .tg-p4 { display: inline-block; }
.tg-place .tg-pext { font-style: italic; color: #4a3b80; }
.tg-place-key { margin-right: 6px; } .tg-place-key.tg-p1 { font-size: 14px; } .tg-place-key.tg-p2 { font-size: 12.5px; }
.leaflet-control-layers { font-size: 11px; line-height: 1.1; width: 262px; box-sizing: border-box; }
.leaflet-control-layers-expanded { padding: 3px 6px 3px 4px; }
.leaflet-control-layers label { margin: 0; overflow-wrap: anywhere; }
.leaflet-control-layers-selector { margin: 1px 4px 1px 0; vertical-align: -2px; height: 11px; }
.leaflet-control-layers-overlays label > span > span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  display: inline-block; max-width: 212px; vertical-align: top; }
</style>"""
