"""Safe, offline map pages: folium's assets inlined, remote URLs refused, and every text escaped.

This module builds all the HTML text of a map page that is not drawn by
folium (labels in Swedish and English, numbers, popup cards, legends, title
blocks, the index page) so that every string that reaches a page passes
through :func:`html_text` in one place, and it turns a rendered folium page
into one offline document. :mod:`tillvaxt_geo.maps` composes the folium
layers with these pieces.

A folium map links Leaflet, jQuery, Bootstrap, Font Awesome, the
awesome-markers plugin and (for branca colormaps) d3 from CDNs, so it is blank
without a network. :func:`offline_html` replaces each of those links with the
asset's text, taken from the ``folium-offline`` package, and raises
:class:`RemoteURLError` naming any URL the page could still load from the
network.

Where the assets come from, and why
-----------------------------------
``folium-offline`` (PyPI, import name ``offlinefolium``, pinned to 0.20.0.2 to
match folium 0.20) ships, keyed by folium's own CDN URLs, the exact files
folium 0.20 and branca 0.8 reference: Leaflet 1.9.3, jQuery 3.7.1, Bootstrap
5.2.2, Font Awesome 6.2.0, Leaflet.awesome-markers 2.0.2, folium's
``leaflet.awesome.rotate`` CSS, d3 3.5.5 and the plugins, with Leaflet's and the
markers' images already inlined as ``data:`` URLs. It is an ordinary pip
dependency, so ``pip install .`` brings it and nothing is fetched at run time.
The XStatic packages were the alternative: they have Leaflet 1.9.3 and jQuery
3.7.1 exactly, but only Font Awesome 6.2.1, d3 3.5.17 and Bootstrap 5.3.8 (whose
sdist does not build here), and no awesome-markers at all. We use only the
package's asset table (``offlinefolium.elements._res``), never its folium fork.

Two gaps in that table are handled here: its Font Awesome CSS embeds only the
*solid* webfont (the regular and brands faces, and the Bootstrap 3 glyphicons
font, still point at files that do not exist offline). Font faces without an
embedded source are dropped, so the maps use solid Font Awesome icons only
(``prefix="fa"``); a glyphicon or regular/brands icon would show blank.

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
import functools
import html
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from tillvaxt_geo.errors import ConfigError

__all__ = [
    "ASSET_PACKAGE",
    "FIGURE_KEYS",
    "LABELS",
    "RemoteURLError",
    "asset_table",
    "card",
    "check_lang",
    "figure",
    "figure_keys",
    "find_remote_urls",
    "html_text",
    "index_html",
    "js_json",
    "label",
    "number",
    "offline_html",
    "png_html",
    "provenance_html",
    "section",
    "share",
    "swatch",
    "table",
    "value_label",
]

#: the pip requirement that provides the assets
ASSET_PACKAGE = "folium-offline==0.20.0.2"

# characters that would mean something in HTML, in a JS string or template literal, or in a URL
_ENTITY = {c: f"&#{ord(c)};" for c in "&<>\"'`$\\{}/"}
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")  # line terminators of HTML and JavaScript

# folium renders asset links exactly like this (branca JavascriptLink / CssLink)
_SCRIPT_LINK = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_CSS_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)
# a URL the page could load: absolute with a network scheme, or protocol-relative after a quote/paren/=
_REMOTE = re.compile(
    r"""\b(?:https?|wss?|ftp):(?://|\\/\\/)[^\s"'<>`\\)]+"""
    r"""|(?<=["'(=])\s*//[a-z0-9][-a-z0-9]*(?:\.[-a-z0-9]+)+[^\s"'<>`\\)]*""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*?))\s*\)""", re.IGNORECASE)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)
