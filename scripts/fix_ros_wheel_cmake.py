"""Point the ROS message wheels' CMake exports at this venv (see ../shared/ros2-on-pypi.md).

The wheels hard-code the include paths of the machine they were built on, and CMake then stops with
"Imported target ... includes non-existent path". Idempotent: rewrites only files that still hold them.
"""

from pathlib import Path
import sys
import sysconfig

import numpy

BUILD_MACHINE_PYTHON_INCLUDE = '/opt/python/cp311-cp311/include/python3.11'
BUILD_MACHINE_NUMPY_INCLUDE = '/opt/python/cp311-cp311/lib/python3.11/site-packages/numpy/_core/include'


def fix_cmake_exports(prefix: Path) -> int:
    """Rewrite the build-machine paths in every CMake file under prefix/share; return files changed."""
    replacements = {
        BUILD_MACHINE_NUMPY_INCLUDE: numpy.get_include(),
        BUILD_MACHINE_PYTHON_INCLUDE: sysconfig.get_paths()['include'],
    }
    changed = 0
    for cmake_file in (prefix / 'share').glob('**/*.cmake'):
        text = cmake_file.read_text()
        fixed = text
        for old, new in replacements.items():
            fixed = fixed.replace(old, new)
        if fixed != text:
            cmake_file.write_text(fixed)
            changed += 1
    return changed


if __name__ == '__main__':
    venv = Path(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)
    print(f'CMake exports rewritten: {fix_cmake_exports(venv)} file(s) under {venv}/share')
