#!/usr/bin/env bash
# Programs the tests start for real that pip cannot install, from Debian's packages: mosquitto, the MQTT broker of
# the operator link's tests (fracturescope_testing.mqtt_broker), PostgreSQL, the operator centre's database
# (fracturescope_testing.postgres_server), and chromium with its chromedriver, the browser of the dashboard's test. Idempotent: quick when they are there already. Only the programs are
# installed: the system services are neither started nor enabled (each test starts its own broker or cluster on a
# free loopback port).
set -euo pipefail
say() { printf '[test services] %s\n' "$*"; }

# /usr/sbin is not on every root PATH (su without -l): look there too.
have() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null; }
have mosquitto && have mosquitto_passwd && have_postgres && have chromium && have chromedriver && exit 0
packages=(mosquitto postgresql chromium chromium-driver)

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  say "mosquitto, PostgreSQL or chromium is missing and installing them needs root: run  sudo apt-get install --no-install-recommends ${packages[*]}"
  exit 1
fi
command -v apt-get >/dev/null || { say "this system has no apt-get: install mosquitto (2.x), PostgreSQL (13 or newer), chromium and chromedriver"; exit 1; }

# policy-rc.d answering 101 (action forbidden) keeps the package's scripts from starting the service
# (invoke-rc.d and deb-systemd-invoke ask it); one that is there already is the system's own and stays.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ -n "$own_policy" ]; then "${as_root[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

say "installing ${packages[*]} (Debian package; the tests start their own brokers)"
apt_quiet=(-o Dpkg::Lock::Timeout=300 -qq)
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_quiet[@]}" update \
   || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_quiet[@]}" install -y \
        --no-install-recommends "${packages[@]}" >/dev/null; then
  say "could not install ${packages[*]} with apt-get (see above); the MQTT, database and browser tests need them"
  exit 1
fi
if command -v systemctl >/dev/null; then
  "${as_root[@]}" systemctl disable --quiet mosquitto.service postgresql.service 2>/dev/null || true
fi
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto" ] || { say "apt-get installed mosquitto, but $mosquitto is not there"; exit 1; }
say "$("$mosquitto" -h 2>&1 | head -1 || true) at $mosquitto"
have_postgres || { say "apt-get installed postgresql, but no initdb is there"; exit 1; }
have chromedriver || { say "apt-get installed chromium-driver, but no chromedriver is there"; exit 1; }
say "$(chromium --version 2>/dev/null || true), $(chromedriver --version 2>/dev/null | cut -d' ' -f1-2 || true)"
say "PostgreSQL $(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1) (initdb, pg_ctl in /usr/lib/postgresql/*/bin)"
