"""What a platform or a fresh machine installs: the lock files match pyproject.toml, pin every package with
hashes, and cover the Pythons the project says it supports."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _locked(name: str) -> dict[str, str]:
    """``{package: version}`` from a lock file, checking every pin carries at least one hash."""
    text = (ROOT / name).read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{name}: {match.group(1)} has no hash"
            pins[_normal(match.group(1))] = match.group(2)
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()


def _pinned(requirements: list[str]) -> dict[str, str]:
    return {_normal(req.split("==")[0]): req.split("==")[1] for req in requirements}


def test_the_lock_files_pin_exactly_what_pyproject_asks_for() -> None:
    runtime, dev = _locked("requirements.txt"), _locked("requirements-dev.txt")
    wanted = _pinned(PYPROJECT["project"]["dependencies"])
    tools = _pinned(PYPROJECT["project"]["optional-dependencies"]["dev"])

    assert {name: runtime.get(name) for name in wanted} == wanted, "run: make lock"
    assert {name: dev.get(name) for name in {**wanted, **tools}} == {**wanted, **tools}, "run: make lock"
    assert not set(tools) & set(runtime)  # the image carries no test tools
    assert {name: dev[name] for name in runtime} == runtime  # one resolution: runtime is a subset of dev


def test_python_version_file_and_supported_versions_agree() -> None:
    supported = SpecifierSet(PYPROJECT["project"]["requires-python"])
    pinned = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert f"{pinned}.0" in supported
    for version in ("3.11.0", "3.12.0", "3.13.0"):
        assert version in supported
    classifiers = {c.rsplit(" ", 1)[1] for c in PYPROJECT["project"]["classifiers"] if "Python :: 3." in c}
    assert classifiers == {"3.11", "3.12", "3.13"}


def test_make_setup_installs_from_the_lock_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet --require-hashes -r requirements-dev.txt" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
