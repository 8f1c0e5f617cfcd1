import { matmulWasm } from "./wasm/matmul.wasm.js";

/**
 * The matrix product on WebAssembly SIMD (wasm/matmul.wat), which does two float64
 * multiply-adds per instruction where JavaScript does one. Operands are copied into
 * the module's memory, padded with zeros to its 4×4 blocks, and the product copied
 * out: O(mk + kn + mn) copying against O(mkn) work, so small products stay in
 * JavaScript. Where WebAssembly SIMD is missing, `simdMatmul` says so and the caller
 * uses its JavaScript kernel.
 */

interface Kernel {
  memory: WebAssembly.Memory;
  matmul(a: number, b: number, out: number, m: number, k: number, n: number): void;
}

let kernel: Kernel | null | undefined;
let enabled = true;
let view = new Float64Array(0);

function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = Uint8Array.from(atob(matmulWasm), (c) => c.charCodeAt(0));
    kernel = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Kernel;
  } catch {
    kernel = null; // no WebAssembly, or no SIMD in it
  }
  return kernel;
}

/** Below this many multiply-adds the copies cost more than SIMD saves. */
const SIMD_MIN_WORK = 4096;

/** The module's memory as float64s, grown to hold `size` of them; null if it cannot grow that far. */
function memory(k: Kernel, size: number): Float64Array | null {
  const needed = size * 8 - k.memory.buffer.byteLength;
  // Addresses are signed 32-bit in the kernel's arithmetic: stay under 2 GiB.
  if (size * 8 >= 2 ** 31) return null;
  if (needed > 0) {
    try {
      k.memory.grow(Math.ceil(needed / 65536));
    } catch {
      return null; // out of memory for the copy: the JavaScript kernel works in place
    }
  }
  if (view.buffer !== k.memory.buffer) view = new Float64Array(k.memory.buffer);
  return view;
}

/**
 * out[oo…] (m×n) = A·B, where A is m×k at ad[ao…] (k×m when `aTransposed`: the product
 * is then Aᵀ·B) and B is k×n at bd[bo…] (n×k when `bTransposed`). False when the work
 * is too small or SIMD is unavailable: nothing was written.
 */
export function simdMatmul(
  ad: Float64Array, ao: number, aTransposed: boolean,
  bd: Float64Array, bo: number, bTransposed: boolean,
  out: Float64Array, oo: number,
  m: number, k: number, n: number,
): boolean {
  if (!enabled || m * k * n < SIMD_MIN_WORK || k === 0) return false;
  const K = load();
  if (!K) return false;
  const mp = (m + 3) & ~3;
  const np = (n + 3) & ~3;
  const aAt = 0;
  const bAt = mp * k;
  const outAt = bAt + k * np;
  const w = memory(K, outAt + mp * np);
  if (!w) return false;
  if (aTransposed) for (let l = 0; l < k; l++) for (let i = 0; i < m; i++) w[aAt + i * k + l] = ad[ao + l * m + i];
  else w.set(ad.subarray(ao, ao + m * k), aAt);
  w.fill(0, aAt + m * k, bAt); // padding rows of A
  for (let l = 0; l < k; l++) {
    const row = bAt + l * np;
    if (bTransposed) for (let j = 0; j < n; j++) w[row + j] = bd[bo + j * k + l];
    else w.set(bd.subarray(bo + l * n, bo + (l + 1) * n), row);
    for (let j = n; j < np; j++) w[row + j] = 0; // padding columns of B
  }
  K.matmul(aAt * 8, bAt * 8, outAt * 8, mp, k, np);
  if (np === n) out.set(w.subarray(outAt, outAt + m * n), oo);
  else for (let i = 0; i < m; i++) out.set(w.subarray(outAt + i * np, outAt + i * np + n), oo + i * n);
  return true;
}

/** Whether products run on WebAssembly SIMD here (for the benchmarks' report). */
export function simdAvailable(): boolean {
  return load() !== null;
}

/** Turns the SIMD path off and on again: the benchmark and the tests measure the JavaScript kernel too. */
export function setSimdEnabled(on: boolean): void {
  enabled = on;
}
