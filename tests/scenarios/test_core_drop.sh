#!/usr/bin/env bash
# The core path as real root: socket inspection, every decision-table row,
# the /etc/group alignment (golden files), the drop proven by the probe from
# the kernel, refusals with their exit codes, non-root starts.
# Each case runs in a private mount namespace with its own /etc and sockets.
source "$(dirname "$0")/lib.sh"
scenario_begin

S() { printf '%s/%s' "$SCENARIO_SOCK" "$1"; }
BASE_GROUP=$'root:x:0:\napp:x:1000:\n'

# The probe's view of a healthy drop to 1000:1000 with exactly GROUPS.
assert_dropped() {
  assert_report uid 1000,1000,1000
  assert_report gid 1000,1000,1000
  assert_report groups "$1"
  assert_report cap_eff 0000000000000000
  assert_report cap_prm 0000000000000000
  assert_report cap_inh 0000000000000000
  assert_report cap_amb 0000000000000000
  assert_report cap_bnd 0000000000000000
  assert_report no_new_privs 1
  assert_report setuid0 fails
}

assert_no_temp_files() {
  local left
  left=$(find "$SCENARIO_ETC" -maxdepth 1 -newer "$SCENARIO_ETC/passwd" -name '.*' ! -name '.pwd.lock' -print)
  assert_eq "" "$left" "temp files left in /etc"
}

case_default_grant() {
  make_socket docker.sock 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped 988
  assert_report "ping:$(S docker.sock)" OK
  assert_report home /home/app
  assert_report user app
  assert_report logname app
  assert_eq "" "$RUN_ERR" "a healthy start prints nothing"
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}docker:x:988:app"$'\n'
  assert_stat "$SCENARIO_ETC/group" '%a %u:%g' '644 0:0'
  assert_no_temp_files
}
check "grant: socket root:988 0660, group created as 'docker', app can ping" case_default_grant

case_reuse_existing_gid() {
  etc_write group "${BASE_GROUP}hostdocker:x:988:someone"$'\n'
  make_socket docker.sock 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}hostdocker:x:988:someone,app"$'\n'
}
check "grant: the group that has the GID is reused, never renamed" case_reuse_existing_gid

case_name_taken() {
  etc_write group "${BASE_GROUP}docker:x:999:"$'\n'
  make_socket docker.sock 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}docker:x:999:"$'\n'"docker-988:x:988:app"$'\n'
}
check "grant: 'docker' taken by GID 999, a free name is derived, nothing renumbered" case_name_taken

case_gid_collides_with_image_group() {
  etc_write group "${BASE_GROUP}users:x:100:"$'\n'
  make_socket docker.sock 0 100 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 100
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}users:x:100:app"$'\n'
}
check "grant: socket GID collides with an image group (users 100): joined, not renumbered" case_gid_collides_with_image_group

case_already_listed_unchanged() {
  local content="${BASE_GROUP}# a comment"$'\n\n'"docker:x:988:app"$'\n'"+nis"$'\n'"garbage line"
  etc_write group "$content"
  make_socket docker.sock 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
  assert_file_eq "$SCENARIO_ETC/group" "$content" "an aligned file is left byte for byte"
}
check "grant: already a listed member, odd lines kept: file untouched" case_already_listed_unchanged

case_gshadow_consistent() {
  etc_write gshadow $'root:*::\napp:!::\n'
  chmod 0640 "$SCENARIO_ETC/gshadow"
  chgrp 42 "$SCENARIO_ETC/gshadow"
  make_socket docker.sock 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_file_eq "$SCENARIO_ETC/gshadow" $'root:*::\napp:!::\ndocker:!::app\n'
  assert_stat "$SCENARIO_ETC/gshadow" '%a %u:%g' '640 0:42'
  assert_no_temp_files
}
check "grant: /etc/gshadow kept consistent, its mode and owner kept" case_gshadow_consistent

