/**
 * "Learning PyTorch with Examples" in TypeScript, section for section with original.py
 * (what changed beyond syntax: NOTES.md). `npm run example -- pytorch_with_examples`.
 */
import * as minitorch from '../../src'; // a program of your own: from 'minitorch'
import { Replay } from '../replay';

type Tensor = minitorch.Tensor;
type Context = minitorch.Context<Tensor>;

let rec: Replay; // fixture: PyTorch's draws and weights

// Steps of each training loop: the tutorial takes 2000 (30000 for DynamicNet); 600 here keep
// the port's test short, and stop before RMSprop's steps part from PyTorch's (NOTES.md).
const STEPS = 600;

/** PyTorch: Tensors. The forward and backward passes by hand. */
function tensors(): void {
  const x = minitorch.linspace(-Math.PI, Math.PI, 2000);
  const y = x.sin();

  const a = rec.draw();
  const b = rec.draw();
  const c = rec.draw();
  const d = rec.draw();

  const learning_rate = 1e-6;
  for (let t = 0; t < STEPS; t++) {
    const y_pred = a
      .add(b.mul(x))
      .add(c.mul(x.pow(2)))
      .add(d.mul(x.pow(3)));
    const loss = y_pred.sub(y).pow(2).sum().item();
    if (t % 100 === 99) console.log(t, rec.log('tensors', loss));

    const grad_y_pred = y_pred.sub(y).mul(2.0);
    const grad_a = grad_y_pred.sum();
    const grad_b = grad_y_pred.mul(x).sum();
    const grad_c = grad_y_pred.mul(x.pow(2)).sum();
    const grad_d = grad_y_pred.mul(x.pow(3)).sum();

    a.sub_(grad_a.mul(learning_rate));
    b.sub_(grad_b.mul(learning_rate));
    c.sub_(grad_c.mul(learning_rate));
    d.sub_(grad_d.mul(learning_rate));
  }

  console.log(`Result: y = ${a.item()} + ${b.item()} x + ${c.item()} x^2 + ${d.item()} x^3`);
  rec.final('tensors', minitorch.stack([a, b, c, d])); // fixture
}

/** PyTorch: Tensors and autograd. */
function autograd(): void {
  const x = minitorch.linspace(-Math.PI, Math.PI, 2000);
  const y = x.sin();

  const a = rec.draw().requiresGrad_();
  const b = rec.draw().requiresGrad_();
  const c = rec.draw().requiresGrad_();
  const d = rec.draw().requiresGrad_();

  const learning_rate = 1e-6;
  for (let t = 0; t < STEPS; t++) {
    const y_pred = a
      .add(b.mul(x))
      .add(c.mul(x.pow(2)))
      .add(d.mul(x.pow(3)));
    const loss = y_pred.sub(y).pow(2).sum();
    if (t % 100 === 99) console.log(t, rec.log('autograd', loss.item()));
    loss.backward();
    minitorch.noGrad(() => {
      a.sub_(a.grad!.mul(learning_rate));
      b.sub_(b.grad!.mul(learning_rate));
      c.sub_(c.grad!.mul(learning_rate));
      d.sub_(d.grad!.mul(learning_rate));
      a.grad = null;
      b.grad = null;
      c.grad = null;
      d.grad = null;
    });
  }

  console.log(`Result: y = ${a.item()} + ${b.item()} x + ${c.item()} x^2 + ${d.item()} x^3`);
  rec.final('autograd', minitorch.stack([a, b, c, d])); // fixture
}

/** P3(x) = (5x^3 - 3x) / 2, with its derivative written by hand. */
class LegendrePolynomial3 extends minitorch.autograd.Function {
  static forward(ctx: Context, input: Tensor): Tensor {
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5);
  }

  static backward(ctx: Context, grad_output: Tensor): Tensor {
    const [input] = ctx.savedValues;
    return grad_output.mul(1.5).mul(input.pow(2).mul(5).sub(1));
  }
}

