#!/usr/bin/env bash
# Builds the gpuscale container images and gets them into a cluster, with docker, podman or
# nerdctl (the first found on the PATH, or the one named with --tool).
#
# Usage: scripts/images.sh [--tool docker|podman|nerdctl] [--version VERSION] COMMAND
#   build             mvn package (when the jars are missing), then build both images:
#                       ghcr.io/gpuscale/gpuscale-agent:VERSION, ghcr.io/gpuscale/gpuscale-adapter:VERSION
#   save [DIR]        write both images as tarballs to DIR (default target/images)
#   k3s-import [DIR]  import DIR's tarballs (saved first when missing) into this node's k3s
#                     containerd with `sudo k3s ctr images import`, and print how to do the same
#                     on the other nodes
#   push REGISTRY     tag both images as REGISTRY/gpuscale-{agent,adapter}:VERSION and push them
#                     (log in first: docker login REGISTRY)
# VERSION is the project's version in pom.xml without -SNAPSHOT (the tag the manifests and the
# Helm chart use), unless --version says otherwise.
# Exit status: 0 done; 1 a build, save, import or push failed; 2 bad usage or a missing tool.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=ghcr.io/gpuscale
COMPONENTS=(agent adapter)

usage_error() { echo "images.sh: $*" >&2; exit 2; }
fail() { echo "images.sh: $*" >&2; exit 1; }

TOOL=""
VERSION=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) [ $# -ge 2 ] || usage_error "--tool needs a value: docker, podman or nerdctl"; TOOL=$2; shift 2 ;;
    --tool=*) TOOL=${1#--tool=}; shift ;;
    --version) [ $# -ge 2 ] || usage_error "--version needs a value, e.g. 0.1.0"; VERSION=$2; shift 2 ;;
    --version=*) VERSION=${1#--version=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) usage_error "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage_error "no command: build, save [DIR], k3s-import [DIR] or push REGISTRY (see --help)"
COMMAND=$1
shift

if [ -z "$VERSION" ]; then
  VERSION=$(sed -n '/<artifactId>gpuscale-parent<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' pom.xml)
  VERSION=${VERSION%-SNAPSHOT}
  [ -n "$VERSION" ] || fail "could not read the project's version from pom.xml; give one with --version"
fi
# A tag is at most 128 characters of [A-Za-z0-9_.-], not starting with . or -.
[[ $VERSION =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || usage_error "--version '$VERSION' is not a valid image tag"

image() { echo "$PREFIX/gpuscale-$1:$VERSION"; }
tarball() { echo "$1/gpuscale-$2-$VERSION.tar"; }

# The container tool: the one named, or the first of docker, podman, nerdctl on the PATH.
container_tool() {
  if [ -n "$TOOL" ]; then
    case "$TOOL" in
      docker|podman|nerdctl) ;;
      *) usage_error "--tool must be docker, podman or nerdctl, got '$TOOL'" ;;
    esac
    command -v "$TOOL" >/dev/null || usage_error "$TOOL (--tool) is not on the PATH"
    return
  fi
  for t in docker podman nerdctl; do
    if command -v "$t" >/dev/null; then TOOL=$t; return; fi
  done
  usage_error "no container tool found: install docker, podman or nerdctl (or name one with --tool)"
}

run() { # COMMAND... : echoed, then run; a failure stops the script with its status
  echo "+ $*"
  "$@" || fail "$1 ${2:-} failed (exit status $?)"
}

build() {
  container_tool
  if [ ! -f agent/target/gpuscale-agent.jar ] || [ ! -f adapter/target/gpuscale-adapter.jar ]; then
    command -v mvn >/dev/null || usage_error "the jars are not built and mvn is not on the PATH: install Maven 3.8+"
    run mvn -q -B -DskipTests -pl agent,adapter -am package
  fi
  for c in "${COMPONENTS[@]}"; do
    run "$TOOL" build -f "$c/Dockerfile" --build-arg "VERSION=$VERSION" -t "$(image "$c")" "$c"
  done
  echo "built $(image agent) and $(image adapter) with $TOOL"
}

save() { # DIR
  local dir=$1
  container_tool
  mkdir -p "$dir"
  for c in "${COMPONENTS[@]}"; do
    run "$TOOL" save -o "$(tarball "$dir" "$c")" "$(image "$c")"
  done
  echo "saved $(tarball "$dir" agent) and $(tarball "$dir" adapter)"
}

k3s_import() { # DIR
  local dir=$1 c missing=false sudo=()
  command -v k3s >/dev/null || usage_error "k3s is not on the PATH: run k3s-import on a k3s node (or copy the tarballs there)"
  for c in "${COMPONENTS[@]}"; do [ -f "$(tarball "$dir" "$c")" ] || missing=true; done
  if $missing; then save "$dir"; fi
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || usage_error "importing into k3s needs root: run as root, or install sudo"
    sudo=(sudo)
  fi
  for c in "${COMPONENTS[@]}"; do
    run ${sudo[@]+"${sudo[@]}"} k3s ctr images import "$(tarball "$dir" "$c")"
  done
  cat <<TXT
imported $(image agent) and $(image adapter) into this node's k3s (check: sudo k3s ctr images list | grep gpuscale).
Every node that runs a gpuscale pod needs them (the agent runs on each GPU node). On each other node, either
  copy the tarballs and import them:
    scp $(tarball "$dir" agent) $(tarball "$dir" adapter) NODE:/tmp/
    ssh NODE sudo k3s ctr images import /tmp/gpuscale-agent-$VERSION.tar
    ssh NODE sudo k3s ctr images import /tmp/gpuscale-adapter-$VERSION.tar
  or drop them in k3s's image directory, imported when k3s starts (and while it runs, since
  k3s v1.32.0, v1.31.5, v1.30.9 and v1.29.13):
    scp $(tarball "$dir" agent) $(tarball "$dir" adapter) NODE:/tmp/
    ssh NODE 'sudo mkdir -p /var/lib/rancher/k3s/agent/images && sudo mv /tmp/gpuscale-*-$VERSION.tar /var/lib/rancher/k3s/agent/images/'
The manifests use these names with imagePullPolicy IfNotPresent, so no registry is needed.
TXT
}

