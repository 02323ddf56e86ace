# Source this file to use the workspace in a shell: venv, built packages, DDS settings.
# (On a robot with ROS 2 installed from its own packages, source /opt/ros/<distro>/setup.bash and install/setup.bash.)
_fs_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# colcon's setup scripts read unset variables: relax `set -u` while sourcing, restore it after.
case $- in *u*) _fs_nounset=1; set +u ;; *) _fs_nounset= ;; esac
# shellcheck disable=SC1091
. "$_fs_root/.venv/bin/activate"
# shellcheck disable=SC1091
. "$_fs_root/install/setup.bash"
export RMW_IMPLEMENTATION=${RMW_IMPLEMENTATION:-rmw_fastrtps_cpp}
# Shared-memory + UDPv4 transports: best effort over the default transport dropped every 1080p frame here.
export FASTDDS_DEFAULT_PROFILES_FILE=${FASTDDS_DEFAULT_PROFILES_FILE:-$_fs_root/config/fastdds.xml}
export PYTHONUNBUFFERED=1
unset _fs_root
# Command-line tools (fracturescope-ledger, fracturescope-launch, ...) live where `ros2 run` finds them,
# install/<pkg>/lib/<pkg>; put them on PATH here since this machine has no ros2 CLI.
for _fs_bin in "$(dirname "${BASH_SOURCE[0]}")"/../install/fracturescope_*/lib/fracturescope_*; do
  if [ -d "$_fs_bin" ]; then PATH="$(cd "$_fs_bin" && pwd):$PATH"; fi
done
export PATH
[ -n "$_fs_nounset" ] && set -u
unset _fs_bin _fs_nounset