case_two_sockets() {
  make_socket docker.sock 0 988 0660
  make_socket podman.sock 0 991 0660
  run in_ns env STEPDOWN_SOCKET="$(S docker.sock):$(S podman.sock)" "$STEPDOWN" -- "$PROBE" report \
    --ping "$(S docker.sock)" --ping "$(S podman.sock)"
  assert_status 0
  assert_dropped 988,991
  assert_report "ping:$(S podman.sock)" OK
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}docker:x:988:app"$'\n'"docker-991:x:991:app"$'\n'
}
check "grant: two sockets from STEPDOWN_SOCKET, two groups" case_two_sockets

case_extra_groups() {
  make_socket docker.sock 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -G 44,app -- "$PROBE" report
  assert_status 0
  assert_dropped 44,988,1000
}
check "--groups adds exactly the listed groups" case_extra_groups

# The groups a runtime gives a root start (docker run --group-add 4242) are
# kept; root's own (listed in the image's /etc/group) are not.
case_runtime_groups() {
  make_socket docker.sock 0 988 0660
  run in_ns setpriv --groups 4242 "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped 988,4242
  assert_report "ping:$(S docker.sock)" OK
  run in_ns setpriv --groups 4242 "$STEPDOWN" --no-runtime-groups -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
  etc_write group "${BASE_GROUP}wheel:x:4242:root"$'\n'
  run in_ns setpriv --groups 4242 "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
}
check "runtime groups (setpriv --groups 4242, as docker run --group-add): kept; root's own and --no-runtime-groups: not" case_runtime_groups

case_gid0_refused() {
  make_socket docker.sock 0 0 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 77
  assert_contains "$RUN_ERR" "--allow-gid0"
  assert_eq "" "$RUN_OUT" "the app must not run"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
}
check "gid 0: refused (77), the opt-in named, nothing run or written" case_gid0_refused

case_gid0_allowed() {
  make_socket docker.sock 0 0 0660
  run in_ns env STEPDOWN_ALLOW_GID0=1 "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped 0
  assert_report "ping:$(S docker.sock)" OK
  assert_contains "$RUN_ERR" "root's group"
}
check "gid 0 with STEPDOWN_ALLOW_GID0=1: granted with a loud warning" case_gid0_allowed

# Real root in the initial user namespace (gid_map "0 0 4294967295"): every
# GID is mapped, so 65534 is a group like any other and is granted.
case_gid_65534_initial_ns() {
  [[ $(tr -s ' ' </proc/self/gid_map) == " 0 0 4294967295" ]] ||
    skip "this runner is not in the initial user namespace (gid_map: $(tr -s ' ' </proc/self/gid_map))"
  make_socket docker.sock 0 65534 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped 65534
  assert_report "ping:$(S docker.sock)" OK
  assert_not_contains "$RUN_ERR" "overflow"
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}docker:x:65534:app"$'\n'
}
check "gid 65534 in the initial user namespace: granted like any group, app can ping" case_gid_65534_initial_ns

# In a user namespace that maps only root (unshare --map-root-user), the
# socket's real group 988 is unmapped and shows as the overflow GID 65534.
case_overflow_gid_userns() {
  require_cmd unshare
  make_socket docker.sock 0 988 0660
  run in_ns unshare --user --map-root-user "$PROBE" report
  [[ $RUN_STATUS == 0 ]] || skip "cannot create a user namespace here: $RUN_ERR"
  run in_ns unshare --user --map-root-user stat -c '%g' "$(S docker.sock)"
  assert_eq 65534 "$RUN_OUT" "the socket's group as seen in the user namespace"
  run in_ns unshare --user --map-root-user "$STEPDOWN" --require-socket -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 69
  assert_contains "$RUN_ERR" "overflow group 65534"
  assert_contains "$RUN_ERR" "user namespace"
  assert_eq "" "$RUN_OUT" "the app must not run"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
}
check "gid 65534 (overflow) in a user namespace: not granted, explained; fatal with --require-socket" case_overflow_gid_userns