/** PyTorch: Defining new autograd functions. */
function custom_function(): void {
  const x = minitorch.linspace(-Math.PI, Math.PI, 2000);
  const y = x.sin();

  // Weights start close enough to the answer for P3 to converge.
  const a = minitorch.full([], 0.0, { requiresGrad: true });
  const b = minitorch.full([], -1.0, { requiresGrad: true });
  const c = minitorch.full([], 0.0, { requiresGrad: true });
  const d = minitorch.full([], 0.3, { requiresGrad: true });

  const learning_rate = 5e-6;
  for (let t = 0; t < STEPS; t++) {
    const P3 = LegendrePolynomial3.apply;
    const y_pred = a.add(b.mul(P3(c.add(d.mul(x)))));
    const loss = y_pred.sub(y).pow(2).sum();
    if (t % 100 === 99) console.log(t, rec.log('custom_function', loss.item()));
    loss.backward();
    minitorch.noGrad(() => {
      a.sub_(a.grad!.mul(learning_rate));
      b.sub_(b.grad!.mul(learning_rate));
      c.sub_(c.grad!.mul(learning_rate));
      d.sub_(d.grad!.mul(learning_rate));
      a.grad = null;
      b.grad = null;
      c.grad = null;
      d.grad = null;
    });
  }

  console.log(`Result: y = ${a.item()} + ${b.item()} * P3(${c.item()} + ${d.item()} x)`);
  rec.final('custom_function', minitorch.stack([a, b, c, d])); // fixture
}

/** PyTorch: nn. */
function nn(): void {
  const x = minitorch.linspace(-Math.PI, Math.PI, 2000);
  const y = x.sin();

  const p = minitorch.tensor([1, 2, 3]);
  const xx = x.unsqueeze(-1).pow(p);

  const model = new minitorch.Sequential(new minitorch.Linear(3, 1), new minitorch.Flatten(0, 1));
  rec.loadState('nn', model); // fixture
  const loss_fn = new minitorch.MSELoss({ reduction: 'sum' });

  const learning_rate = 1e-6;
  for (let t = 0; t < STEPS; t++) {
    const y_pred = model.forward(xx);
    const loss = loss_fn.forward(y_pred, y);
    if (t % 100 === 99) console.log(t, rec.log('nn', loss.item()));
    model.zeroGrad();
    loss.backward();
    minitorch.noGrad(() => {
      for (const param of model.parameters()) {
        const w = param.value as Tensor;
        w.sub_(w.grad!.mul(learning_rate));
      }
    });
  }

  const linear_layer = model[0] as minitorch.Linear;
  const weight = linear_layer.weight.value;
  console.log(
    `Result: y = ${linear_layer.bias!.value.item()} + ${weight.at(':', 0).item()} x` +
      ` + ${weight.at(':', 1).item()} x^2 + ${weight.at(':', 2).item()} x^3`,
  );
  rec.final('nn', model); // fixture
}

/** PyTorch: optim. */
function optim(): void {
  const x = minitorch.linspace(-Math.PI, Math.PI, 2000);
  const y = x.sin();

  const p = minitorch.tensor([1, 2, 3]);
  const xx = x.unsqueeze(-1).pow(p);

  const model = new minitorch.Sequential(new minitorch.Linear(3, 1), new minitorch.Flatten(0, 1));
  rec.loadState('optim', model); // fixture
  const loss_fn = new minitorch.MSELoss({ reduction: 'sum' });

  const learning_rate = 1e-3;
  const optimizer = new minitorch.RMSprop(model.parameters(), { lr: learning_rate });
  for (let t = 0; t < STEPS; t++) {
    const y_pred = model.forward(xx);
    const loss = loss_fn.forward(y_pred, y);
    if (t % 100 === 99) console.log(t, rec.log('optim', loss.item()));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }

  const linear_layer = model[0] as minitorch.Linear;
  const weight = linear_layer.weight.value;
  console.log(
    `Result: y = ${linear_layer.bias!.value.item()} + ${weight.at(':', 0).item()} x` +
      ` + ${weight.at(':', 1).item()} x^2 + ${weight.at(':', 2).item()} x^3`,
  );
  rec.final('optim', model); // fixture
}

