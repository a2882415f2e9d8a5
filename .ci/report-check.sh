#!/usr/bin/env bash
# CI: writes the HTML report of a results folder and checks, in Debian's headless Chromium, that
# every chart on it rendered with no script error, none wider than the page, no overlapping tick
# labels, and that every variant is reachable: .ci/report-driver.js, appended to a copy of the
# page, picks every variant in each variant selector and checks its panels are on view and drawn.
#   .ci/report-check.sh RESULTS_DIR [SCREENSHOT.png]
# Installs the `chromium` Debian package with apt-get when missing (no browser downloads from
# elsewhere). The report comes from `lbsim report` (the check fails if the CLI lacks it). The page
# sets on <body>: data-charts-expected
# (written by the generator), data-charts-rendered, data-chart-errors, data-charts-done; the driver
# data-check-picks, data-check-variants, data-check-problems, data-check-done.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
results="${1:?usage: .ci/report-check.sh RESULTS_DIR [SCREENSHOT.png]}"
results="$(realpath -m "$results")"
shot="${2:-}"
[ -d "$results" ] || { echo "report-check.sh: expected a results folder, got '$results'" >&2; exit 2; }

browser="$(command -v chromium || true)"
if [ -z "$browser" ]; then
  echo 'report-check.sh: installing chromium (apt-get)'
  sudo_=''; [ "$(id -u)" -eq 0 ] || sudo_='sudo'
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends chromium >/dev/null
  browser="$(command -v chromium)"
fi

cd "$root"
out="$results/report.html"
# `lbsim --help` lists the commands; commander answers `report --help` with exit 0 even when
# there is no such command, so look at the list instead.
if ! node bin/lbsim.js --help 2>/dev/null | grep -Eq '^  report\b'; then
  echo 'report-check.sh: `lbsim report` is missing from the CLI (dist/ not built?)' >&2
  exit 1
fi
node bin/lbsim.js report "$results" >/dev/null
[ -s "$out" ] || { echo "report-check.sh: $out was not written" >&2; exit 1; }
if grep -Eiq '<script[^>]+src=|<link[^>]+href="?https?:' "$out"; then
  echo "report-check.sh: $out loads scripts or styles from elsewhere: it must be self-contained" >&2
  exit 1
fi

profile="$(mktemp -d)"
dom="$(mktemp)"
trap 'rm -rf "$profile" "$dom"' EXIT
# The page with the driver after its own script (scripts run in document order).
page="$profile/report-check.html"
sed '$d' "$out" | sed '$d' >"$page"
[ "$(tail -n 2 "$out" | tr -d '\n')" = '</body></html>' ] || { echo "report-check.sh: $out does not end with </body></html>" >&2; exit 1; }
{ printf '<script>'; cat "$root/.ci/report-driver.js"; printf '</script>\n</body>\n</html>\n'; } >>"$page"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$profile" --virtual-time-budget=10000 --window-size=1280,900)
timeout 180 "$browser" "${flags[@]}" --dump-dom "file://$page" >"$dom" 2>/dev/null

body="$(grep -o '<body[^>]*>' "$dom" | head -1 || true)"
attr() { sed -n "s/.*$1=\"\([^\"]*\)\".*/\1/p" <<<"$body"; }
expected="$(attr data-charts-expected)"
rendered="$(attr data-charts-rendered)"
errors="$(attr data-chart-errors)"
done_="$(attr data-charts-done)"
overflow="$(attr data-charts-overflow)"
overlaps="$(attr data-tick-overlaps)"
picks="$(attr data-check-picks)"
variants="$(attr data-check-variants)"
problems="$(attr data-check-problems)"
check_done="$(attr data-check-done)"
echo "report-check.sh: $out: expected=${expected:-?} rendered=${rendered:-?} errors=${errors:-?} overflow=${overflow:-?} tick-overlaps=${overlaps:-?} done=${done_:-?} variants=${variants:-?} picks=${picks:-?} check-problems=${problems:-?} ($(wc -c <"$out") bytes)"
fail=''
[ "$done_" = 1 ] || fail='the page script did not finish'
[ -n "$expected" ] && [ "$expected" -gt 0 ] || fail="${fail:+$fail; }no charts expected: nothing was tested"
[ "$rendered" = "$expected" ] || fail="${fail:+$fail; }rendered ${rendered:-none} of ${expected:-?} charts"
[ "$errors" = 0 ] || fail="${fail:+$fail; }${errors:-?} chart error(s)"
[ "$overflow" = 0 ] || fail="${fail:+$fail; }${overflow:-?} chart(s) wider than the page"
[ "$overlaps" = 0 ] || fail="${fail:+$fail; }${overlaps:-?} overlapping tick label(s)"
[ "$check_done" = 1 ] || fail="${fail:+$fail; }the check's driver did not finish"
[ "$problems" = 0 ] || fail="${fail:+$fail; }${problems:-?} problem(s) picking the variants"
if [ -n "$fail" ]; then
  echo "report-check.sh: FAILED: $fail" >&2
  sed -n '/<pre id="chart-errors">/,/<\/pre>/p' "$dom" >&2
  sed -n '/<pre id="check-problems">/,/<\/pre>/p' "$dom" >&2
  exit 1
fi
if [ -n "$shot" ]; then
  timeout 120 "$browser" "${flags[@]/--window-size=1280,900/--window-size=1280,8000}" --hide-scrollbars \
    --screenshot="$(realpath -m "$shot")" "file://$out" >/dev/null 2>&1
  echo "report-check.sh: screenshot $shot"
fi
echo 'report-check.sh: ok'
