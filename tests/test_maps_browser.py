"""Planning maps in a real headless Chromium with the network cut off: render, interact, never run data text.

Playwright drives Debian's Chromium (``/usr/bin/chromium``); it never downloads
a browser. Without Chromium or playwright these tests are skipped, unless
``TILLVAXT_REQUIRE_BROWSER=1`` (set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from test_maps import HOSTILE, make_layers, make_result, tiny_png

from tillvaxt_geo.output.maps.builders import commute_map, comparison_map, overview_map
from tillvaxt_geo.output.maps.save import save_map

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's Chromium, or another ``chromium`` on PATH."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _missing(reason: str) -> None:
    if os.environ.get("TILLVAXT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; TILLVAXT_REQUIRE_BROWSER=1 makes a missing browser a failure")
    pytest.skip(f"{reason}; browser tests skipped")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
    path = chromium_path()
    if path is None:
        _missing("no Chromium at /usr/bin/chromium or on PATH (apt-get install chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@dataclass
class Visit:
    """One page with everything it tried to fetch, every console error and every dialog."""

    page: Any
    requests: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def toggle(self, layer_name: str) -> None:
        label = self.page.locator(".leaflet-control-layers-overlays label", has_text=layer_name)
        assert label.count() == 1, layer_name
        label.locator("input").click()


def open_popup(page: Any, marker: Any) -> Any:
    """Click a marker until its popup shows (up to three clicks) and return the popup's content.

    A click while the map is still running its opening fit-to-bounds can land
    beside the moving marker; a popup that never opens still fails the test.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    popup = page.locator(".leaflet-popup-content")
    for attempt in range(3):
        marker.click()
        try:
            popup.wait_for(timeout=5_000)
            return popup
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    return popup


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    contexts = []

    def open_map(path: Path) -> Visit:
        context = browser.new_context(viewport={"width": 1200, "height": 800}, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith("data:"):
                r.continue_()
            elif url.startswith("file:"):
                seen.files.append(url)
                r.continue_()
            else:
                seen.requests.append(url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(str(e)))

        def dialog(d: Any) -> None:
            seen.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector(".leaflet-container")
        assert seen.files == [path.as_uri()]
        return seen

    yield open_map
    for context in contexts:
        context.close()


def test_overview_renders_every_feature_offline(visit: Any, tmp_path: Path) -> None:
    v = visit(save_map(overview_map(make_layers()), tmp_path / "overview.html"))
    assert v.count(".leaflet-container") == 1
    expected = {"tg-zones": 3, "tg-external": 1, "tg-roads": 3, "tg-rail": 1, "tg-stations": 2, "tg-housing": 2,
                "tg-housing-area": 2}  # fmt: skip
    assert {css: v.count(f"path.{css}") for css in expected} == expected
    assert v.count(".leaflet-marker-pane .awesome-marker") == 2
    assert v.count(".tg-title") == 1 and v.count(".tg-legend") == 1
    faces = v.page.evaluate(
        "async () => { await document.fonts.ready;"
        " return [...document.fonts].filter(f => f.family.includes('Font Awesome 6 Free')).map(f => f.status); }"
    )
    assert "loaded" in faces  # the marker icons' font came from the file itself
    assert v.requests == [] and v.errors == [] and v.dialogs == []


def test_clicking_a_mine_site_opens_a_popup_with_its_figures(visit: Any, tmp_path: Path) -> None:
    layers = make_layers()
    v = visit(save_map(commute_map(make_result(layers)), tmp_path / "commute.html"))
    assert v.count(".leaflet-marker-pane .awesome-marker") == 1  # only the open site
    popup = open_popup(v.page, v.page.locator(".leaflet-marker-pane .awesome-marker").first)
    text = popup.inner_text()
    for part in ("Gruvan", "Bolaget AB", "Direkta jobb", "200 personer", "Bor i Ludvika/Smedjebacken", "165 personer",
                 "82 %", "100–200 personer", "150–250 personer"):  # fmt: skip
        assert part.replace(" %", "\u00a0%") in text, part
    assert v.requests == [] and v.errors == []


def test_unticking_a_layer_hides_its_features_and_ticking_shows_them(visit: Any, tmp_path: Path) -> None:
    v = visit(save_map(overview_map(make_layers(), lang="en"), tmp_path / "overview.html"))
    for name, selector, n in (
        ("Roads", "path.tg-roads", 3),
        ("Mines and deposits", ".leaflet-marker-pane .awesome-marker", 2),
        ("Places and areas", "path.tg-zones", 3),
    ):
        assert v.count(selector) == n
        v.toggle(name)
        assert v.count(selector) == 0, name
        assert v.count("path.tg-stations") == 2  # other layers stay
        v.toggle(name)
        assert v.count(selector) == n, name
    assert v.requests == [] and v.errors == []


def test_hostile_text_shows_exactly_as_typed_and_never_runs(visit: Any, tmp_path: Path) -> None:
    layers = make_layers(hostile=True)
    result = make_result(layers, title=HOSTILE)
    v = visit(save_map(commute_map(result), tmp_path / "hostile.html"))
    page = v.page
    assert page.locator(".tg-title h1").inner_text() == HOSTILE
    assert HOSTILE in page.locator(".leaflet-control-layers-overlays").inner_text()  # isochrone layer named by site
    assert page.title() == HOSTILE
    popup = open_popup(page, page.locator(".leaflet-marker-pane .awesome-marker").first)
    assert popup.inner_text().count(HOSTILE) == 2  # site name and company
    page.evaluate("() => Object.values(window).filter(v => v instanceof L.Map).forEach(m => m.closePopup())")
    popup.wait_for(state="detached")  # popups fade out for 200 ms
    page.locator("path.tg-zones").first.dispatch_event("click")
    popup.wait_for()
    assert popup.inner_text().count(HOSTILE) == 2  # zone name and municipality
    for selector in ("path.tg-zones", "path.tg-housing", "path.tg-stations", "path.tg-rail"):
        page.locator(selector).first.dispatch_event("mouseover")
        assert HOSTILE in page.locator(".leaflet-tooltip").last.inner_text(), selector
    assert page.locator("img[src='x']").count() == 0
    assert v.dialogs == [] and v.requests == [] and v.errors == []

    overview = visit(save_map(overview_map(layers), tmp_path / "hostile_overview.html"))
    overview.page.locator("path.tg-roads").first.dispatch_event("mouseover")
    assert HOSTILE in overview.page.locator(".leaflet-tooltip").last.inner_text()
    assert overview.dialogs == [] and overview.requests == [] and overview.errors == []


def test_commute_map_layers_and_sweep_panel(visit: Any, tmp_path: Path) -> None:
    v = visit(save_map(commute_map(make_result(make_layers(), png=tiny_png())), tmp_path / "commute.html"))
    assert v.count("path.tg-isochrones") == 4  # the first mode shows at load
    v.toggle("Restid från Gruvan (kollektivtrafik)")
    assert v.count("path.tg-isochrones") == 8
    assert v.count("path.tg-zones") == 4 and v.count("path.tg-housing") == 2
    v.page.locator(".tg-png summary").click()
    assert v.page.locator(".tg-png img").evaluate("img => img.complete && img.naturalWidth") == 2
    assert "Bor i Ludvika/Smedjebacken" in v.page.locator(".tg-title .tg-head").inner_text()
    assert "Direkt anställda i gruvorna" not in v.page.locator(".tg-title").inner_text()  # all figures folded
    v.page.locator(".tg-all summary").click()
    assert "Direkt anställda i gruvorna" in v.page.locator(".tg-title").inner_text()
    assert v.requests == [] and v.errors == [] and v.dialogs == []


def test_comparison_map_renders_differences(visit: Any, tmp_path: Path) -> None:
    layers = make_layers()
    base = make_result(layers)
    other = make_result(layers, name="rv66", title="Rv 66", workers=(150.0, 40.0, 2.0, 0.0), reach_m=4000)
    v = visit(save_map(comparison_map(base, other, lang="en"), tmp_path / "comparison.html"))
    assert v.count("path.tg-diff-workers") == 4 and v.count("path.tg-diff-housing") == 2
    assert v.count("path.tg-outline-base") == 2 and v.count("path.tg-outline-other") == 2
    table = v.page.locator(".tg-compare").inner_text()
    assert "Base" in table and "Alternative" in table and "Difference" in table
    assert v.requests == [] and v.errors == [] and v.dialogs == []
