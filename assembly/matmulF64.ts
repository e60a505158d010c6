// AssemblyScript source of the Fast backend's SIMD matmul block and direct convolution
// (compiled by scripts/build-wasm.js into dist/matmulF64.wasm; loaded by src/backends/fast/simd.ts).
//
// out[rows×p] += a[rows×m] · b[m×p]: all row-major f64, arguments are byte offsets into the
// imported memory. A 4×4 tile of `out` lives in eight f64x2 registers for a whole block of k:
// each k step loads two vectors of b and four broadcast values of a for 16 multiply-adds, so
// the loop is bound by arithmetic, not by loads and stores of `out` (the i-k-j TypeScript
// kernel's limit). k is split into blocks of KC and columns into blocks of NC so the b block
// stays in L2. When memory past `out` has room (the caller reserves SCRATCH_BYTES), each b
// block is first packed into 4-column panels: the tile then reads b contiguously instead of
// striding by a row, which for power-of-two widths maps every row to the same L1 set.
// The kernel never grows memory (that would detach the caller's views); without room it reads
// b in place. Per output element the k order is the same on every path, so results do not
// depend on how rows are split between threads.

const KC: i32 = 256; // k values per block: a 4-row strip of a (8 KiB) stays in L1
const NC: i32 = 256; // columns per block: the packed block (512 KiB) stays in L2

/** Bytes of scratch the packed path needs past `out` (including 16 for alignment). */
export const SCRATCH_BYTES: i32 = KC * (NC + 4) * 8 + 16;

/** Pack b[kc rows × nc cols] (row stride ldb bytes) as 4-column panels, zero-padding the last. */
function pack(b: usize, ldb: usize, kc: i32, nc: i32, dst: usize): void {
  const panels = (nc + 3) >> 2;
  let d = dst;
  for (let q = 0; q < panels; q++) {
    const cols = min(4, nc - q * 4);
    let src = b + <usize>(q * 4) * 8;
    for (let kk = 0; kk < kc; kk++) {
      if (cols == 4) {
        v128.store(d, v128.load(src));
        v128.store(d + 16, v128.load(src + 16));
      } else {
        for (let c = 0; c < 4; c++) store<f64>(d + <usize>c * 8, c < cols ? load<f64>(src + <usize>c * 8) : 0.0);
      }
      d += 32;
      src += ldb;
    }
  }
}

/**
 * As `pack`, for a b given transposed: element (k, j) of b at bt + j·ldbt + k·8 (a contiguous
 * [p × m] matrix, as Linear's weight is). Columns past `nc` are zero.
 */
function packTransposed(bt: usize, ldbt: usize, kc: i32, nc: i32, dst: usize): void {
  const panels = (nc + 3) >> 2;
  let d = dst;
  for (let q = 0; q < panels; q++) {
    const cols = min(4, nc - q * 4);
    const col0 = bt + <usize>(q * 4) * ldbt;
    let kk = 0;
    if (cols == 4) {
      // Two k at a time: a vector from each of the 4 columns, transposed 2×2 by shuffles.
      for (; kk + 1 < kc; kk += 2) {
        const at = col0 + <usize>kk * 8;
        const v0 = v128.load(at);
        const v1 = v128.load(at + ldbt);
        const v2 = v128.load(at + 2 * ldbt);
        const v3 = v128.load(at + 3 * ldbt);
        v128.store(d, v128.shuffle<f64>(v0, v1, 0, 2));
        v128.store(d + 16, v128.shuffle<f64>(v2, v3, 0, 2));
        v128.store(d + 32, v128.shuffle<f64>(v0, v1, 1, 3));
        v128.store(d + 48, v128.shuffle<f64>(v2, v3, 1, 3));
        d += 64;
      }
    }
    for (; kk < kc; kk++) {
      const at = col0 + <usize>kk * 8;
      for (let c = 0; c < 4; c++) store<f64>(d + <usize>c * 8, c < cols ? load<f64>(at + <usize>c * ldbt) : 0.0);
      d += 32;
    }
  }
}

/**
 * out[4 rows × 4 cols] += a[4 rows × n1·n2·kc] · b, where b's k rows come as n1 × n2 runs of
 * kc rows (row stride ldb) starting at b + i·s1 + j·s2. The matmul passes one run (a panel of
 * kc rows); the convolution one run per (input channel, kernel row), kc = the kernel width.
 * `a` is contiguous along k in both.
 */