push() { # REGISTRY
  local registry=${1%/} c target
  container_tool
  for c in "${COMPONENTS[@]}"; do
    target="$registry/gpuscale-$c:$VERSION"
    if [ "$target" != "$(image "$c")" ]; then
      run "$TOOL" tag "$(image "$c")" "$target"
    fi
    run "$TOOL" push "$target"
  done
  cat <<TXT
pushed $registry/gpuscale-agent:$VERSION and $registry/gpuscale-adapter:$VERSION. Point the install at them:
  kustomize: cd deploy/overlays/<overlay> && kustomize edit set image $PREFIX/gpuscale-agent=$registry/gpuscale-agent:$VERSION $PREFIX/gpuscale-adapter=$registry/gpuscale-adapter:$VERSION
  Helm:      helm install gpuscale deploy/helm/gpuscale --set image.registry=$registry \\
               --set image.agentRepository=gpuscale-agent --set image.adapterRepository=gpuscale-adapter --set image.tag=$VERSION
TXT
}

case "$COMMAND" in
  build)
    [ $# -eq 0 ] || usage_error "build takes no argument, got '$1'"
    build ;;
  save)
    [ $# -le 1 ] || usage_error "save takes one directory"
    save "${1:-target/images}" ;;
  k3s-import)
    [ $# -le 1 ] || usage_error "k3s-import takes one directory"
    k3s_import "${1:-target/images}" ;;
  push)
    [ $# -eq 1 ] || usage_error "push needs the registry to push to, e.g. push registry.example.com/gpuscale"
    [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._:/-]*$ ]] || usage_error "'$1' is not a registry path (e.g. registry.example.com:5000/gpuscale)"
    push "$1" ;;
  *) usage_error "unknown command '$COMMAND': build, save [DIR], k3s-import [DIR] or push REGISTRY (see --help)" ;;
esac
