/**
 * Closed-form queueing results the validation suite checks lbsim against. Sources are given per
 * function; docs/VALIDATION.md lists them with the measured values.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';

/** M/M/1 mean sojourn 1/(mu - lambda) (Kleinrock, Queueing Systems vol. 1, 3.2). */
export function mm1MeanSojourn(lambda: number, mu: number): number {
  if (lambda >= mu) throw new Error(`unstable M/M/1: lambda ${lambda} >= mu ${mu}`);
  return 1 / (mu - lambda);
}

/** M/M/1 sojourn is exponential with rate mu - lambda, so its q-quantile is -ln(1-q)/(mu-lambda). */
export function mm1SojournQuantile(lambda: number, mu: number, q: number): number {
  return -Math.log(1 - q) / (mu - lambda);
}

/**
 * E_N/M/1 (a GI/M/1 queue whose interarrival times are Erlang-N, e.g. one pod of N behind a
 * round-robin dispatcher fed by a Poisson stream): sigma is the root in (0, 1) of
 * sigma = A*(mu (1 - sigma)) with A*(s) = (N lambda / (N lambda + s))^N, i.e.
 * sigma = (N rho / (N rho + 1 - sigma))^N. Sojourn ~ Exp(mu (1 - sigma)) (Kleinrock vol. 1, 6.4;
 * Gross & Harris, Fundamentals of Queueing Theory, GI/M/1).
 * sigma = 1 is always a root too, so we iterate the fixed point from 0: the map is increasing
 * and convex, so the iteration rises monotonically to the smallest root, the one in (0, 1).
 */
export function gim1Sigma(n: number, rho: number): number {
  if (!(rho > 0 && rho < 1)) throw new Error(`rho must be in (0, 1), got ${rho}`);
  let s = 0;
  for (let i = 0; i < 100_000; i++) {
    const next = ((n * rho) / (n * rho + 1 - s)) ** n;
    if (Math.abs(next - s) < 1e-15) return next;
    s = next;
  }
  return s;
}

/** Mean sojourn of E_N/M/1: 1 / (mu (1 - sigma)). */
export function enm1MeanSojourn(n: number, lambdaPerServer: number, mu: number): number {
  const sigma = gim1Sigma(n, lambdaPerServer / mu);
  return 1 / (mu * (1 - sigma));
}

/** Erlang C: probability an arrival waits in M/M/c with offered load a = lambda/mu < c. */
export function erlangC(c: number, a: number): number {
  if (a >= c) throw new Error(`unstable M/M/c: a ${a} >= c ${c}`);
  // Erlang B by the stable recurrence, then C = B / (1 - (a/c)(1 - B)).
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return b / (1 - (a / c) * (1 - b));
}

/** M/M/c mean sojourn: C(c, a) / (c mu - lambda) + 1/mu. */
export function mmcMeanSojourn(c: number, lambda: number, mu: number): number {
  return erlangC(c, lambda / mu) / (c * mu - lambda) + 1 / mu;
}

/** Two-sided Student t quantile t_{1-alpha/2, df} by bisection on the t CDF (regularized beta). */
export function tQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const ib = regIncBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - 0.5 * ib : 0.5 * ib;
}

function logGamma(z: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = c[0] as number;
  for (let i = 1; i < g + 2; i++) x += (c[i] as number) / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

function regIncBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  if (x < (a + 1) / (a + b + 2)) return (bt * betaCf(x, a, b)) / a;
  return 1 - (bt * betaCf(1 - x, b, a)) / b;
}

function betaCf(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < 1e-300) d = 1e-300;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = 1 + aa / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

export interface CiCheck {
  mean: number;
  halfWidth: number;
  theory: number;
  tolerance: number;
  ok: boolean;
  describe: string;
}

/**
 * The acceptance rule of every validation case: the theory value must lie within the
 * replications' confidence interval widened by a small relative allowance for what the
 * simulation cannot remove (finite run length bias after warmup, histogram quantile error):
 * |mean - theory| <= t_{(1+conf)/2, R-1} * s / sqrt(R) + relSlack * theory.
 */
export function checkAgainstTheory(
  values: readonly number[],
  theory: number,
  opts: { confidence?: number; relSlack?: number } = {},
): CiCheck {
  const conf = opts.confidence ?? 0.99;
  const relSlack = opts.relSlack ?? 0.01;
  if (values.length < 2)
    throw new Error('need at least two replications for a confidence interval');
  const m = mean(values as number[]);
  const s = sampleStandardDeviation(values as number[]);
  const half = tQuantile((1 + conf) / 2, values.length - 1) * (s / Math.sqrt(values.length));
  const tolerance = half + relSlack * Math.abs(theory);
  const ok = Math.abs(m - theory) <= tolerance;
  return {
    mean: m,
    halfWidth: half,
    theory,
    tolerance,
    ok,
    describe: `simulated ${m.toPrecision(5)} +- ${half.toPrecision(3)} (${(conf * 100).toFixed(1)}% CI, R=${values.length}) vs theory ${theory.toPrecision(5)}; allowed |diff| <= ${tolerance.toPrecision(3)}`,
  };
}

/**
 * M/M/c FIFO sojourn tail P(T > t). T = W + S with S ~ Exp(mu) independent of the wait W, and
 * P(W > x) = C e^{-theta x}, theta = c mu - lambda (Gross & Harris, M/M/c waiting-time
 * distribution). Given a wait, W ~ Exp(theta), and W + S is hypoexponential:
 * P(W + S > t) = (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu) (theta != mu), and
 * (1 + mu t) e^{-mu t} in the limit theta = mu. So P(T > t) = (1 - C) e^{-mu t} + C P(W + S > t).
 */
export function mmcSojournTail(t: number, c: number, lambda: number, mu: number): number {
  const pw = erlangC(c, lambda / mu);
  return (1 - pw) * Math.exp(-mu * t) + pw * hypoTail(t, c * mu - lambda, mu);
}

function hypoTail(t: number, theta: number, mu: number): number {
  if (Math.abs(theta - mu) < 1e-9 * mu) return Math.exp(-mu * t) * (1 + mu * t);
  return (theta * Math.exp(-mu * t) - mu * Math.exp(-theta * t)) / (theta - mu);
}

/** The q-quantile of the M/M/c sojourn (bisection on the decreasing tail). */
export function mmcSojournQuantile(q: number, c: number, lambda: number, mu: number): number {
  let lo = 0;
  let hi = 1;
  while (mmcSojournTail(hi, c, lambda, mu) > 1 - q) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mmcSojournTail(mid, c, lambda, mu) > 1 - q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * P(wait) of an M/M/c queue recovered from one point of its sojourn distribution: the tail
 * above is linear in C, so a measured q-quantile t gives
 * C = (1 - q - e^{-mu t}) / (P(W + S > t) - e^{-mu t}).
 */
export function mmcWaitProbabilityFromQuantile(
  t: number,
  q: number,
  c: number,
  lambda: number,
  mu: number,
): number {
  const e = Math.exp(-mu * t);
  return (1 - q - e) / (hypoTail(t, c * mu - lambda, mu) - e);
}

/**
 * The supermarket model's large-N expected time in system with d choices, mu = 1
 * (M. Mitzenmacher, IEEE TPDS 12(10), 2001): T_d(lambda) = sum_{i>=1} lambda^((d^i - d)/(d - 1)).
 */
export function supermarketMeanSojourn(lambda: number, d: number): number {
  let sum = 0;
  for (let i = 1; i < 64; i++) {
    const term = lambda ** ((d ** i - d) / (d - 1));
    sum += term;
    if (term < 1e-15) break;
  }
  return sum;
}
