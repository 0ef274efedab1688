"""What `pip install .` ships: every package, the seeds as package data, no data inside.

Building and installing the wheel takes too long for the unit suite; `.ci/run` installs it
once into a fresh virtualenv and asks a question from outside the checkout. These tests
keep the packaging list honest in the meantime.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from bot.settings import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def test_every_python_package_ships_in_the_wheel() -> None:
    """pyproject lists packages by hand; a new one left off would be missing when installed."""
    found = {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for top in ("bot", "adapters", "db")
        for init in (PROJECT_ROOT / top).rglob("__init__.py")
    }
    assert found <= set(SETUPTOOLS["packages"])


def test_every_seed_file_ships_as_package_data() -> None:
    """The top-level seeds/ becomes bot/seeds/ in the wheel, every document and table in it."""
    assert SETUPTOOLS["package-dir"]["bot.seeds"] == "seeds"
    patterns = SETUPTOOLS["package-data"]["bot.seeds"]
    seeds = [path.name for path in (PROJECT_ROOT / "seeds").iterdir() if path.is_file()]
    assert seeds
    assert [name for name in seeds if not any(fnmatch.fnmatch(name, p) for p in patterns)] == []


def test_ask_keeps_its_database_in_the_data_folder(tmp_path: Path) -> None:
    """`factbot ask` run elsewhere writes factbot.db to FACTBOT_DATA_DIR, nothing to the cwd."""
    workdir, data_dir = tmp_path / "elsewhere", tmp_path / "data"
    workdir.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "adapters.console.cli", "ask", "how many CSTO troops?"],
        env={**os.environ, "FACTBOT_DATA_DIR": str(data_dir)}, cwd=workdir,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2,500" in done.stdout
    assert (data_dir / "factbot.db").is_file()
    assert list(workdir.iterdir()) == []
