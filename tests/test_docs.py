"""Docs stay in step with the code: every layer column and CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from tillvaxt_geo.cli.main import SUBCOMMANDS
from tillvaxt_geo.data.schemas import SCHEMAS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_layer_column_is_documented() -> None:
    text = (DOCS / "layers.md").read_text(encoding="utf-8")
    for schema in SCHEMAS.values():
        assert f"## `{schema.name}`" in text
        for column in schema.column_names:
            assert f"| `{column}` |" in text, f"{schema.name}.{column} missing from docs/layers.md"


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_command_has_a_user_guide(command: str) -> None:
    guides = {p.stem.split("-")[0] for p in (DOCS / "cli").glob("*.md")}
    assert command in guides, f"docs/cli/ has no guide for `tillvaxt-geo {command}`"