# POSIX ACLs decide who may connect; with an ACL the mode's group bits are
# only the mask. The real start must use the same rule as --check.
case_acl_group_cannot_write() {
  require_cmd setfacl
  etc_write group "${BASE_GROUP}shadow:x:42:"$'\n'
  make_socket docker.sock 0 42 0660
  setfacl -m g::---,g:999:rw,m::rw "$(S docker.sock)" ||
    skip "cannot set a POSIX ACL on $SCENARIO_SOCK (filesystem without ACLs)"
  assert_stat "$(S docker.sock)" '%a %u:%g' '660 0:42'
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped ""
  assert_contains "$RUN_ERR" "group::---"
  assert_contains "$RUN_ERR" "not granted"
  assert_contains "$RUN_ERR" "setfacl -m g:42:rw"
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}shadow:x:42:"$'\n' "/etc/group is not edited for a group that cannot write"
  run in_ns "$STEPDOWN" --require-socket -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 69
  assert_eq "" "$RUN_OUT" "the app must not run"
  # --check decides with the same rule and says the same.
  run in_ns "$STEPDOWN" --check -S "$(S docker.sock)"
  assert_status 69
  assert_contains "$RUN_OUT" "group-not-writable"
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}shadow:x:42:"$'\n'
}
check "acl group::--- (mask rw-): group 42 cannot write, so it is not granted and /etc/group is not edited" case_acl_group_cannot_write

case_acl_user_grants() {
  require_cmd setfacl
  make_socket docker.sock 0 0 0600
  setfacl -m u:1000:rw "$(S docker.sock)" ||
    skip "cannot set a POSIX ACL on $SCENARIO_SOCK (filesystem without ACLs)"
  assert_stat "$(S docker.sock)" '%a %u:%g' '660 0:0'
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped ""
  assert_report "ping:$(S docker.sock)" OK
  assert_not_contains "$RUN_ERR" "group 0"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
  run in_ns "$STEPDOWN" --check -S "$(S docker.sock)"
  assert_status 0
  assert_contains "$RUN_OUT" "acl-user"
  # The entry without write after the mask: no group can help, none is granted.
  setfacl -m m::r "$(S docker.sock)"
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped ""
  assert_contains "$RUN_ERR" "user:1000:rw-"
  assert_contains "$RUN_ERR" "no group can change that"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
}
check "acl user:1000:rw- on root:root 0600: nothing to grant, never the GID-0 refusal; app can ping" case_acl_user_grants

case_group_not_writable() {
  make_socket docker.sock 0 988 0640
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped ""
  assert_contains "$RUN_ERR" "mode 0640"
}
check "group bits lack write: not granted, warned with the mode" case_group_not_writable

case_world_and_owner() {
  make_socket world.sock 0 988 0666
  run in_ns "$STEPDOWN" -S "$(S world.sock)" -- "$PROBE" report --ping "$(S world.sock)"
  assert_status 0
  assert_dropped ""
  assert_report "ping:$(S world.sock)" OK
  make_socket own.sock 1000 988 0600
  run in_ns "$STEPDOWN" -S "$(S own.sock)" -- "$PROBE" report --ping "$(S own.sock)"
  assert_status 0
  assert_dropped ""
  assert_report "ping:$(S own.sock)" OK
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
}
check "world-writable socket and socket owned by the target: nothing to grant" case_world_and_owner

case_not_a_socket() {
  make_fifo fifo 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S fifo)" -- "$PROBE" report
  assert_status 69
  assert_contains "$RUN_ERR" "is a FIFO, not a socket"
  make_dir dir 0 0 0755
  run in_ns "$STEPDOWN" -S "$(S dir)" -- "$PROBE" report
  assert_status 69
  assert_contains "$RUN_ERR" "is a directory, not a socket"
  assert_contains "$RUN_ERR" "Docker created a directory"
  make_file file 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S file)" -- "$PROBE" report
  assert_status 69
  assert_contains "$RUN_ERR" "is a regular file"
  assert_eq "" "$RUN_OUT"
}
check "not a socket (FIFO, directory, file): refused (69) naming the type" case_not_a_socket

