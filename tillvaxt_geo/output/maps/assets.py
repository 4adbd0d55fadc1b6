"""Offline map pages: folium's assets inlined from ``folium-offline``, and every remote URL refused.

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
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping

from tillvaxt_geo.errors import ConfigError

__all__ = [
    "ASSET_PACKAGE",
    "RemoteURLError",
    "asset_table",
    "find_remote_urls",
    "offline_html",
]

#: the pip requirement that provides the assets
ASSET_PACKAGE = "folium-offline==0.20.0.2"

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
    Data text never matches once it went through :func:`~tillvaxt_geo.output.maps.html.html_text`.

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
