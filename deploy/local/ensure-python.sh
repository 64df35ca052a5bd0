#!/usr/bin/env bash
# Print the path of a Python 3.11 interpreter, installing one when the system
# has only another version: with uv (from PyPI, into .venv-tools/uv), which
# fetches a standalone CPython 3.11. The runtime pins (nameko 2.14, eventlet
# 0.33) need 3.11 (docs/architecture.md).
set -eu
want=3.11
for candidate in "${PYTHON:-}" python3.11 python3; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1 &&
     [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$want" ]; then
    command -v "$candidate"
    exit 0
  fi
done
tools=.venv-tools/uv
if [ ! -x "$tools/bin/uv" ]; then
  echo "Python $want is not installed; fetching it with uv..." >&2
  if ! python3 -m venv "$tools" >/dev/null 2>&1; then
    # Debian/Ubuntu ship venv separately.
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq >&2 && as_root apt-get install -y -qq python3-venv >&2
    python3 -m venv "$tools" >&2
  fi
  "$tools/bin/pip" install -q uv >&2
fi
"$tools/bin/uv" python install "$want" >&2
"$tools/bin/uv" python find "$want"
