# Sourced by scripts/demo.sh and scripts/test.sh: install the project into .venv when needed.
#
# `install_briefbot EXTRA` (EXTRA is "" or "test") creates .venv if missing and installs the
# project, editable, from constraints.txt (every dependency pinned). The install is skipped when a
# stamp in .venv says the same pyproject.toml, constraints.txt and extra were installed already:
# sources need no reinstall in an editable install, so a second run starts at once. pip's and
# setuptools' output goes to .venv/install.log and is shown only when the install fails.

install_briefbot() {
  local extra="$1" target="." stamp_file=".venv/.briefbot-install${1:+-$1}" stamp log
  [ -n "$extra" ] && target=".[$extra]"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  stamp="$( (cat pyproject.toml constraints.txt; echo "$extra"; .venv/bin/python -V) | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    return 0
  fi
  log=.venv/install.log
  echo "Installing briefbot${extra:+ with its $extra extra} into .venv (once; later runs skip this)..." >&2
  if ! { .venv/bin/python -m pip install -q --upgrade pip \
      && .venv/bin/python -m pip install -q -c constraints.txt -e "$target"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install failed (log above, also in $log)" >&2
    return 1
  fi
  echo "$stamp" >"$stamp_file"
}