case_absent() {
  # Hide this machine's own /var/run/docker.sock: the default path must be absent.
  mkdir -p "$SCENARIO_TMP/emptyrun"
  run in_ns --bind "$SCENARIO_TMP/emptyrun" /run "$STEPDOWN" -- "$PROBE" report
  assert_status 0
  assert_dropped ""
  assert_eq "" "$RUN_ERR" "the default socket absent is not worth a warning"
  run in_ns "$STEPDOWN" -S "$(S missing.sock)" -- "$PROBE" report
  assert_status 0
  assert_contains "$RUN_ERR" "does not exist"
  run in_ns "$STEPDOWN" --require-socket -S "$(S missing.sock)" -- "$PROBE" report
  assert_status 69
  assert_eq "" "$RUN_OUT"
}
check "absent socket: skipped quietly by default, warned when named, 69 when required" case_absent

case_symlink() {
  make_socket real.sock 0 988 0660
  ln -s real.sock "$(S link.sock)"
  run in_ns "$STEPDOWN" -S "$(S link.sock)" -- "$PROBE" report --ping "$(S link.sock)"
  assert_status 0
  assert_dropped 988
  assert_report "ping:$(S link.sock)" OK
  ln -s loop.sock "$(S loop.sock)"
  run in_ns "$STEPDOWN" --require-socket -S "$(S loop.sock)" -- "$PROBE" report
  assert_status 69
  assert_contains "$RUN_ERR" "Too many levels of symbolic links"
}
check "symlinked socket is followed (as /var/run -> /run); a loop is reported" case_symlink

case_docker_host() {
  make_socket podman.sock 0 991 0660
  run in_ns env DOCKER_HOST="unix://$(S podman.sock)" "$STEPDOWN" -- "$PROBE" report
  assert_status 0
  assert_dropped 991
  run in_ns env DOCKER_HOST=tcp://127.0.0.1:2375 "$STEPDOWN" -v -- "$PROBE" report
  assert_status 0
  assert_dropped ""
  assert_contains "$RUN_ERR" "no socket group is needed"
  run in_ns env DOCKER_HOST=junk "$STEPDOWN" -- "$PROBE" report
  assert_status 64
}
check "DOCKER_HOST: unix:// path used, tcp:// needs no group, junk is a usage error" case_docker_host

case_read_only_etc() {
  make_socket docker.sock 0 988 0660
  run in_ns --etc-ro "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_dropped 988
  assert_report "ping:$(S docker.sock)" OK
  assert_contains "$RUN_ERR" "read-only"
  assert_contains "$RUN_ERR" "continuing with numeric group 988"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
  assert_no_temp_files
}
check "read-only /etc (docker run --read-only): warn once, continue with the number" case_read_only_etc

case_group_file_bind_mount() {
  make_socket docker.sock 0 988 0660
  run in_ns --group-file "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
  assert_contains "$RUN_ERR" "single-file bind mount"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
  assert_no_temp_files
}
check "/etc/group a single-file bind mount (rename gives EBUSY): untouched, continue" case_group_file_bind_mount

case_concurrent_edit_not_lost() {
  require_cmd python3
  make_socket docker.sock 0 988 0660
  # Another program holds /etc/.pwd.lock (fcntl, as vipw/groupadd take it),
  # stepdown plans meanwhile, the other program appends a line and releases.
  local ready=$SCENARIO_TMP/locked
  spawn in_ns python3 -c '
import fcntl, os, sys, time
fd = os.open("/etc/.pwd.lock", os.O_WRONLY | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[1], "w").close()
time.sleep(1.0)
with open("/etc/group", "a") as f:
    f.write("newgrp:x:2000:app\n")
time.sleep(0.2)
' "$ready"
  local locker=$SPAWN_PID
  wait_for_file "$ready"
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  local status=$RUN_STATUS out=$RUN_OUT err=$RUN_ERR
  reap "$locker"
  RUN_STATUS=$status RUN_OUT=$out RUN_ERR=$err
  assert_status 0
  assert_dropped 988
  assert_contains "$RUN_ERR" "changed by another program"
  assert_contains "$(cat "$SCENARIO_ETC/group")" "newgrp:x:2000:app" "the other program's line survives"
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_file_eq "$SCENARIO_ETC/group" "${BASE_GROUP}newgrp:x:2000:app"$'\n'"docker:x:988:app"$'\n' "the next start aligns"
}
check "a concurrent /etc/group edit under the lock is never overwritten" case_concurrent_edit_not_lost