# one ``src:`` declaration: url(...) entries (quoted or not, ``;`` allowed inside) with optional format()
_SRC_DECL = re.compile(
    r"""\bsrc\s*:\s*((?:\s*,?\s*url\(\s*(?:"[^"]*"|'[^']*'|[^)'"]*?)\s*\)(?:\s*format\([^)]*\))?)+)""",
    re.IGNORECASE,
)
_SRC_ENTRY = re.compile(r"""url\(\s*(?:"[^"]*"|'[^']*'|[^)'"]*?)\s*\)(?:\s*format\([^)]*\))?""", re.IGNORECASE)
_SOURCE_MAP = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/|//[#@]\s*sourceMappingURL=\S*")


class RemoteURLError(ConfigError):
    """A saved map would load something from the network.

    Attributes
    ----------
    urls
        Every offending URL, in document order.
    """

    def __init__(self, message: str, urls: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.urls: tuple[str, ...] = tuple(urls)


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


@functools.cache
def asset_table() -> Mapping[str, str]:
    """Return folium's asset URLs mapped to the assets' text, from ``folium-offline``.

    Returns
    -------
    Mapping
        URL (exactly as folium/branca link it) to the JavaScript or CSS text.
    """
    try:
        from offlinefolium import elements
    except ImportError as exc:
        raise ConfigError(
            f"saving an offline map needs the assets of the package {ASSET_PACKAGE} ({exc}); "
            f"install it with: pip install '{ASSET_PACKAGE}'"
        ) from exc
    table = getattr(elements, "_res", None)
    if not isinstance(table, dict) or not table:
        raise ConfigError(
            f"the installed folium-offline has no asset table (offlinefolium.elements._res); install {ASSET_PACKAGE}"
        )
    return dict(table)


def _asset_name(url: str) -> str:
    """A label for an inlined asset that is not itself a URL (``npm/leaflet@1.9.3/dist/leaflet.js``)."""
    path = re.sub(r"^(?:https?:)?//[^/]+/", "", url)
    return html.escape(path.replace("/", " "), quote=True)


def _inline_js(url: str, text: str) -> str:
    body = _SOURCE_MAP.sub("", text)
    body = re.sub(r"</(script)", r"<\\/\1", body, flags=re.IGNORECASE)
    if "<!--" in body:
        raise RemoteURLError(f"the asset {url} contains '<!--' and cannot be inlined safely")
    return f'<script data-asset="{_asset_name(url)}">\n{body}\n</script>'


def _keep_embedded_fonts(css: str) -> str:
    """Keep only ``data:`` sources in ``@font-face`` rules; drop rules left without one."""

    def fix_rule(rule: re.Match[str]) -> str:
        body = rule.group()
        kept_any = False
        out: list[str] = []
        pos = 0
        for decl in _SRC_DECL.finditer(body):
            value = decl.group(1)
            kept = [e.group() for e in _SRC_ENTRY.finditer(value) if _url_of(e.group()).startswith("data:")]
            kept_any = kept_any or bool(kept)
            out.append(body[pos : decl.start()])
            out.append("src:" + ",".join(kept) if kept else "")
            pos = decl.end()
        out.append(body[pos:])
        return "".join(out) if kept_any else ""

    return _FONT_FACE.sub(fix_rule, css)


def _url_of(entry: str) -> str:
    found = _CSS_URL.search(entry)
    if not found:
        return ""
    return next(g for g in found.groups() if g is not None).strip()


def _inline_css(url: str, text: str) -> str:
    body = _keep_embedded_fonts(_SOURCE_MAP.sub("", text))
    bad = [u for u in (_url_of(m.group()) for m in _CSS_URL.finditer(body)) if not u.startswith(("data:", "#"))]
    if "@import" in body.lower():
        bad.append("@import")
    if bad or "</style" in body.lower():
        raise RemoteURLError(
            f"the stylesheet {url} still refers to files that are not inlined: {', '.join(bad) or '</style>'}",
            bad,
        )
    return f'<style data-asset="{_asset_name(url)}">\n{body}\n</style>'


def find_remote_urls(document: str, *, allowed: Iterable[str] = ()) -> list[str]:
    """Return every URL in ``document`` that a browser could load from the network.

    Absolute ``http(s)``/``ws(s)``/``ftp`` URLs anywhere in the text, and
    protocol-relative ``//host/...`` URLs after a quote, parenthesis or ``=``.
    Data text never matches once it went through :func:`html_text`.

    Parameters
    ----------
    document
        HTML text (assets not inlined yet, or only this package's own markup).
    allowed
        URLs that may stay (an online tile template the user asked for).

    Returns
    -------
    list of str
        Offending URLs, in document order, without duplicates.
    """
    allow = set(allowed)
    found: list[str] = []
    for match in _REMOTE.finditer(document):
        url = match.group().strip()
        if url not in allow and url not in found:
            found.append(url)
    return found


def offline_html(document: str, *, allowed_urls: Iterable[str] = ()) -> str:
    """Inline every linked asset of a rendered folium document and check nothing remote is left.

    Parameters
    ----------
    document
        The HTML of ``folium_map.get_root().render()``.
    allowed_urls
        Remote URLs that may stay, such as an online tile URL template.

    Returns
    -------
    str
        One self-contained HTML document.

    Raises
    ------
    RemoteURLError
        If a URL the page could load is left (an asset with no offline copy,
        a tile layer, an image), naming each one.
    """
    table = asset_table()
    pieces: list[str] = []

    def stash(match: re.Match[str], *, css: bool) -> str:
        url = html.unescape(match.group(1))
        if url not in table:
            return match.group()
        pieces.append(_inline_css(url, table[url]) if css else _inline_js(url, table[url]))
        return f"\x00{len(pieces) - 1}\x00"

    skeleton = _SCRIPT_LINK.sub(lambda m: stash(m, css=False), document)
    skeleton = _CSS_LINK.sub(lambda m: stash(m, css=True), skeleton)
    remote = find_remote_urls(skeleton, allowed=allowed_urls)
    if remote:
        listed = "\n".join(f"  - {u}" for u in remote)
        raise RemoteURLError(
            f"the map would load {len(remote)} URL(s) from the network, but saved maps must work offline:\n{listed}\n"
            "remove the tile layer, image or plugin that adds them (an online OpenStreetMap basemap is "
            "allowed only when the map was built with basemap='osm')",
            remote,
        )
    return re.sub(r"\x00(\d+)\x00", lambda m: pieces[int(m.group(1))], skeleton)


# ---------------------------------------------------------------- labels (Swedish, English)

LANGS = ("sv", "en")
#: headline figures shown in title blocks and the index, in order
FIGURE_KEYS = (
    "workers_total", "workers_living_locally", "local_residence_share", "workers_within_30_min",
    "workers_within_45_min", "in_commuters", "long_distance_commuters", "housing_shortfall_dwellings",
    "direct_jobs", "indirect_jobs", "induced_jobs", "total_jobs",
)  # fmt: skip
LABELS: dict[str, tuple[str, str]] = {
    "overview_title": ("Ludvika–Smedjebacken: orter, gruvor, bostadsmark, vägar och järnväg",
                       "Ludvika–Smedjebacken: places, mines, housing land, roads and rail"),
    "isochrones_title": ("Restider", "Travel times"), "index_title": ("Scenariokartor", "Scenario maps"),
    "legend": ("Teckenförklaring", "Legend"), "zones": ("Orter och områden", "Places and areas"),
    "external": ("Externa nav", "External hubs"), "mine_sites": ("Gruvor och fyndigheter", "Mines and deposits"),
    "open_sites": ("Öppna gruvor", "Open mines"), "housing": ("Bostadsmark", "Housing land"),
    "housing_uptake": ("Bostadsmark: inflyttning", "Housing land: uptake"), "roads": ("Vägar", "Roads"),
    "road": ("väg", "road"), "rail": ("Järnväg", "Railway"), "stations": ("Stationer", "Stations"),
    "station": ("Station", "Station"), "bus_stops": ("Busshållplatser", "Bus stops"),
    "bus_stop": ("Busshållplats", "Bus stop"), "speed": ("hastighet", "speed"),
    "population": ("befolkning", "population"),
    "inhabitants": ("invånare", "residents"), "people": ("personer", "people"), "dwellings": ("bostäder", "dwellings"),
    "workers_short": ("gruvarbetare", "mine workers"), "municipality": ("Kommun", "Municipality"),
    "dwellings_total": ("Bostäder", "Dwellings"), "vacant_dwellings": ("Lediga bostäder", "Vacant dwellings"),
    "labour_force": ("Förvärvsarbetande", "Employed residents"), "jobs": ("Arbetsplatser", "Jobs located here"),
    "company": ("Bolag", "Company"), "status": ("Status", "Status"), "kind": ("Typ", "Kind"),
    "workers_construction": ("Anställda, byggfas", "Workers, construction"),
    "workers_operation": ("Anställda, drift", "Workers, operation"), "capacity": ("Kapacitet", "Capacity"),
    "available_from": ("Tillgänglig från (år)", "Available from (year)"),
    "size_capacity": ("Cirkelns yta ∝ kapacitet (bostäder)", "Circle area ∝ capacity (dwellings)"),
    "size_population": ("Cirkelns yta ∝ befolkning", "Circle area ∝ population"),
    "size_change": ("Cirkelns yta ∝ förändringens storlek", "Circle area ∝ size of the change"),
    "released": ("Frisläppt i scenariot", "Released in the scenario"), "yes": ("ja", "yes"), "no": ("nej", "no"),
    "dwellings_taken": ("Bostäder tagna av inflyttare", "Dwellings taken by in-movers"),
    "uptake": ("Andel tagen", "Share taken"), "share_taken": ("andel av kapaciteten", "share of capacity"),
    "not_released": ("ej frisläppt", "not released"),
    "workers_resident": ("Gruvarbetare som bor här", "Mine workers living here"),
    "travel_time_nearest": ("Restid till närmaste öppna gruva", "Travel time to the nearest open mine"),
    "travel_time": ("Restid", "Travel time"), "travel_time_from": ("Restid från", "Travel time from"),
    "catchment": ("Pendlingsomland", "Catchment"), "scenario": ("Scenario", "Scenario"), "year": ("år", "year"),
    "phase": ("fas", "phase"), "created": ("skapad", "created"), "scenario_file": ("scenariofil", "scenario file"),
    "parameters": ("Parametrar", "Parameters"), "layer_files": ("Lagerfiler", "Layer files"),
    "sweep": ("Känslighetsanalys", "Sensitivity analysis"), "comparison": ("Jämförelse", "Comparison"),
    "base": ("Bas", "Base"), "other": ("Alternativ", "Alternative"), "difference": ("Skillnad", "Difference"),
    "diff_workers": ("Förändring: gruvarbetare som bor i området", "Change: mine workers living in the area"),
    "diff_housing": ("Förändring: bostäder tagna på bostadsmark", "Change: dwellings taken on housing land"),
    "more": ("fler", "more"), "fewer": ("färre", "fewer"), "no_change": ("ingen förändring", "no change"),
    "workers_total": ("Direkt anställda i gruvorna", "Direct mine workers"),
    "workers_living_locally": ("Bor i Ludvika/Smedjebacken", "Living in Ludvika/Smedjebacken"),
    "local_residence_share": ("Andel som bor lokalt", "Share living locally"),
    "workers_within_30_min": ("Bor inom 30 min", "Living within 30 min"),
    "workers_within_45_min": ("Bor inom 45 min", "Living within 45 min"),
    "in_commuters": ("Dagpendlar in", "Daily in-commuters"),
    "long_distance_commuters": ("Vecko-/långpendlare", "Weekly/long-distance commuters"),
    "housing_shortfall_dwellings": ("Bostadsbrist (bostäder)", "Housing shortfall (dwellings)"),
    "direct_jobs": ("Direkta jobb", "Direct jobs"), "indirect_jobs": ("Indirekta jobb", "Indirect jobs"),
    "induced_jobs": ("Inducerade jobb", "Induced jobs"), "total_jobs": ("Jobb totalt", "Total jobs"),
}  # fmt: skip
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "settlement": ("tätort", "settlement"), "rural": ("landsbygd", "rural area"),
    "external": ("externt nav", "external hub"), "mine": ("gruva", "mine"), "plant": ("anläggning", "processing plant"),
    "deposit": ("fyndighet", "deposit"), "adopted": ("antagen detaljplan", "adopted plan"),
    "proposed": ("föreslagen", "proposed"), "assumed": ("antagande", "assumed"),
    "construction": ("byggfas", "construction"), "operation": ("drift", "operation"),
    "car": ("bil", "car"), "pt": ("kollektivtrafik", "public transport"), "best": ("bästa färdsätt", "best mode"),
}  # fmt: skip


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"sv"`` or ``"en"``, else raise :class:`~tillvaxt_geo.errors.ConfigError`."""
    if lang not in LANGS:
        raise ConfigError(f"lang must be one of 'sv', 'en'; got {lang!r}")
    return lang


_WITHIN = re.compile(r"(population|workers)_within_(\d+(?:\.\d+)?)_min(?:_(\w+))?")


def label(key: str, lang: str) -> str:
    """The label for ``key`` in ``lang`` (``population_within_45_min_car`` too); the key itself when there is none."""
    pair = LABELS.get(key)
    if pair:
        return pair[LANGS.index(lang)]
    within = _WITHIN.fullmatch(key)
    if within:
        who, minutes, mode = within.groups()
        text = {"population": ("Invånare inom", "Residents within"), "workers": ("Bor inom", "Living within")}[who]
        return f"{text[LANGS.index(lang)]} {minutes} min" + (f" ({value_label(mode, lang)})" if mode else "")
    return key


def figure_keys(summary: Mapping[str, Any]) -> list[str]:
    """The headline figures of a summary in display order: :data:`FIGURE_KEYS`, then reach figures."""
    extra = [k for k in summary if k not in FIGURE_KEYS and _WITHIN.fullmatch(k)]
    return [k for k in FIGURE_KEYS if k in summary] + extra


def value_label(value: Any, lang: str) -> str:
    """A data value (zone kind, plan status, phase, mode) in words; unknown values as given."""
    text = str(getattr(value, "value", value))
    pair = VALUE_LABELS.get(text)
    return pair[LANGS.index(lang)] if pair else text


# ---------------------------------------------------------------- numbers and HTML pieces


def number(value: Any, lang: str, *, digits: int = 0, signed: bool = False) -> str:
    """A number as planners read it: ``1 234,5`` in Swedish, ``1,234.5`` in English, ``–`` if missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    text = f"{x:{'+' if signed else ''},.{digits}f}"
    if text.lstrip("+-") == f"{0:.{digits}f}":
        text = text.lstrip("+-")
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")
    return text


def share(value: Any, lang: str, *, signed: bool = False) -> str:
    """A share (0–1) as a percentage: ``62 %`` in Swedish, ``62%`` in English."""
    try:
        text = number(float(value) * 100, lang, signed=signed)
    except (TypeError, ValueError):
        return "–"
    return text if text == "–" else text + ("\u00a0%" if lang == "sv" else "%")


def figure(key: str, value: Any, lang: str, *, signed: bool = False) -> str:
    """A headline figure: shares as percentages, counts as whole numbers."""
    return share(value, lang, signed=signed) if key.endswith("_share") else number(value, lang, signed=signed)


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
