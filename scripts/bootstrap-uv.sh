# Sourced by scripts/run and scripts/test: puts `uv` on PATH, installing it with pip if
# needed. Works on a fresh machine with Python 3.11+ and pip; never downloads a Python.
# shellcheck shell=bash
# No interpreter downloads: the machine has Python already, and only PyPI is reachable.
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"
if ! command -v uv >/dev/null 2>&1; then
  python="$(command -v python3 || command -v python || true)"
  [[ -n "$python" ]] || { echo "${0##*/}: Python 3.11+ is needed (python3 not found)" >&2; exit 1; }
  if "$python" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
    in_venv=1   # inside a virtualenv --user is not allowed: install into it
    bin_dir="$("$python" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  else
    in_venv=0
    bin_dir="$("$python" -m site --user-base)/bin"
  fi
  export PATH="$bin_dir:$PATH"   # also finds a uv that an earlier run installed
  if ! command -v uv >/dev/null 2>&1; then
    if ! "$python" -m pip --version >/dev/null 2>&1; then
      echo "${0##*/}: uv is missing and $python has no pip to install it with;" \
           "install pip (Debian/Ubuntu: apt-get install python3-pip) or uv itself, then run again" >&2
      exit 1
    fi
    echo "${0##*/}: installing uv with pip" >&2
    if (( in_venv )); then
      "$python" -m pip install --quiet uv
    else
      # Debian's Python refuses user installs unless told (PEP 668); uv is one static binary.
      "$python" -m pip install --quiet --user uv 2>/dev/null \
        || "$python" -m pip install --quiet --user --break-system-packages uv
    fi
  fi
  command -v uv >/dev/null 2>&1 || { echo "${0##*/}: uv was installed but is not in $bin_dir" >&2; exit 1; }
fi

# The README's other commands run `uv` in a new shell: as root, put it where every login
# shell looks (a user install lands in ~/.local/bin, which is not on root's PATH).
uv_path="$(command -v uv)"
if [[ "$(id -u)" -eq 0 && "$uv_path" != /usr/local/bin/uv && -d /usr/local/bin && -w /usr/local/bin ]] \
   && ! [[ -e /usr/local/bin/uv ]]; then
  ln -s "$uv_path" /usr/local/bin/uv && echo "${0##*/}: linked $uv_path into /usr/local/bin" >&2
fi

# The environment from the lock file, compiled to bytecode, and the project's own modules
# too. Where Python may not write its caches (PYTHONDONTWRITEBYTECODE, a read-only
# checkout) every process would compile its imports from source at each start: about 5 s
# for the worker, the web layer, each typesetting process and each test's subprocesses on
# a 2-core machine.
sync_environment() {
  uv sync --frozen --compile-bytecode "$@"
  uv run --frozen python -m compileall -q -j 0 -x '/(\.venv|data|mutants|artifacts)/' . >/dev/null
}