// @ts-ignore: decorator
@inline function tile4x4(
  a: usize,
  lda: usize,
  b: usize,
  ldb: usize,
  o: usize,
  ldo: usize,
  kc: i32,
  n2: i32,
  s2: usize,
  n1: i32,
  s1: usize,
): void {
  let c00 = v128.load(o), c01 = v128.load(o + 16);
  let c10 = v128.load(o + ldo), c11 = v128.load(o + ldo + 16);
  let c20 = v128.load(o + 2 * ldo), c21 = v128.load(o + 2 * ldo + 16);
  let c30 = v128.load(o + 3 * ldo), c31 = v128.load(o + 3 * ldo + 16);
  let pa = a;
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      let pb = b + <usize>i * s1 + <usize>j * s2;
      for (let kk = 0; kk < kc; kk++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb + 16);
        let x = v128.load64_splat(pa);
        c00 = f64x2.add(c00, f64x2.mul(x, b0));
        c01 = f64x2.add(c01, f64x2.mul(x, b1));
        x = v128.load64_splat(pa + lda);
        c10 = f64x2.add(c10, f64x2.mul(x, b0));
        c11 = f64x2.add(c11, f64x2.mul(x, b1));
        x = v128.load64_splat(pa + 2 * lda);
        c20 = f64x2.add(c20, f64x2.mul(x, b0));
        c21 = f64x2.add(c21, f64x2.mul(x, b1));
        x = v128.load64_splat(pa + 3 * lda);
        c30 = f64x2.add(c30, f64x2.mul(x, b0));
        c31 = f64x2.add(c31, f64x2.mul(x, b1));
        pa += 8;
        pb += ldb;
      }
    }
  }
  v128.store(o, c00); v128.store(o + 16, c01);
  v128.store(o + ldo, c10); v128.store(o + ldo + 16, c11);
  v128.store(o + 2 * ldo, c20); v128.store(o + 2 * ldo + 16, c21);
  v128.store(o + 3 * ldo, c30); v128.store(o + 3 * ldo + 16, c31);
}

/** out[1 row × 4 cols] += a[1 row × n1·n2·kc] · b, b in runs as for `tile4x4` (rows left over from its tiles). */
// @ts-ignore: decorator
@inline function tile1x4(
  a: usize,
  b: usize,
  ldb: usize,
  o: usize,
  kc: i32,
  n2: i32,
  s2: usize,
  n1: i32,
  s1: usize,
): void {
  let c0 = v128.load(o), c1 = v128.load(o + 16);
  let pa = a;
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      let pb = b + <usize>i * s1 + <usize>j * s2;
      for (let kk = 0; kk < kc; kk++) {
        const x = v128.load64_splat(pa);
        c0 = f64x2.add(c0, f64x2.mul(x, v128.load(pb)));
        c1 = f64x2.add(c1, f64x2.mul(x, v128.load(pb + 16)));
        pa += 8;
        pb += ldb;
      }
    }
  }
  v128.store(o, c0);
  v128.store(o + 16, c1);
}

/** Scalar multiply-add for the last (fewer than 4) columns of a panel. */
function edge(a: usize, b: usize, ldb: usize, o: usize, kc: i32, cols: i32): void {
  for (let c = 0; c < cols; c++) {
    let acc = load<f64>(o + <usize>c * 8);
    for (let kk = 0; kk < kc; kk++) acc += load<f64>(a + <usize>kk * 8) * load<f64>(b + <usize>kk * ldb + <usize>c * 8);
    store<f64>(o + <usize>c * 8, acc);
  }
}

/**
 * Multiply-accumulate a rows×m block of `a` with the m×p matrix `b` into `out`. With
 * `transposed` != 0, `b` holds bᵀ instead (p×m, row-major), which is packed straight from that
 * layout, so a caller never transposes it first; that path needs the scratch room.
 */
