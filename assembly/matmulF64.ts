// AssemblyScript source of the Fast backend's SIMD matmul block (compiled by
// scripts/build-wasm.js into dist/matmulF64.wasm; loaded by src/simdMatmul.ts).
//
// out[rows×p] += a[rows×m] · b[m×p]: all row-major f64, arguments are byte offsets into the
// imported memory. The i-k-j order of the TypeScript kernel, with two output columns per
// f64x2 SIMD lane pair and four k steps per pass over the output row.

/** Multiply-accumulate a rows×m block of `a` with the m×p matrix `b` into `out`. */
export function matmul(a: usize, b: usize, out: usize, rows: i32, m: i32, p: i32): void {
  const pairs = p & ~1;
  const bStep = <usize>p * 8;
  for (let i = 0; i < rows; i++) {
    const oRow = out + <usize>(i * p) * 8;
    const aRow = a + <usize>(i * m) * 8;
    let k = 0;
    for (; k + 3 < m; k += 4) {
      const a0 = f64x2.splat(load<f64>(aRow + <usize>k * 8));
      const a1 = f64x2.splat(load<f64>(aRow + <usize>(k + 1) * 8));
      const a2 = f64x2.splat(load<f64>(aRow + <usize>(k + 2) * 8));
      const a3 = f64x2.splat(load<f64>(aRow + <usize>(k + 3) * 8));
      const b0 = b + <usize>k * bStep;
      const b1 = b0 + bStep;
      const b2 = b1 + bStep;
      const b3 = b2 + bStep;
      for (let j = 0; j < pairs; j += 2) {
        const off = <usize>j * 8;
        let acc = v128.load(oRow + off);
        acc = f64x2.add(acc, f64x2.mul(a0, v128.load(b0 + off)));
        acc = f64x2.add(acc, f64x2.mul(a1, v128.load(b1 + off)));
        acc = f64x2.add(acc, f64x2.mul(a2, v128.load(b2 + off)));
        acc = f64x2.add(acc, f64x2.mul(a3, v128.load(b3 + off)));
        v128.store(oRow + off, acc);
      }
    }
    for (; k < m; k++) {
      const ak = f64x2.splat(load<f64>(aRow + <usize>k * 8));
      const bk = b + <usize>k * bStep;
      for (let j = 0; j < pairs; j += 2) {
        const off = <usize>j * 8;
        v128.store(oRow + off, f64x2.add(v128.load(oRow + off), f64x2.mul(ak, v128.load(bk + off))));
      }
    }
    if (pairs < p) {
      // odd p: the last column with scalars
      let acc = load<f64>(oRow + <usize>pairs * 8);
      for (let kk = 0; kk < m; kk++) acc += load<f64>(aRow + <usize>kk * 8) * load<f64>(b + <usize>kk * bStep + <usize>pairs * 8);
      store<f64>(oRow + <usize>pairs * 8, acc);
    }
  }
}
