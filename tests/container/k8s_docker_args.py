#!/usr/bin/env python3
"""Turns the first container of a Pod manifest into `docker run` arguments.

    k8s_docker_args.py MANIFEST SOCKET

There is no Kubernetes cluster here, so the container tests run the Pod's
container the way a Docker-based node would: its user, groups, capabilities,
privilege-escalation and read-only settings, environment, and the hostPath
docker socket (replaced by SOCKET, the test's relay). The image is not taken
from the manifest (the test supplies its own). Prints one argument per line.

Anything security-relevant it does not translate is an error rather than
silently dropped, so a manifest cannot pass the test by using a field the
emulation ignores.
"""
import sys

import yaml

KNOWN_POD = {"securityContext", "containers", "volumes"}
KNOWN_POD_SC = {"runAsUser", "runAsGroup", "runAsNonRoot", "supplementalGroups", "seccompProfile"}
KNOWN_CONTAINER = {"name", "image", "command", "args", "env", "securityContext", "volumeMounts"}
KNOWN_CONTAINER_SC = {"runAsUser", "runAsGroup", "runAsNonRoot", "allowPrivilegeEscalation",
                      "readOnlyRootFilesystem", "capabilities", "seccompProfile"}
SOCKET_PATHS = {"/var/run/docker.sock", "/run/docker.sock"}


def die(message):
    sys.exit(f"k8s_docker_args: {message}")


def check_keys(what, mapping, known):
    unknown = set(mapping or {}) - known
    if unknown:
        die(f"{what}: fields this emulation does not translate: {sorted(unknown)}")


def main(manifest_path, socket):
    with open(manifest_path) as f:
        pod = yaml.safe_load(f)
    if pod.get("kind") != "Pod":
        die("expected kind: Pod")
    spec = pod["spec"]
    check_keys("spec", spec, KNOWN_POD)
    pod_sc = spec.get("securityContext") or {}
    check_keys("spec.securityContext", pod_sc, KNOWN_POD_SC)
    container = spec["containers"][0]
    check_keys("container", container, KNOWN_CONTAINER)
    sc = container.get("securityContext") or {}
    check_keys("container securityContext", sc, KNOWN_CONTAINER_SC)
    for s in (pod_sc.get("seccompProfile"), sc.get("seccompProfile")):
        if s and s.get("type") != "RuntimeDefault":
            die("only seccompProfile RuntimeDefault (Docker's default profile) is translated")

    args = []
    # The container's settings win over the Pod's, as in Kubernetes.
    user = sc.get("runAsUser", pod_sc.get("runAsUser"))
    group = sc.get("runAsGroup", pod_sc.get("runAsGroup"))
    non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot", False))
    if non_root and (user is None or user == 0):
        die("runAsNonRoot needs a non-zero runAsUser (the kubelet would refuse to start it)")
    if user is not None:
        args += ["--user", f"{user}:{group}" if group is not None else str(user)]
    elif group is not None:
        die("runAsGroup without runAsUser is not translated")
    for gid in pod_sc.get("supplementalGroups") or []:
        args += ["--group-add", str(gid)]
    if sc.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    if sc.get("readOnlyRootFilesystem"):
        args += ["--read-only"]
    caps = sc.get("capabilities") or {}
    check_keys("capabilities", caps, {"drop", "add"})
    for cap in caps.get("drop") or []:
        args += ["--cap-drop", cap]
    for cap in caps.get("add") or []:
        args += ["--cap-add", cap]
    for env in container.get("env") or []:
        check_keys("env entry", env, {"name", "value"})
        args += ["-e", f"{env['name']}={env.get('value', '')}"]

    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount["name"]) or die(f"no volume {mount['name']!r}")
        host = volume.get("hostPath") or die(f"volume {mount['name']!r}: only hostPath is translated")
        if host.get("path") not in SOCKET_PATHS:
            die(f"hostPath {host.get('path')!r}: only the docker socket is translated")
        if host.get("type") not in (None, "Socket"):
            die(f"hostPath type {host.get('type')!r} for the socket")
        args += ["-v", f"{socket}:{mount['mountPath']}" + (":ro" if mount.get("readOnly") else "")]

    command = container.get("command") or []
    if command:
        args += ["--entrypoint", command[0]]
    # The image and the command after it are the caller's; the rest of an
    # explicit command would come first in the CMD position.
    args += ["@IMAGE@"] + command[1:] + (container.get("args") or [])
    print("\n".join(args))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        die("usage: k8s_docker_args.py MANIFEST SOCKET")
    main(sys.argv[1], sys.argv[2])
