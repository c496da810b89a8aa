#!/usr/bin/env bash
# Checks on the shipped artefact: static (no shared objects mapped at run
# time), stripped, hardened; and no NSS function referenced by the project's
# own objects (libcap-ng.a references getpwuid/initgroups in
# capng_change_id, which stepdown never calls; its objects are not ours).
# Needs: STEPDOWN (static binary), CORE_LIB (libstepdown_core.a).
set -uo pipefail
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; shift; printf '  | %s\n' "$@"; failed=$((failed + 1)); }

desc=$(file -b "$STEPDOWN")
if [[ $desc == *"static-pie linked"* || $desc == *"statically linked"* ]]; then ok "file(1) says static: $desc"
else bad "file(1) does not say static" "$desc"; fi
if [[ $desc == *stripped* && $desc != *"not stripped"* ]]; then ok "stripped"; else bad "not stripped" "$desc"; fi

# No shared object mapped: read the maps of a running stepdown (as the init,
# non-root so it stays dumpable and readable by its child).
# shellcheck disable=SC2016 # $PPID is the inner shell's: its parent is stepdown
maps=$(setpriv --reuid 65534 --regid 65534 --clear-groups -- \
  "$STEPDOWN" --init --no-socket -- /bin/sh -c 'cat /proc/$PPID/maps' 2>&1)
if [[ -n $maps && $maps != *".so"* && $maps == *"r-xp"* ]]; then ok "no shared objects mapped at run time"
else bad "shared objects mapped, or maps unreadable" "$maps"; fi

relro=$(readelf -lW "$STEPDOWN" | grep -c GNU_RELRO)
bindnow=$(readelf -dW "$STEPDOWN" 2>/dev/null | grep -cE 'BIND_NOW|FLAGS.*NOW')
stack=$(readelf -lW "$STEPDOWN" | grep GNU_STACK)
if ((relro >= 1)) && [[ $stack == *" RW "* ]]; then ok "RELRO and non-executable stack"
else bad "hardening missing" "relro=$relro bindnow=$bindnow" "$stack"; fi

nss=$(nm -C --undefined-only "$CORE_LIB" 2>/dev/null |
  grep -E '\b(getpw(nam|uid|ent)(_r)?|getgr(nam|gid|ent)(_r)?|initgroups|getgrouplist|lckpwdf|ulckpwdf)\b' || true)
if [[ -z $nss ]]; then ok "the project's objects reference no NSS function"
else bad "NSS functions referenced by the project's own objects" "$nss"; fi

# The link-time stubs (src/sys/link_stubs.cpp) are in effect: neither glibc's
# assertion report (which links wide printf and the charset converters) nor
# the C++ demangler is in the binary, and the stub's own report is.
text=$(strings -n 6 "$STEPDOWN")
if [[ $text == *"assertion failed in the C library"* && $text != *"Assertion \`%s' failed"* &&
  $text != *"(anonymous namespace)"* ]]; then ok "link stubs in effect: no glibc assertion report, no demangler"
else bad "a link stub is not in effect (see CMakeLists.txt, --wrap)" \
  "$(grep -E "assertion failed in the C library|Assertion .%s' failed|anonymous namespace" <<<"$text")"; fi

version=$("$STEPDOWN" --version)
if [[ $version =~ ^tini\ version\ [0-9]+\.[0-9]+\.[0-9]+_stepdown\ -\ git\.[0-9a-z]+$ ]]; then
  ok "--version is one line dockerd's parser accepts: $version"
else bad "--version shape" "$version"; fi

echo "$passed passed, $failed failed"
((failed == 0))