/** Four parameters a, b, c, d of a + b x + c x^2 + d x^3. */
class Polynomial3 extends minitorch.Module {
  a = new minitorch.Parameter(rec.draw());
  b = new minitorch.Parameter(rec.draw());
  c = new minitorch.Parameter(rec.draw());
  d = new minitorch.Parameter(rec.draw());

  forward(x: Tensor): Tensor {
    return this.a.value
      .add(this.b.value.mul(x))
      .add(this.c.value.mul(x.pow(2)))
      .add(this.d.value.mul(x.pow(3)));
  }

  string(): string {
    const [a, b, c, d] = [this.a, this.b, this.c, this.d].map((p) => p.value.item());
    return `y = ${a} + ${b} x + ${c} x^2 + ${d} x^3`;
  }
}

/** PyTorch: Custom nn Modules. */
function custom_module(): void {
  const x = minitorch.linspace(-Math.PI, Math.PI, 2000);
  const y = x.sin();

  const model = new Polynomial3();
  const criterion = new minitorch.MSELoss({ reduction: 'sum' });
  const optimizer = new minitorch.SGD(model.parameters(), { lr: 1e-6 });
  for (let t = 0; t < STEPS; t++) {
    const y_pred = model.forward(x);
    const loss = criterion.forward(y_pred, y);
    if (t % 100 === 99) console.log(t, rec.log('custom_module', loss.item()));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }

  console.log(`Result: ${model.string()}`);
  rec.final('custom_module', model); // fixture
}

/** A polynomial of degree 3, 4 or 5, chosen at random on each forward; e is shared. */
class DynamicNet extends minitorch.Module {
  a = new minitorch.Parameter(rec.draw());
  b = new minitorch.Parameter(rec.draw());
  c = new minitorch.Parameter(rec.draw());
  d = new minitorch.Parameter(rec.draw());
  e = new minitorch.Parameter(rec.draw());

  forward(x: Tensor): Tensor {
    let y = this.a.value
      .add(this.b.value.mul(x))
      .add(this.c.value.mul(x.pow(2)))
      .add(this.d.value.mul(x.pow(3)));
    const top = rec.drawInt(); // random.randint(4, 6)
    for (let exp = 4; exp < top; exp++) {
      y = y.add(this.e.value.mul(x.pow(exp)));
    }
    return y;
  }

  string(): string {
    const [a, b, c, d, e] = [this.a, this.b, this.c, this.d, this.e].map((p) => p.value.item());
    return `y = ${a} + ${b} x + ${c} x^2 + ${d} x^3 + ${e} x^4 ? + ${e} x^5 ?`;
  }
}

/** PyTorch: Control Flow + Weight Sharing. */
function dynamic_net(): void {
  const x = minitorch.linspace(-Math.PI, Math.PI, 2000);
  const y = x.sin();

  const model = new DynamicNet();
  const criterion = new minitorch.MSELoss({ reduction: 'sum' });
  const optimizer = new minitorch.SGD(model.parameters(), { lr: 1e-8, momentum: 0.9 });
  for (let t = 0; t < STEPS; t++) {
    const y_pred = model.forward(x);
    const loss = criterion.forward(y_pred, y);
    if (t % 100 === 99) console.log(t, rec.log('dynamic_net', loss.item()));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }

  console.log(`Result: ${model.string()}`);
  rec.final('dynamic_net', model); // fixture
}

export function main(): Replay {
  rec = new Replay('pytorch_with_examples'); // fixture
  tensors();
  autograd();
  custom_function();
  nn();
  optim();
  custom_module();
  dynamic_net();
  return rec;
}

if (require.main === module) main().report();
