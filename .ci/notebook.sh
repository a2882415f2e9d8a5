#!/usr/bin/env bash
# CI: executes notebooks/analysis.ipynb against a results folder and checks its figures.
#   .ci/notebook.sh RESULTS_DIR [FIGURES_DIR]
# Installs Debian's python3-pandas, python3-matplotlib and jupyter-nbconvert (plus the Python
# kernel) with apt-get when they are missing. Fails if the notebook fails, or if a figure that the
# data calls for is missing or empty. Which figures are expected is decided here from the CSVs
# themselves (stdlib csv, independent of the notebook's own logic).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
results="${1:?usage: .ci/notebook.sh RESULTS_DIR [FIGURES_DIR]}"
results="$(realpath -m "$results")"
figures="$(realpath -m "${2:-$results/figures}")"
[ -d "$results" ] || { echo "notebook.sh: expected a results folder, got '$results'" >&2; exit 2; }

if ! /usr/bin/python3 -c 'import pandas, matplotlib, nbconvert, ipykernel, matplotlib_inline' 2>/dev/null \
  || [ ! -x /usr/bin/jupyter-nbconvert ]; then
  echo 'notebook.sh: installing python3-pandas python3-matplotlib jupyter-nbconvert python3-ipykernel (apt-get)'
  sudo_=''; [ "$(id -u)" -eq 0 ] || sudo_='sudo'
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends \
    python3-pandas python3-matplotlib jupyter-nbconvert python3-ipykernel python3-matplotlib-inline >/dev/null
fi

# Stale figures must not satisfy the check: remove earlier PNGs and the manifest (only those).
if [ -d "$figures" ]; then find "$figures" -name '*.png' -type f -delete; rm -f "$figures/manifest.json"; fi
"$root/notebooks/run.sh" "$results" "$figures"

/usr/bin/python3 - "$results" "$figures" <<'PY'
import csv, json, os, sys
results, figures = sys.argv[1], sys.argv[2]
TABLES = ('summary', 'timeseries', 'errors', 'pods', 'propagation', 'events')

def rows(folder, table):
    path = os.path.join(folder, table + '.csv')
    if not os.path.exists(path):
        return None, []
    with open(path, newline='') as f:
        r = list(csv.reader(f))
    return (r[0] if r else None), r[1:]

def folders(root):
    if any(os.path.exists(os.path.join(root, t + '.csv')) for t in TABLES):
        return [root]
    return sorted(os.path.join(root, d) for d in os.listdir(root)
                  if os.path.isdir(os.path.join(root, d)) and any(os.path.exists(os.path.join(root, d, t + '.csv')) for t in TABLES))

def scenario_name(folder):
    if folder != results:
        return os.path.basename(folder)
    try:
        named = json.load(open(os.path.join(folder, 'run.json'))).get('scenario')
    except (OSError, ValueError, AttributeError):
        named = None
    named = named.get('name') if isinstance(named, dict) else named
    return named if isinstance(named, str) and named else os.path.basename(folder)

problems, checked = [], 0
for folder in folders(results):
    name = scenario_name(folder)
    expected = []
    h, r = rows(folder, 'summary')
    if r:
        expected.append('latency_cdf')
        between = h[h.index('variant') + 1:h.index('balancer')] if 'variant' in h and 'balancer' in h else []
        if between:
            expected.append('sweep')
    if rows(folder, 'timeseries')[1]:
        expected.append('timeseries')
    h, r = rows(folder, 'errors')
    if r and h and 'count' in h:
        lvl, cnt = (h.index('level') if 'level' in h else None), h.index('count')
        if any(float(x[cnt] or 0) > 0 and (lvl is None or x[lvl] == 'final') for x in r):
            expected.append('errors')
    if rows(folder, 'pods')[1]:
        expected.append('pod_load')
    h, r = rows(folder, 'propagation')
    if r and 'delay_ms' in h and any(x[h.index('delay_ms')] not in ('', 'inf') for x in r):
        expected.append('propagation_cdf')
    for fig in expected:
        path = os.path.join(figures, name, fig + '.png')
        checked += 1
        if not os.path.exists(path):
            problems.append(f'{name}: expected {fig}.png, missing ({path})')
        else:
            with open(path, 'rb') as f:
                head = f.read(8)
            if head != b'\x89PNG\r\n\x1a\n' or os.path.getsize(path) < 5000:
                problems.append(f'{name}: {fig}.png is not a plausible PNG ({os.path.getsize(path)} bytes)')
    print(f'notebook.sh: {name}: expected {", ".join(expected) or "no figures (no data)"}')
if not os.path.exists(os.path.join(figures, 'manifest.json')):
    problems.append('manifest.json missing: the notebook did not finish')
if problems:
    print('\n'.join('notebook.sh: ' + p for p in problems), file=sys.stderr)
    sys.exit(1)
if checked == 0:
    print(f'notebook.sh: {results} holds no data to plot: expected at least one figure', file=sys.stderr)
    sys.exit(1)
print(f'notebook.sh: ok, {checked} figures present in {figures}')
PY
