#!/usr/bin/env bash
# Makes Debian's PostgreSQL server binaries available for the store's tests (test/support/postgres-server.ts
# starts throwaway servers from them). Idempotent: does nothing when initdb is already installed. Never
# creates or starts the package's own cluster service.
set -euo pipefail

if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  echo "PostgreSQL server binaries present: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
  exit 0
fi

SUDO=''
if [ "$(id -u)" != 0 ]; then SUDO='sudo'; fi

# Tell postgresql-common not to create (and so not to start) the default "main" cluster.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.d/dbxops.conf >/dev/null

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends postgresql; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends postgresql
fi

compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { echo 'postgresql installed but initdb not found' >&2; exit 1; }
echo "PostgreSQL server binaries installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
