#!/bin/sh
# package_install_run_purge: the Debian package as a user meets it. Builds it with CPack
# from this build tree, checks it with lintian, installs it (`dpkg -i` when root and no
# vigil is installed; else unpacked with `dpkg -x`), checks the files, the user and the
# unit (`systemd-analyze verify`), runs the installed binary on the installed default
# config (in a network namespace of its own, so its port 5000 meets nothing else) and
# asks it for its version, config and web UI, upgrades it over itself (the admin's
# config edit kept), then purges it and checks nothing is left.
#   package_test.sh BUILD_DIR   (VIGIL_PACKAGE_TEST_UNPACK=1: the dpkg -x way even as root)
set -eu

fail() { echo "FAIL: $*" >&2; exit 1; }

# Inside the namespace: start vigil, wait for its API, check it, stop it with SIGTERM.
if [ "${1:-}" = "--run-inside" ]; then
  bin=$2 config=$3 user=$4 log=$5
  ip link set lo up
  if [ -n "$user" ]; then
    setpriv --reuid="$user" --regid="$user" --init-groups -- "$bin" --config "$config" >"$log" 2>&1 &
  else
    "$bin" --config "$config" >"$log" 2>&1 &
  fi
  pid=$!
  # Waits for the listener (curl retries refused connections at once, for up to 60 s).
  curl -sf --retry 600 --retry-connrefused --retry-delay 0 --retry-max-time 60 \
    -o version.txt http://127.0.0.1:5000/api/version || { cat "$log"; fail "no answer on :5000/api/version"; }
  grep -q vigil version.txt || fail "unexpected version: $(cat version.txt)"
  curl -sf -o config.json http://127.0.0.1:5000/api/config || fail "/api/config"
  grep -q '"cameras"' config.json || fail "/api/config has no cameras key"
  curl -sf -o index.html http://127.0.0.1:5000/ || fail "web UI at /"
  grep -qi '<html' index.html || fail "/ is not the web UI"
  kill -TERM "$pid"
  wait "$pid" || { cat "$log"; fail "vigil exited non-zero after SIGTERM"; }
  exit 0
fi

BUILD=$(cd "$1" && pwd)
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# 1. Build the package (into a folder of its own: `make package` may run beside us).
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$work/out" >cpack.log 2>&1 || { cat cpack.log; fail "cpack"; }
deb=$(ls "$work"/out/vigil_*_amd64.deb)
[ -f "$deb" ] || fail "no vigil_<version>_amd64.deb"
echo "built $(basename "$deb")"

# 2. lintian: no error and no warning.
if command -v lintian >/dev/null; then
  lintian --fail-on error,warning "$deb" || fail "lintian"
else
  fail "lintian is missing (scripts/bootstrap installs it)"
fi
dpkg-deb -f "$deb" Depends | grep -q libavformat || fail "Depends not computed from the shared libraries"

installed=0
if [ -z "${VIGIL_PACKAGE_TEST_UNPACK:-}" ] && [ "$(id -u)" -eq 0 ] && ! dpkg-query -W vigil >/dev/null 2>&1 && ! getent passwd vigil >/dev/null; then
  installed=1
fi

if [ "$installed" -eq 1 ]; then
  # 3. Install for real; purge on any exit from here on.
  trap 'dpkg -P vigil >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  dpkg -i "$deb" >dpkg.log 2>&1 || { cat dpkg.log; fail "dpkg -i"; }
  root=""
  getent passwd vigil >/dev/null || fail "no vigil user"
  [ "$(stat -c %U:%a /var/lib/vigil)" = "vigil:750" ] || fail "/var/lib/vigil: $(stat -c %U:%a /var/lib/vigil)"
  [ "$(stat -c %G:%a /etc/vigil/config.yml)" = "vigil:640" ] || fail "config.yml: $(stat -c %G:%a /etc/vigil/config.yml)"
  dpkg-query -W -f='${Conffiles}' vigil | grep -q /etc/vigil/config.yml || fail "config.yml is not a conffile"