case_no_group_file() {
  rm -f "$SCENARIO_ETC/group"
  make_socket docker.sock 0 988 0660
  run in_ns "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
  assert_no_file "$SCENARIO_ETC/group"
}
check "no /etc/group at all (scratch image): numeric group, no file created" case_no_group_file

case_non_root_start() {
  make_socket docker.sock 0 988 0660
  run in_ns --as 1000:1000 "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_report uid 1000,1000,1000
  assert_report no_new_privs 1
  assert_contains "$RUN_ERR" "--group-add 988"
  assert_contains "$RUN_ERR" 'group_add: ["988"]'
  assert_contains "$RUN_ERR" "supplementalGroups: [988]"
  run in_ns --as 1000:1000:988 "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report --ping "$(S docker.sock)"
  assert_status 0
  assert_report groups 988
  assert_report "ping:$(S docker.sock)" OK
  assert_eq "" "$RUN_ERR"
  run in_ns --as 1000:1000 "$STEPDOWN" --require-socket -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 69
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP"
}
check "non-root start: the exact hint, runs anyway; with the group it works; 69 when required" case_non_root_start

case_non_root_inherited_caps() {
  make_socket docker.sock 0 988 0660
  run in_ns setpriv --reuid 1000 --regid 1000 --clear-groups --inh-caps +setuid,+dac_override \
    --ambient-caps +setuid,+dac_override -- "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_report uid 1000,1000,1000
  assert_report cap_amb 0000000000000000
  assert_report cap_inh 0000000000000000
  assert_report cap_eff 0000000000000000
  assert_report cap_prm 0000000000000000
  assert_report setuid0 fails
  assert_report no_new_privs 1
}
check "non-root start with ambient capabilities from the launcher: shed before the app runs" case_non_root_inherited_caps

case_groups_gid0() {
  run in_ns "$STEPDOWN" --no-socket -G root -- "$PROBE" report
  assert_status 77
  assert_contains "$RUN_ERR" "--allow-gid0"
  assert_eq "" "$RUN_OUT"
  run in_ns "$STEPDOWN" --no-socket --allow-gid0 -G 0 -- "$PROBE" report
  assert_status 0
  assert_dropped 0
}
check "group 0 through --groups needs --allow-gid0 too" case_groups_gid0

case_gid0_not_writable() {
  make_socket docker.sock 0 0 0755
  run in_ns "$STEPDOWN" --allow-gid0 -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped ""
  assert_contains "$RUN_ERR" "mode 0755"
  assert_file_eq "$SCENARIO_ETC/group" "$BASE_GROUP" "root's group must not gain a member for nothing"
}
check "Docker Desktop's root:root 0755 socket: group 0 not granted even with --allow-gid0" case_gid0_not_writable

case_setuid_refused() {
  make_socket docker.sock 0 988 0660
  chmod u+s "$STEPDOWN"
  run in_ns --as 1000:1000 "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  chmod u-s "$STEPDOWN"
  assert_status 77
  assert_contains "$RUN_ERR" "set-user-ID"
  assert_eq "" "$RUN_OUT"
}
check "installed setuid root: refuses to run at all (77)" case_setuid_refused

case_root_target() {
  run in_ns "$STEPDOWN" -u 0:0 -- "$PROBE" report
  assert_status 77
  assert_contains "$RUN_ERR" "--allow-root-target"
  run in_ns "$STEPDOWN" -u root -- "$PROBE" report
  assert_status 77
  run in_ns "$STEPDOWN" --allow-root-target -u 0:0 -- "$PROBE" report
  assert_status 0
  assert_report uid 0,0,0
  assert_report cap_eff 0000000000000000
  assert_report cap_bnd 0000000000000000
  assert_report no_new_privs 1
}
check "target uid 0: refused (77) unless --allow-root-target, then no capabilities" case_root_target

