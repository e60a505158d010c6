/**
 * pytorch/examples regression/main.py in TypeScript, line for line with original.py (what
 * changed beyond syntax: NOTES.md). `npm run example -- regression`.
 */
import * as minitorch from '../../src'; // a program of your own: from 'minitorch'
import { Replay } from '../replay';

type Tensor = minitorch.Tensor;

export function main(): Replay {
  const rec = new Replay('regression'); // fixture: PyTorch's draws and weights

  const POLY_DEGREE = 4;
  const W_target = rec.value('W_target');
  const b_target = rec.value('b_target');

  /** Columns [x, x^2, x^3, x^4] of a batch of numbers. */
  function make_features(x: Tensor): Tensor {
    x = x.unsqueeze(1);
    return minitorch.cat(
      Array.from({ length: POLY_DEGREE }, (_, k) => x.pow(k + 1)),
      1,
    );
  }

  /** The function to learn. */
  function f(x: Tensor): Tensor {
    return x.matmul(W_target).add(b_target.item());
  }

  /** The polynomial as text. */
  function poly_desc(W: Tensor, b: Tensor): string {
    const sign = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
    let result = 'y = ';
    Array.from(W.toFlatArray()).forEach((w, i) => (result += `${sign(w)} x^${i + 1} `));
    result += sign(b.get([0]));
    return result;
  }

  /** A batch of (features, targets) at random points. */
  function get_batch(batch_size = 32): [Tensor, Tensor] {
    const random = rec.draw(); // torch.randn(batch_size)
    if (random.shape[0] !== batch_size) throw new Error('the recorded batch has another size');
    const x = make_features(random);
    const y = f(x);
    return [x, y];
  }

  const fc = rec.loadState('fc', new minitorch.Linear(W_target.shape[0], 1));

  let loss = Infinity;
  let batch_idx = 1;
  for (; ; batch_idx++) {
    const [batch_x, batch_y] = get_batch();
    fc.zeroGrad();
    const output = minitorch.smoothL1Loss(fc.forward(batch_x), batch_y);
    loss = rec.log('loss', output.item());
    output.backward();
    for (const param of fc.parameters()) {
      const p = param.value as Tensor;
      p.detach().add_(p.grad!.mul(-0.1));
    }
    if (loss < 1e-3) break;
  }

  console.log(`Loss: ${loss.toFixed(6)} after ${batch_idx} batches`);
  console.log('==> Learned function:\t' + poly_desc(fc.weight.value.view(-1), fc.bias!.value));
  console.log('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target));
  rec.final('fc', fc); // fixture
  return rec;
}

if (require.main === module) main().report();
