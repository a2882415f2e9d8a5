#!/usr/bin/env bash
# Executes notebooks/analysis.ipynb headless against a results folder.
#   notebooks/run.sh [RESULTS_DIR] [FIGURES_DIR]
# RESULTS_DIR defaults to results/demo, FIGURES_DIR to RESULTS_DIR/figures. The executed notebook
# (with its outputs) is written to FIGURES_DIR/analysis.executed.ipynb; the committed notebook
# stays clean. Exits non-zero if any cell fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
results="$(realpath -m "${1:-$root/results/demo}")"
figures="$(realpath -m "${2:-$results/figures}")"
[ -d "$results" ] || { echo "run.sh: expected a results folder, got '$results'" >&2; exit 2; }
# Debian's packages (the notebook needs nothing from pip).
if ! /usr/bin/python3 -c 'import pandas, matplotlib, nbconvert, ipykernel, matplotlib_inline' 2>/dev/null \
  || [ ! -x /usr/bin/jupyter-nbconvert ]; then
  echo 'run.sh: missing Python packages; install them with:' >&2
  echo '  sudo apt-get install python3-pandas python3-matplotlib jupyter-nbconvert python3-ipykernel python3-matplotlib-inline' >&2
  exit 2
fi
mkdir -p "$figures"
# Debian's jupyter and kernel live in /usr/bin; a pyenv or venv python earlier on PATH has no pandas.
export PATH="/usr/bin:$PATH"
# Silences debugpy's frozen-modules note on every kernel start.
export PYDEVD_DISABLE_FILE_VALIDATION=1
export LBSIM_RESULTS="$results" LBSIM_FIGURES="$figures" MPLBACKEND="${MPLBACKEND:-module://matplotlib_inline.backend_inline}"
jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
  --output-dir "$figures" --output analysis.executed.ipynb "$root/notebooks/analysis.ipynb"
echo "run.sh: figures in $figures (manifest.json lists them), executed notebook $figures/analysis.executed.ipynb"
