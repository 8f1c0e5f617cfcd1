// Reports for the check report's browser test (report.test.mjs), shaped as the
// extension sends them (src/shared/reportProtocol.ts).

export const LAYERS = '/home/student/project/layers.py';
export const ACTIVATIONS = '/home/student/project/activations.py';
export const LOSSES = '/home/student/project/losses.py';

/** Finite differences of dW, 3 × 4: strongly positive at [0, 0], strongly negative at [1, 0]. */
export const NUMERIC_W = [
  [2.0, -1.5, 0.25, 0.8],
  [-2.0, 1.0, 0.5, -0.75],
  [1.25, -0.5, 1.75, 0.0],
];

/** The user's dW: the transpose of the right one, read back in row-major order. */
export function transposedW() {
  const t = [];
  for (let c = 0; c < 4; c++) for (let r = 0; r < 3; r++) t.push(NUMERIC_W[r][c]);
  return t;
}

export function linearUnit() {
  const numeric = NUMERIC_W.flat();
  const analytic = transposedW();
  // The worst element: the largest |yours − finite differences|, [1, 0] (1 against -2).
  let worst = 0;
  for (let i = 0; i < numeric.length; i++) if (Math.abs(analytic[i] - numeric[i]) > Math.abs(analytic[worst] - numeric[worst])) worst = i;
  return {
    name: 'Linear',
    kind: 'gate',
    file: LAYERS,
    line: 12,
    status: 'fail',
    message: 'dW is wrong: transposed.\nWorst element [1, 0]: finite differences -2, your backward 1.',
    tolerance: { atol: 1e-8, rtol: 1e-5, eps: 1e-6 },
    seconds: 0.42,
    checks: [
      {
        wrt: 'W',
        role: 'param',
        shape: [3, 4],
        status: 'fail',
        maxRelError: 1,
        worst: { index: [Math.floor(worst / 4), worst % 4], analytic: analytic[worst], numeric: numeric[worst] },
        diagnosis: { code: 'transposed', detail: 'dW holds the transpose of the gradient: use x.T @ dout, not dout.T @ x.' },
        mode: 'full',
        line: 30,
        values: { numeric, analytic, kinks: [] },
      },
      {
        wrt: 'b',
        role: 'param',
        shape: [4],
        status: 'pass',
        maxRelError: 2.1e-9,
        worst: { index: [2], analytic: 0.7500000001, numeric: 0.75 },
        diagnosis: null,
        mode: 'full',
        line: 31,
        values: { numeric: [0.5, -0.25, 0.75, 1.5], analytic: [0.5, -0.25, 0.7500000001, 1.5], kinks: [] },
      },
      {
        wrt: 'x',
        role: 'input',
        shape: [2, 3],
        status: 'fail',
        maxRelError: null,
        worst: null,
        diagnosis: { code: 'wrong-shape', detail: 'dx has shape (3, 2); x has shape (2, 3).' },
        mode: 'full',
      },
    ],
  };
}

export function reluUnit() {
  return {
    name: 'relu',
    kind: 'pair',
    file: ACTIVATIONS,
    line: 3,
    status: 'pass',
    message: 'All gradients match.',
    tolerance: { atol: 1e-8, rtol: 1e-5, eps: 1e-6 },
    checks: [
      {
        wrt: 'x',
        role: 'input',
        shape: [5],
        status: 'pass',
        maxRelError: 3e-11,
        worst: { index: [0], analytic: 0.1, numeric: 0.1 },
        diagnosis: null,
        mode: 'sample',
        // sample mode measured three of five elements; element 2 sits on the kink at 0
        values: { numeric: [0.1, null, 0.5, null, -0.2], analytic: [0.1, 0.3, 1, -0.4, -0.2], kinks: [2] },
      },
    ],
  };
}

export function errorUnit() {
  return {
    name: 'softmax_loss',
    kind: 'loss',
    file: LOSSES,
    line: 8,
    status: 'error',
    message: 'Traceback (most recent call last):\n  File "losses.py", line 11, in softmax_loss\nValueError: operands could not be broadcast together with shapes (4,3) (4,)',
    checks: [],
  };
}

export const report = () => ({ type: 'report', units: [linearUnit(), reluUnit(), errorUnit()] });

/** A 64 × 64 gradient, a (2, 3, 4) one and a 0-d one: the largest arrays that come with numbers, an N-D one, a scalar. */
export function bigReport() {
  const n = 64;
  const numeric = [];
  const analytic = [];
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const v = Math.sin(r / 7) * Math.cos(c / 5);
      numeric.push(v);
      analytic.push((r + c) % 2 ? v : -v);
    }
  const nd = Array.from({ length: 24 }, (_, i) => i - 12);
  return {
    type: 'report',
    units: [
      {
        name: 'Conv',
        kind: 'gate',
        file: LAYERS,
        line: 80,
        status: 'fail',
        message: 'dW is sign-flipped in a checkerboard.',
        checks: [
          {
            wrt: 'W',
            role: 'param',
            shape: [n, n],
            status: 'fail',
            maxRelError: 1,
            worst: { index: [62, 62], analytic: analytic[62 * n + 62], numeric: numeric[62 * n + 62] },
            diagnosis: { code: 'mismatch', detail: 'dW differs from the finite differences in 2,048 elements.' },
            values: { numeric, analytic, kinks: [] },
          },
          {
            wrt: 'K',
            role: 'param',
            shape: [2, 3, 4],
            status: 'fail',
            maxRelError: 1,
            worst: { index: [1, 2, 3], analytic: 0, numeric: 11 },
            diagnosis: { code: 'zero', detail: 'dK is all zeros.' },
            values: { numeric: nd, analytic: nd.map(() => 0), kinks: [] },
          },
          {
            wrt: 'gamma',
            role: 'param',
            shape: [],
            status: 'fail',
            maxRelError: 1,
            worst: { index: [], analytic: -0.5, numeric: 0.5 },
            diagnosis: { code: 'sign-flipped', detail: 'dgamma has the wrong sign.' },
            values: { numeric: [0.5], analytic: [-0.5], kinks: [] },
          },
        ],
      },
    ],
  };
}

/**
 * A backward of the wrong shape, in its own: w is 3 × 4, the user's dw the transpose
 * of the right one, 4 × 3 (a transposed dW of a non-square W). The harness sends no
 * worst element nor relative error then.
 */
export function transposedUnit() {
  return {
    name: 'Dense',
    kind: 'gate',
    file: LAYERS,
    line: 40,
    status: 'fail',
    message: 'dw is wrong: transposed.',
    checks: [
      {
        wrt: 'w',
        role: 'param',
        shape: [3, 4],
        status: 'fail',
        maxRelError: null,
        worst: null,
        diagnosis: { code: 'transposed', detail: 'dw has shape (4, 3), the transpose of w’s (3, 4): use x.T @ dout, not dout.T @ x.' },
        mode: 'full',
        line: 52,
        values: { numeric: NUMERIC_W.flat(), analytic: transposedW(), kinks: [], analyticShape: [4, 3] },
      },
    ],
  };
}
