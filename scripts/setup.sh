#!/usr/bin/env bash
# Installs what dbxops needs on a fresh Debian machine with Node 20+ and npm: Node 24 and the npm
# packages (the `node` dependency brings Node 24), the Debian packages the embedded default runs
# (redis-server), and the compiled dist/ that bin/dbxops.js runs. With --test also the servers the test
# suite starts itself (PostgreSQL, Chromium). Safe to run again: it installs only what is missing and
# never starts a system service.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
for arg in "$@"; do
  case "$arg" in
    --test) want_test=true ;;
    *) echo "setup.sh: unknown option $arg (use --test)" >&2; exit 2 ;;
  esac
done

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if $want_test; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  # Browser tests drive Debian's Chromium with playwright-core (no browser download).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: please install as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' own services from starting: dbxops and the tests start their own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

# Install only when the lock file changed since the last install here.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/node ] || [ "$(cat node_modules/.dbxops-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  # Not npm ci: @databricks/sql names an optional Windows kernel package at a version the registry does
  # not have, so no lock file can list it and npm ci refuses every lock. npm install with a lock file in
  # sync installs exactly the locked versions and leaves the lock as it is.
  npm install --no-fund --no-audit --loglevel=error
  echo "$lock_hash" > node_modules/.dbxops-lock-hash
fi
# bin/dbxops.js runs the compiled JavaScript; rebuilt only when the sources changed since the last build.
node_modules/.bin/node scripts/build.js --if-stale
echo "setup.sh: ready (node $(node_modules/.bin/node --version))"
