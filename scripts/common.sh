# Shared by scripts/run and scripts/test: install what is missing, idempotently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Tools cargo installs (tauri-driver) land here.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Debian packages the build needs: a C compiler for the bundled SQLite, pkg-config for -sys crates,
# OpenSSL headers for SQLCipher (the home's encryption) and the WebSocket client that reaches an
# automerge-repo relay (wss://).
BUILD_PACKAGES=(build-essential pkg-config libssl-dev)

ensure_apt_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "cargo not found: install the Rust toolchain (rustup, stable, with clippy and rustfmt) first" >&2
        exit 1
    fi
}

ensure_build_tools() {
    ensure_apt_packages "${BUILD_PACKAGES[@]}"
    ensure_rust
}

# The desktop app (Tauri 2 on WebKitGTK) and its UI (TypeScript, built by Vite from npm).
DESKTOP_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev)
# End-to-end tests of the real window: a virtual display, WebKit's WebDriver, Japanese fonts, screenshots;
# poppler renders the archive's and print PDFs to images and text in tests/archive.rs; a private D-Bus
# session bus stands for the desktop's, whose screen lock locks the window.
E2E_PACKAGES=(xvfb webkit2gtk-driver fonts-noto-cjk imagemagick poppler-utils dbus-daemon dbus-bin)

ensure_ui() {
    command -v npm >/dev/null 2>&1 || ensure_apt_packages nodejs npm
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
}

# The automerge-repo sync server (npm) that tests/sync.rs starts as a relay between two laptops.
ensure_relay() {
    command -v npm >/dev/null 2>&1 || ensure_apt_packages nodejs npm
    # `npm install`, not `npm ci`: the registry this machine reaches lacks cbor-extract's optional
    # platform packages, which `npm ci` insists the lock file list.
    [ -f "$ROOT/tests/relay/node_modules/@automerge/automerge-repo-sync-server/src/index.js" ] ||
        (cd "$ROOT/tests/relay" && npm install --no-audit --no-fund --loglevel=error)
    # A relay on the current automerge-repo (2.x) beside the pinned sync server.
    [ -d "$ROOT/tests/relay/v2/node_modules/@automerge/automerge-repo-storage-nodefs" ] ||
        (cd "$ROOT/tests/relay/v2" && npm install --no-audit --no-fund --loglevel=error)
}

ensure_tauri_driver() {
    command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --locked --quiet
}