case_inherited_caps_cleared() {
  make_socket docker.sock 0 988 0660
  run in_ns setpriv --inh-caps=+chown,+net_bind_service --ambient-caps=+net_bind_service -- \
    "$STEPDOWN" -S "$(S docker.sock)" -- "$PROBE" report
  assert_status 0
  assert_dropped 988
}
check "inherited and ambient capabilities from the engine are cleared (CVE-2022-24769 class)" case_inherited_caps_cleared

case_user_specs() {
  etc_write passwd $'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nsvc:x:1500:100::/srv:/bin/sh\n'
  etc_write group $'root:x:0:\nusers:x:100:\napp:x:1000:\nvideo:x:44:\n'
  local spec want
  while IFS='|' read -r spec want; do
    run in_ns "$STEPDOWN" -u "$spec" -- "$PROBE" report
    if [[ $want == exit:* ]]; then
      assert_status "${want#exit:}" "spec '$spec'"
      assert_eq "" "$RUN_OUT" "spec '$spec' must not run the app"
    else
      assert_status 0 "spec '$spec'"
      assert_eq "$want" "$(report_value uid | cut -d, -f1):$(report_value gid | cut -d, -f1):$(report_value home)" "spec '$spec'"
    fi
  done <<'TABLE'
app|1000:1000:/home/app
1000|1000:1000:/home/app
app:video|1000:44:/home/app
1000:44|1000:44:/home/app
svc|1500:100:/srv
svc:1000|1500:1000:/srv
3000:3000|3000:3000:/
3000|exit:67
nobody|exit:67
app:nogroup|exit:67
 1000|exit:64
1000:|exit:64
:|exit:64
-1|exit:64
4294967296|exit:64
4294968296|exit:64
0:0|exit:77
root|exit:77
TABLE
  run in_ns "$STEPDOWN" -u 3000 -- "$PROBE" report
  assert_contains "$RUN_ERR" "use --user 3000:3000"
  run in_ns "$STEPDOWN" -u 3000:3000 -- "$PROBE" report
  assert_report user "<unset>"
  assert_report logname "<unset>"
}
check "user spec table: spec -> uid:gid:HOME, refusals with their exit codes" case_user_specs

case_bad_etc_files() {
  rm -f "$SCENARIO_ETC/group"
  mkdir "$SCENARIO_ETC/group"
  run in_ns "$STEPDOWN" -- "$PROBE" report
  assert_status 65
  assert_contains "$RUN_ERR" "/etc/group"
  assert_eq "" "$RUN_OUT"
}
check "/etc/group is a directory: clear message, exit 65" case_bad_etc_files

case_exec_failures() {
  run in_ns "$STEPDOWN" -- /nonexistent/app
  assert_status 127
  assert_contains "$RUN_ERR" "cannot execute '/nonexistent/app'"
  make_file notexec 0 0 0644 "#!/bin/sh"
  run in_ns "$STEPDOWN" -- "$(S notexec)"
  assert_status 126
  run in_ns "$STEPDOWN" -- no-such-command-anywhere
  assert_status 127
}
check "exec failures: 127 not found, 126 not executable" case_exec_failures

case_allow_new_privs() {
  run in_ns "$STEPDOWN" --allow-new-privs -- "$PROBE" report
  assert_status 0
  assert_report no_new_privs 0
  assert_report cap_bnd 0000000000000000
}
check "--allow-new-privs leaves no_new_privs unset, still no capabilities" case_allow_new_privs

case_exit_code_passthrough() {
  run in_ns "$STEPDOWN" -- "$PROBE" exit 42
  assert_status 42
}
check "the app's exit code passes through (exec mode)" case_exit_code_passthrough

scenario_end
