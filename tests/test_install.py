"""A new user's first run: the README's commands and its Python example, from outside the repository.

The slow tests build real virtual environments (``python -m venv``, with
pip reaching the package index as a user's would) and run the README's
commands in them; CI runs them. The README's Python example is also run with
the current interpreter from a temporary directory, in the fast suite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"


def _readme_python() -> str:
    """The README's Python API example (the first ```python block)."""
    match = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert match, "README.md has no ```python example"
    return match.group(1)


def _readme_setup_commands() -> tuple[str, str]:
    """The README's two set-up commands: run the embedded region, and pass the tests."""
    block = re.search(r"## Set-up: two commands.*?```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert block, "README.md has no set-up block"
    commands = [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2, commands
    return commands[0], commands[1]


def _env() -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH, no virtualenv of ours leaking in."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


def _run(args: list[str] | str, *, cwd: Path, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        shell=isinstance(args, str),
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_readme_python_example_runs_from_another_directory(tmp_path: Path) -> None:
    code = _readme_python() + "\nprint('EXAMPLE-OK', result.summary['workers_total'])\n"
    result = _run([sys.executable, "-c", code], cwd=tmp_path, env=_env())
    assert "EXAMPLE-OK" in result.stdout
    assert (tmp_path / "two_companies.html").stat().st_size > 10_000  # the example's map was written here


def test_readme_setup_commands_are_two_and_name_the_test_extra() -> None:
    run_cmd, test_cmd = _readme_setup_commands()
    assert run_cmd == "pip install . && tillvaxt-geo run"
    assert test_cmd == "pip install -e '.[test]' && python -m pytest"
    assert test_cmd in (REPO / ".ci" / "run").read_text(encoding="utf-8")  # CI runs the README's exact command


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A new virtual environment with nothing installed, and the environment of a shell that activated it."""
    root = tmp_path_factory.mktemp("fresh")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=False)
    env = _env()
    env["VIRTUAL_ENV"] = str(env_dir)
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["NUMBA_CACHE_DIR"] = str(root / "numba-cache")  # a user's cache starts empty too
    yield env_dir, env


@pytest.mark.slow
def test_wheel_with_dependencies_in_a_fresh_venv(fresh_venv: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """The built wheel installs with its dependencies and works from another directory, reading packaged layers."""
    env_dir, env = fresh_venv
    python = str(env_dir / "bin" / "python")
    dist = tmp_path / "dist"
    _run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(REPO)], cwd=tmp_path, env=env)
    (wheel,) = dist.glob("tillvaxt_geo-*.whl")
    _run([python, "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, env=env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check = _run(["tillvaxt-geo", "layers", "check"], cwd=elsewhere, env=env)
    assert "zones" in check.stdout
    assert str(REPO / "layers") not in check.stdout  # read from the installed package, not the checkout
    code = _readme_python() + "\nimport tillvaxt_geo\nprint('FROM', tillvaxt_geo.__file__)\n"
    example = _run([python, "-c", code], cwd=elsewhere, env=env)
    assert f"FROM {env_dir}" in example.stdout  # the installed copy, not the checkout
    assert "compiling the routing kernels" in example.stderr  # the first compile is announced ...
    again = _run([python, "-c", code], cwd=elsewhere, env=env)
    assert "compiling the routing kernels" not in again.stderr  # ... once: the second run loads the cache
    site = Path(example.stdout.split("FROM ", 1)[1].strip()).parent
    assert not list(site.rglob("*.nbi")), "numba's cache was written into the installed package"


@pytest.mark.slow
def test_readme_setup_commands_in_sequence_then_import_elsewhere(
    fresh_venv: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Command 1 (install, run), then command 2 (editable install, tests), then the API from another directory."""
    env_dir, env = fresh_venv
    clone = tmp_path / "clone"
    caches = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache")

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = {".git", "maps", "build"} if Path(folder) == REPO else set()  # a fresh clone has no outputs
        return top | caches(folder, names)

    shutil.copytree(REPO, clone, ignore=ignore)
    run_cmd, test_cmd = _readme_setup_commands()
    first = _run(run_cmd, cwd=clone, env=env)
    assert (clone / "maps" / "two_companies" / "summary.json").exists(), first.stdout[-2000:]
    assert (clone / "maps" / "index.html").exists()
    # command 2 as written, but the test run limited to a quick file: the whole suite is what runs around this test
    install_cmd, _, pytest_cmd = test_cmd.partition(" && ")
    _run(install_cmd, cwd=clone, env=env)
    _run(f"{pytest_cmd} -q -p no:cacheprovider tests/test_docs.py", cwd=clone, env=env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import tillvaxt_geo as tg\n"
        "layers = tg.load_layers()\n"
        "print('ZONES', len(layers.zones))\n"
        "print('FROM', tg.__file__)\n"
    )
    result = _run([str(env_dir / "bin" / "python"), "-c", code], cwd=elsewhere, env=env)
    assert "ZONES " in result.stdout
    assert f"FROM {clone}" in result.stdout  # the editable install wins over the earlier non-editable one


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_import_no_heavy_library(option: str, tmp_path: Path) -> None:
    """``--help`` lists the commands without importing them (speed: benchmarks/bench_cli.py)."""
    code = (
        f"import sys; sys.argv = ['tillvaxt-geo', {option!r}]\n"
        "from tillvaxt_geo.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY:' + ','.join(m for m in ('numba', 'geopandas', 'pandas', 'folium') if m in sys.modules))\n"
    )
    result = _run([sys.executable, "-c", code], cwd=tmp_path, env=_env())
    assert result.stdout.rstrip().endswith("HEAVY:"), result.stdout[-500:]
    assert ("versions" in result.stdout) if option == "--help" else ("0." in result.stdout)
