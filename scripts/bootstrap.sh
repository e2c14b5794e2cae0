# Sourced by ./run and ./test: finds Python 3.12+, builds .venv and installs Kehu into it.
# Usage: source scripts/bootstrap.sh [dev]
set -euo pipefail

KEHU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$KEHU_ROOT/.venv"

find_python() {
    local candidate
    for candidate in "${KEHU_PYTHON:-}" python3.13 python3.12 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    local root
    root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
    for candidate in "$root"/versions/3.13*/bin/python3 "$root"/versions/3.12*/bin/python3; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

apt_install() {
    # Installs Debian packages when missing; the machines this runs on are Debian and root.
    if [ "$(id -u)" -ne 0 ]; then
        echo "kehu: please install the Debian packages: $*" >&2
        return 1
    fi
    if [ ! -f /tmp/.kehu-apt-updated ]; then
        apt-get update -qq && touch /tmp/.kehu-apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

extras="${1:-}"
if [ ! -x "$VENV/bin/python" ]; then
    if ! PYTHON="$(find_python)"; then
        echo "kehu: Python 3.12 or newer is required. Install it (for example 'pyenv install 3.12') or set KEHU_PYTHON." >&2
        exit 1
    fi
    echo "kehu: creating .venv with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi

# Reinstall only when pyproject.toml changed; a dev install also serves a plain run.
stamp="$VENV/.kehu-installed"
digest="$(sha256sum "$KEHU_ROOT/pyproject.toml" | cut -d' ' -f1)"
installed="$(cat "$stamp" 2>/dev/null || true)"
if [ "$installed" != "$digest $extras" ] && [ "$installed" != "$digest dev" ]; then
    echo "kehu: installing Python packages"
    spec="$KEHU_ROOT"
    [ -n "$extras" ] && spec="$KEHU_ROOT[$extras]"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec" 2>&1 |
        grep -v "^WARNING: Location" || true
    echo "$digest $extras" >"$stamp"
fi

command -v msgfmt >/dev/null 2>&1 || apt_install gettext
# Quote PDFs embed Noto Sans CJK unless KEHU_PDF_FONT names another font (see README.md).
if [ -z "${KEHU_PDF_FONT:-}" ] && [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
    apt_install fonts-noto-cjk
fi

export PATH="$VENV/bin:$PATH"
# A developer machine: a generated secret key under var/ and open local hosts are fine.
export DEBUG="${DEBUG:-1}"