else
  echo "not root or vigil already on this machine: unpacking with dpkg -x instead of installing"
  root="$work/root"
  dpkg-deb -x "$deb" "$root"
fi

# 4. The files where a Debian user looks for them.
for f in /usr/bin/vigil /lib/systemd/system/vigil.service /etc/vigil/config.yml \
  /usr/share/vigil/web/index.html /usr/share/man/man1/vigil.1.gz /usr/share/doc/vigil/copyright; do
  [ -f "$root$f" ] || fail "missing $f"
done
unit="$root/lib/systemd/system/vigil.service"
for opt in Restart=on-failure User=vigil StateDirectory=vigil ConfigurationDirectory=vigil \
  ProtectSystem=strict NoNewPrivileges=true PrivateTmp=true; do
  grep -qx "$opt" "$unit" || fail "vigil.service lacks $opt"
done
if [ "$installed" -eq 1 ]; then
  systemd-analyze verify /lib/systemd/system/vigil.service || fail "systemd-analyze verify"
else
  systemd-analyze verify --root="$root" /lib/systemd/system/vigil.service 2>verify.log ||
    grep -q "Command /usr/bin/vigil is not executable\|vigil.*not found" verify.log ||
    { cat verify.log; fail "systemd-analyze verify"; }
fi
"$root/usr/bin/vigil" --help | grep -q -- --config || fail "--help"
man -l "$root/usr/share/man/man1/vigil.1.gz" >/dev/null 2>&1 || fail "man page"

# 5. The installed binary on the installed default config (as the vigil user when installed).
if [ "$installed" -eq 1 ]; then
  /usr/bin/vigil --config /etc/vigil/config.yml --check-config || fail "--check-config on the default config"
  unshare -n sh "$self" --run-inside /usr/bin/vigil /etc/vigil/config.yml vigil "$work/vigil.log"
  [ -f /var/lib/vigil/clips/frigate.db ] || fail "no database under /var/lib/vigil"
else
  sed "s|^media_dir: /var/lib/vigil|media_dir: $work/media|" "$root/etc/vigil/config.yml" >config.yml
  "$root/usr/bin/vigil" --config config.yml --check-config || fail "--check-config on the default config"
  unshare -rn sh "$self" --run-inside "$root/usr/bin/vigil" "$work/config.yml" "" "$work/vigil.log"
fi
! grep -qi "web UI not found" "$work/vigil.log" || fail "the installed binary did not find the installed web UI"

# 6. Upgrade (the same package again, as dpkg runs an upgrade): the admin's edit of the
# config and the recordings stay, then purge: nothing of vigil left.
if [ "$installed" -eq 1 ]; then
  echo "# edited by the admin" >>/etc/vigil/config.yml
  dpkg -i "$deb" >dpkg.log 2>&1 || { cat dpkg.log; fail "dpkg -i over the installed package"; }
  grep -qx "# edited by the admin" /etc/vigil/config.yml || fail "the upgrade lost the admin's config edit"
  [ -f /var/lib/vigil/clips/frigate.db ] || fail "the upgrade lost the database"
  dpkg -P vigil >dpkg.log 2>&1 || { cat dpkg.log; fail "dpkg -P"; }
  for p in /usr/bin/vigil /lib/systemd/system/vigil.service /etc/vigil /var/lib/vigil /usr/share/vigil \
    /usr/share/doc/vigil /etc/systemd/system/multi-user.target.wants/vigil.service; do
    [ ! -e "$p" ] || fail "$p is still there after purge"
  done
  ! getent passwd vigil >/dev/null || fail "user vigil still there after purge"
  ! getent group vigil >/dev/null || fail "group vigil still there after purge"
  ! dpkg-query -W vigil >/dev/null 2>&1 || fail "dpkg still knows vigil"
fi
echo "package ok"
