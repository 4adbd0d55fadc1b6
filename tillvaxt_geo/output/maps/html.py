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
from tillvaxt_geo.output.maps.labels import figure, label

__all__ = [
    "PAGE_CSS",
    "card",
    "html_text",
    "index_html",
    "js_json",
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


def section(title: Any, body: str, *, note: Any = None) -> str:
    """A legend section: bold title, symbol rows, and an optional grey note."""
    extra = f'<div class="tg-muted">{html_text(note)}</div>' if note else ""
    return f"<div class='tg-sec'><b>{html_text(title)}</b>{body}{extra}</div>"


def _flatten(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows += _flatten(value, name + ".")
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            rows.append((name, text if len(text) <= 90 else text[:89] + "…"))
    return rows


def provenance_html(provenance: Mapping[str, Any], lang: str) -> str:
    """Version, date and scenario-file hash on one line, parameters and layer hashes folded away."""
    from tillvaxt_geo._version import __version__

    line = f"tillvaxt_geo {provenance.get('package_version', __version__)} · {label('created', lang)} "
    line += str(provenance.get("created") or datetime.now(UTC).date().isoformat())
    sha = str(provenance.get("scenario_file_sha256") or "")
    if sha:
        line += f" · {label('scenario_file', lang)} sha256 {sha[:12]}"
    out = f'<p class="tg-muted">{html_text(line)}</p>'
    rows = _flatten(provenance.get("parameters") or {})
    if rows:
        out += f"<details><summary>{html_text(label('parameters', lang))}</summary>{table(rows)}</details>"
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


#: the page style of every map: panels, tables, legend symbols
PAGE_CSS = """<style>
.leaflet-container.folium-map { background: #f3f1ec; }
.tg-panel { background: rgba(255,255,255,.95); padding: 8px 11px; border-radius: 6px; max-width: 340px;
  box-shadow: 0 1px 5px rgba(0,0,0,.35); font: 12.5px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif;
  overflow: auto; }
.tg-title { max-height: calc(100vh - 60px); max-width: 400px; } .tg-compare td { padding-left: 10px; }
.tg-legend { max-height: calc(100vh - 330px); }
.tg-panel h1 { font-size: 15px; margin: 0 0 4px; font-weight: 600; } .tg-panel p { margin: 2px 0 6px; }
.tg-panel summary { cursor: pointer; font-weight: 600; margin-top: 4px; } .tg-sec { margin-top: 4px; }
.tg-t { border-collapse: collapse; margin: 2px 0; }
.tg-t th { font-weight: normal; color: #555; padding: 1px 8px 1px 0; text-align: left; vertical-align: top; }
.tg-t td { text-align: right; padding: 1px 0 1px 6px; white-space: nowrap; }
.tg-card b { display: block; font-size: 13px; margin-bottom: 3px; }
.tg-sw { display: inline-block; width: 13px; height: 13px; margin: 1px 6px 1px 0; vertical-align: -2px;
  border: 1px solid #555; border-radius: 50%; }
.tg-sq { border-radius: 2px; } .tg-ln { width: 22px; height: 0; border: 0; border-top: 3px solid; vertical-align: 3px; }
.tg-muted { color: #666; font-size: 11.5px; } .tg-png img { max-width: 100%; margin-top: 4px; }
</style>"""
