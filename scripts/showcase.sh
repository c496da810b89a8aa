#!/usr/bin/env bash
# The showcase: builds stepdown, then, in a private mount namespace with its
# own /etc and a socket owned by root:988 mode 0660 (the machine's own /etc
# and Docker socket are never touched), shows a plain uid 1000 unable to use
# the socket and the same app able to after stepdown. Run as root:
#   bash scripts/showcase.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "showcase: run as root (it uses mount namespaces)" >&2; exit 1; }

bash scripts/setup.sh
cmake -S . -B build -DSTEPDOWN_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)" --target stepdown stepdown-probe >/dev/null

work=$(mktemp -d /tmp/stepdown-showcase.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
cp -a /etc "$work/etc" 2>/dev/null || true
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$work/etc/passwd"
printf 'root:x:0:\napp:x:1000:\ndocker:x:999:\n' >"$work/etc/group"
rm -f "$work/etc/gshadow"
mkdir -p "$work/run"
cp build/stepdown build/tests/stepdown-probe "$work/"

export WORK=$work
# shellcheck disable=SC2016 # expanded by the inner bash, inside the namespace
unshare --mount --propagation private --pid --fork --mount-proc bash -euo pipefail -c '
  mount --bind "$WORK/etc" /etc
  sock=$WORK/run/docker.sock
  "$WORK/stepdown-probe" serve "$sock" --uid 0 --gid 988 --perm 0660 &
  for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.05; done
  show() { printf "\n\033[1m%s\033[0m\n" "$*"; }
  facts() { grep -E "^(uid|gid|groups|cap_eff|cap_bnd|no_new_privs|setuid0|home|user|ping:.*)=" | sed "s/^/    /"; }

  show "The socket, as the host gives it (group 988 has no name in this image; the image has docker=999):"
  ls -ln "$sock" | sed "s/^/    /"
  grep -E "^docker:" /etc/group | sed "s/^/    /"

  show "1) The app as plain uid 1000 (what docker run --user 1000 or gosu 1000:1000 gives):"
  setpriv --reuid 1000 --regid 1000 --clear-groups "$WORK/stepdown-probe" report --ping "$sock" | facts

  show "2) The same app under stepdown (ENTRYPOINT [\"stepdown\", \"--\"]):"
  echo "    \$ stepdown -v -S $sock -- stepdown-probe report --ping $sock"
  "$WORK/stepdown" -v -S "$sock" -- "$WORK/stepdown-probe" report --ping "$sock" 2> >(sed "s/^/    /" >&2) | facts
  sleep 0.1

  show "/etc/group afterwards: a group for 988 was created (docker was taken by 999, so a free name was derived):"
  grep -E "988" /etc/group | sed "s/^/    /"

  show "3) A socket owned by group 0 (Docker Desktop, rootless Podman) is refused, with the fix:"
  chgrp 0 "$sock"
  set +e
  "$WORK/stepdown" -S "$sock" -- "$WORK/stepdown-probe" report 2>&1 | sed "s/^/    /"
  echo "    exit code: ${PIPESTATUS[0]}"
  set -e

  show "4) Started as uid 1000 without the group (Kubernetes restricted pod): it explains and still runs the app:"
  chgrp 988 "$sock"
  setpriv --reuid 1000 --regid 1000 --clear-groups "$WORK/stepdown" -S "$sock" -- "$WORK/stepdown-probe" report --ping "$sock" 2>&1 | grep -E "^(stepdown|uid|ping)" | sed "s/^/    /"

  show "5) As the init (docker stop sends SIGTERM to PID 1; stepdown forwards it, reaps, exits 128+15):"
  "$WORK/stepdown" --init -S "$sock" -- "$WORK/stepdown-probe" sleep 30 &
  pid=$!
  sleep 0.3
  kill -TERM "$pid"
  set +e; wait "$pid"; echo "    exit code: $?"; set -e
  kill %1 2>/dev/null || true
'
echo
echo "showcase: done; the machine's own /etc and sockets were not touched."
