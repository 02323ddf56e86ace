"""Tiny ament packages installed into a temporary prefix, for tests of the runner."""

from collections.abc import Callable, Mapping
import os

import pytest


def fake_package(prefix: str | os.PathLike, package: str, executables: Mapping[str, str]) -> str:
    """Install `package` into an ament prefix at `prefix`: index marker plus `lib/<pkg>/<exe>` scripts."""
    marker = os.path.join(prefix, 'share', 'ament_index', 'resource_index', 'packages', package)
    os.makedirs(os.path.dirname(marker), exist_ok=True)
    open(marker, 'w').close()
    os.makedirs(os.path.join(prefix, 'share', package), exist_ok=True)
    lib = os.path.join(prefix, 'lib', package)
    os.makedirs(lib, exist_ok=True)
    for name, source in executables.items():
        path = os.path.join(lib, name)
        with open(path, 'w') as script:
            script.write(source)
        os.chmod(path, 0o755)
    return str(prefix)


@pytest.fixture
def install_fake_package() -> Callable[..., str]:
    return fake_package
