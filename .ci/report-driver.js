// The report check's user: appended to a copy of report.html by .ci/report-check.sh and
// test/report/chromium.ts, it clicks through every variant selector as a reader would (sets the
// option, fires `change`) and checks after each pick that every panel of the picked variant is
// on view, drawn and inside the page, that no other variant's panel shows, that no tick labels
// overlap, and that every variant of the scenario (the generator's data-variants) is offered.
// Publishes on <body>: data-check-picks (selections made), data-check-variants (variants seen),
// data-check-problems (count; the text in <pre id="check-problems">), data-check-overflow and
// data-check-overlaps (summed over every state of the page), data-check-done.
(() => {
  const body = document.body;
  const problems = [];
  let picks = 0;
  let variants = 0;
  let overflow = 0;
  let overlaps = 0;
  const R = window.lbsimReport;
  const measure = (what) => {
    const l = R.layout();
    overflow += l.overflow;
    overlaps += l.overlaps;
    if (l.overflow) problems.push(`${what}: ${l.overflow} chart(s) wider than the page`);
    if (l.overlaps) problems.push(`${what}: ${l.overlaps} overlapping tick label(s)`);
  };
  const onView = (fig) => {
    const c = fig.querySelector('canvas');
    if (!c || fig.offsetParent === null) return false;
    const r = c.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  /** Picks `v` in `sel` as a reader would and checks what the section shows. */
  const pickAndCheck = (sel, figs, v) => {
    const section = sel.getAttribute('data-section');
    sel.value = v;
    sel.dispatchEvent(new Event('change'));
    picks++;
    let mine = 0;
    for (const fig of figs) {
      const want = v === '*' || fig.getAttribute('data-variant') === v;
      const canvas = fig.querySelector('canvas');
      const id = canvas ? canvas.id : '?';
      if (want) mine++;
      if (want && !onView(fig)) problems.push(`${section} variant ${v}: ${id} not on view`);
      else if (want && !(Number(canvas.getAttribute('data-rendered')) > 0))
        problems.push(`${section} variant ${v}: ${id} not drawn`);
      if (!want && onView(fig))
        problems.push(`${section} variant ${v}: ${id} (another variant) on view`);
    }
    if (mine === 0) problems.push(`${section} variant ${v}: no panel`);
    measure(`${section} variant ${v}`);
  };
  try {
    if (!R) throw new Error('the page script did not start (no window.lbsimReport)');
    measure('at load');
    for (const sel of document.querySelectorAll('select.variant-pick')) {
      const section = sel.getAttribute('data-section');
      const expected = Number(sel.getAttribute('data-variants'));
      const figs = [...document.querySelectorAll(`figure[data-section="${section}"]`)];
      const values = [...sel.options].map((o) => o.value);
      const offered = values.filter((v) => v !== '*');
      variants += offered.length;
      if (offered.length !== expected)
        problems.push(
          `${section}: ${offered.length} variants offered, the scenario has ${expected}`,
        );
      for (const v of new Set(figs.map((f) => f.getAttribute('data-variant'))))
        if (!offered.includes(v))
          problems.push(`${section}: a panel of variant ${v} that no option shows`);
      for (const v of values) pickAndCheck(sel, figs, v);
    }
  } catch (e) {
    problems.push(`check: ${e?.message ? e.message : String(e)}`);
  }
  const pre = document.createElement('pre');
  pre.id = 'check-problems';
  pre.textContent = problems.join('\n');
  body.appendChild(pre);
  body.setAttribute('data-check-picks', String(picks));
  body.setAttribute('data-check-variants', String(variants));
  body.setAttribute('data-check-problems', String(problems.length));
  body.setAttribute('data-check-overflow', String(overflow));
  body.setAttribute('data-check-overlaps', String(overlaps));
  body.setAttribute('data-check-done', '1');
})();
