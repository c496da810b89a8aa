#!/bin/sh
# The typical docker-entrypoint.sh that stepdown replaces, as the benchmark
# runs it (bench/run.sh, always inside a private mount namespace with a
# private copy of /etc). It is the common "give the app user the Docker
# socket's group, then drop with gosu" script: stat the socket, look its GID
# up, create a group for it if there is none, add the user to that group,
# exec gosu. Every container start runs all of it, because a fresh
# container's /etc/group never has the host's socket GID.
set -e

DOCKER_SOCKET="${DOCKER_SOCKET:-/var/run/docker.sock}"
APP_USER="${APP_USER:-app}"

if [ "$(id -u)" = "0" ]; then
  if [ -S "$DOCKER_SOCKET" ]; then
    DOCKER_GID="$(stat -c '%g' "$DOCKER_SOCKET")"
    if ! getent group "$DOCKER_GID" >/dev/null; then
      groupadd --gid "$DOCKER_GID" docker-host
    fi
    DOCKER_GROUP="$(getent group "$DOCKER_GID" | cut -d: -f1)"
    usermod -aG "$DOCKER_GROUP" "$APP_USER"
  fi
  exec gosu "$APP_USER" "$@"
fi

exec "$@"