export function matmul(a: usize, b: usize, out: usize, rows: i32, m: i32, p: i32, transposed: i32): void {
  const lda = <usize>m * 8;
  const ldo = <usize>p * 8;
  const scratch = (out + <usize>rows * ldo + 15) & ~(<usize>15);
  const packed = scratch + <usize>SCRATCH_BYTES <= (<usize>memory.size() << 16);
  if (transposed != 0 && !packed) unreachable();
  const rows4 = rows & ~3;
  for (let k0 = 0; k0 < m; k0 += KC) {
    const kc = min(KC, m - k0);
    for (let j0 = 0; j0 < p; j0 += NC) {
      const nc = min(NC, p - j0);
      const full = nc >> 2;
      const rest = nc & 3;
      const bBlock = b + <usize>k0 * ldo + <usize>j0 * 8;
      if (transposed != 0) packTransposed(b + <usize>j0 * lda + <usize>k0 * 8, lda, kc, nc, scratch);
      else if (packed) pack(bBlock, ldo, kc, nc, scratch);
      // Panel q: packed, kc rows of 32 bytes; in place, kc rows of b's row stride.
      const ldb = packed ? <usize>32 : ldo;
      const panelStep = packed ? <usize>kc * 32 : <usize>32;
      const bStart = packed ? scratch : bBlock;
      for (let i = 0; i < rows; i += i < rows4 ? 4 : 1) {
        const aRow = a + <usize>i * lda + <usize>k0 * 8;
        const oRow = out + <usize>i * ldo + <usize>j0 * 8;
        for (let q = 0; q < full; q++) {
          const panel = bStart + <usize>q * panelStep;
          const o = oRow + <usize>(q * 4) * 8;
          if (i < rows4) tile4x4(aRow, lda, panel, ldb, o, ldo, kc, 1, 0, 1, 0);
          else tile1x4(aRow, panel, ldb, o, kc, 1, 0, 1, 0);
        }
        if (rest != 0) {
          const panel = bStart + <usize>full * panelStep;
          const here = i < rows4 ? 4 : 1;
          for (let r = 0; r < here; r++) {
            edge(aRow + <usize>r * lda, panel, ldb, oRow + <usize>r * ldo + <usize>(full * 4) * 8, kc, rest);
          }
        }
      }
    }
  }
}

// ---- Direct convolution ----
//
// out[oc][oy][ox] = Σ_{ic,ky,kx} w[oc][ic][ky][kx] · x[ic][oy+ky][ox+kx] for oc < outC, over a
// zero-padded input (the caller pads it and flips the kernel for a right-anchored convolution,
// so there are no bounds tests here). Rows of out are `outWp` wide (a multiple of 4), rows of
// x `padW` wide (≥ outWp + kw − 1), and x has `padH` rows per channel (≥ outH + kh − 1).
// It is the matmul's 4×4 tile with a = the weights (rows = output channels, k = taps) and b =
// x read in place (unaligned): 4 output channels × 4 columns in eight registers, two vectors
// of x and four broadcast weights per tap, and no im2col copy of kh·kw times the input.
// `out` must be zeroed first (the tiles accumulate). Per output element the
// taps are summed in the same order on every path, whatever rows a thread was given.

/** Convolve one padded input x[inC][padH][padW] with w[outC][inC][kh][kw] into out[outC][outH][outWp]. */
export function conv(
  x: usize,
  w: usize,
  out: usize,
  inC: i32,
  outC: i32,
  kh: i32,
  kw: i32,
  outH: i32,
  outWp: i32,
  padH: i32,
  padW: i32,
): void {
  const rowBytes = <usize>padW * 8;
  const chanBytes = <usize>padH * rowBytes;
  const ldw = <usize>(inC * kh * kw) * 8;
  const ldo = <usize>(outH * outWp) * 8;
  const outC4 = outC & ~3;
  for (let oc = 0; oc < outC; oc += oc < outC4 ? 4 : 1) {
    const wc = w + <usize>oc * ldw;
    for (let oy = 0; oy < outH; oy++) {
      const xRow = x + <usize>oy * rowBytes;
      const oRow = out + <usize>oc * ldo + <usize>(oy * outWp) * 8;
      for (let ox = 0; ox < outWp; ox += 4) {
        const xs = xRow + <usize>ox * 8;
        const o = oRow + <usize>ox * 8;
        // b is x read in place: kw taps one column apart, per kernel row and input channel.
        if (oc < outC4) tile4x4(wc, ldw, xs, 8, o, ldo, kw, kh, rowBytes, inC, chanBytes);
        else tile1x4(wc, xs, 8, o, kw, kh, rowBytes, inC, chanBytes);
      }
    }
  }
}
