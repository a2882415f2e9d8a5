import type { Rng } from '../random.js';

// ---------------------------------------------------------------------------------------------
// Ziggurat samplers for the standard exponential and normal (Marsaglia & Tsang, "The Ziggurat
// Method for Generating Random Variables", J. Stat. Software 5(8), 2000).
//
// Speed trick (deliberate): one 32-bit uniform per draw in ~99% of cases, and no Math.log /
// Math.exp on the fast path. bench/rng.ts measures it against the inversion -log(1-u); see
// docs/ARCHITECTURE.md for the ratio. Our Rng gives u with 32 bits of resolution (alea), so
// we split those 32 bits into a layer index (low 8 bits for the exponential's 256 layers; low 7
// bits plus a sign bit for the normal's 128) and a 24-bit position within the layer. Index and
// position come from disjoint bits, which avoids the index/position correlation of the original
// code (Doornik 2005), at the price of 24-bit resolution inside a layer (relative spacing
// <= 6e-8 of the layer's width, far below anything a simulation can see).
// ---------------------------------------------------------------------------------------------

const TWO_POW_32 = 4294967296;
const TWO_POW_24 = 16777216;

/** Right edge of the exponential ziggurat's base layer and its layer area (Marsaglia-Tsang). */
const EXP_R = 7.697117470131487;
const EXP_V = 3.949659822581572e-3;
const KE = new Uint32Array(256);
const WE = new Float64Array(256);
const FE = new Float64Array(256);

/** Right edge of the normal ziggurat's base layer and its layer area (Marsaglia-Tsang). */
const NORM_R = 3.442619855899;
const NORM_V = 9.91256303526217e-3;
const KN = new Uint32Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);

(function buildZigguratTables(): void {
  // Exponential: zigset() of Marsaglia & Tsang with m2 = 2^24 (our position has 24 bits).
  let de = EXP_R;
  let te = de;
  const qe = EXP_V / Math.exp(-de);
  KE[0] = Math.floor((de / qe) * TWO_POW_24);
  KE[1] = 0;
  WE[0] = qe / TWO_POW_24;
  WE[255] = de / TWO_POW_24;
  FE[0] = 1;
  FE[255] = Math.exp(-de);
  for (let i = 254; i >= 1; i--) {
    de = -Math.log(EXP_V / de + Math.exp(-de));
    KE[i + 1] = Math.floor((de / te) * TWO_POW_24);
    te = de;
    FE[i] = Math.exp(-de);
    WE[i] = de / TWO_POW_24;
  }
  // Normal: same construction for the half-normal density exp(-x^2/2), 128 layers.
  let dn = NORM_R;
  let tn = dn;
  const qn = NORM_V / Math.exp(-0.5 * dn * dn);
  KN[0] = Math.floor((dn / qn) * TWO_POW_24);
  KN[1] = 0;
  WN[0] = qn / TWO_POW_24;
  WN[127] = dn / TWO_POW_24;
  FN[0] = 1;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(NORM_V / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = Math.floor((dn / tn) * TWO_POW_24);
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / TWO_POW_24;
  }
})();

/**
 * Self-check of the ziggurat constants: every layer must have area V, and the recursion that
 * builds the tables ends at the top layer, whose area x1 (f(0) - f(x1)) is then computed
 * independently. Returns its relative deviation from V for each table (~1e-12 when R and V are
 * right; a V wrong in the third digit gives ~0.5). Used by the tests.
 */
export function zigguratTopLayerError(): { exponential: number; normal: number } {
  const xe = (WE[1] as number) * TWO_POW_24;
  const xn = (WN[1] as number) * TWO_POW_24;
  return {
    exponential: Math.abs((xe * (1 - (FE[1] as number))) / EXP_V - 1),
    normal: Math.abs((xn * (1 - (FN[1] as number))) / NORM_V - 1),
  };
}

/** A standard exponential variate (mean 1) by the ziggurat method. */
export function standardExponential(rng: Rng): number {
  const bits = (rng.next() * TWO_POW_32) >>> 0;
  const i = bits & 255;
  const j = bits >>> 8;
  // Fast path (~98.9% of draws): the point lies in the rectangle under the curve.
  if (j < (KE[i] as number)) return j * (WE[i] as number);
  return exponentialSlow(rng, i, j);
}

function exponentialSlow(rng: Rng, layer: number, position: number): number {
  let i = layer;
  let j = position;
  for (;;) {
    // Base layer beyond its rectangle: the tail x > R, which is R + Exp(1) (memorylessness).
    if (i === 0) return EXP_R - Math.log(1 - rng.next());
    const x = j * (WE[i] as number);
    const f0 = FE[i] as number;
    // Wedge: accept under the curve.
    if (f0 + rng.next() * ((FE[i - 1] as number) - f0) < Math.exp(-x)) return x;
    const bits = (rng.next() * TWO_POW_32) >>> 0;
    i = bits & 255;
    j = bits >>> 8;
    if (j < (KE[i] as number)) return j * (WE[i] as number);
  }
}

/** A standard normal variate by the ziggurat method. */
export function standardNormal(rng: Rng): number {
  const bits = (rng.next() * TWO_POW_32) >>> 0;
  const i = bits & 127;
  const j = bits >>> 8;
  // Branch-free sign from bit 7 (+1 or -1): a 50/50 branch would mispredict half the time.
  if (j < (KN[i] as number)) return j * (WN[i] as number) * (1 - ((bits >>> 6) & 2));
  return normalSlow(rng, bits);
}

function normalSlow(rng: Rng, firstBits: number): number {
  let bits = firstBits;
  for (;;) {
    const i = bits & 127;
    const j = bits >>> 8;
    const negative = (bits & 128) !== 0;
    if (j < (KN[i] as number)) {
      const x = j * (WN[i] as number);
      return negative ? -x : x;
    }
    if (i === 0) {
      // Tail beyond R (Marsaglia 1964): x = -ln(u1)/R, y = -ln(u2), accept if 2y >= x^2.
      let x: number;
      let y: number;
      do {
        x = -Math.log(1 - rng.next()) / NORM_R;
        y = -Math.log(1 - rng.next());
      } while (y + y < x * x);
      return negative ? -(NORM_R + x) : NORM_R + x;
    }
    const x = j * (WN[i] as number);
    const f0 = FN[i] as number;
    if (f0 + rng.next() * ((FN[i - 1] as number) - f0) < Math.exp(-0.5 * x * x)) {
      return negative ? -x : x;
    }
    bits = (rng.next() * TWO_POW_32) >>> 0;
  }
}
