/**
 * Module 0 tree tests: MiniTorch's test_module.py in mocha + fast-check (Task 0.4).
 *
 * The modules below mirror MiniTorch's: a module's children and parameters are whatever its
 * fields hold, so each test builds a small tree and checks names, counts and the
 * training flag everywhere in it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ints } from '../src/course/checks';
import { Module, Parameter } from '../src/module';
import { arbitrary, smallFloats } from './helpers/arbitraries';
import { moduleRows, moduleTableHtml, moduleTreeSpec } from '../src/viz/moduleTree';
import { renderSvg } from '../src/viz/render';

const VAL_A = 50.0;
const VAL_B = 100.0;

/** A leaf with one parameter. */
class Module4 extends Module {
  parameterA = new Parameter(VAL_A);
}

/** Two parameters, a plain number, a child, and `extra` parameters added by name at run time. */
class Module2 extends Module {
  parameterA = new Parameter(VAL_A);
  parameterB = new Parameter(VAL_B);
  nonParameter = 10;
  moduleC = new Module4();

  constructor(extra = 0) {
    super();
    // MiniTorch's add_parameter: any field holding a Parameter is registered.
    for (let i = 0; i < extra; i++) Object.assign(this, { [`extraParameter${i}`]: new Parameter(0) });
  }
}

/** Two Module2 children and a parameter of its own. */
class Module1 extends Module {
  moduleA: Module2;
  moduleB: Module2;
  parameterA: Parameter<number>;

  constructor(sizeA: number, sizeB: number, val: number) {
    super();
    this.moduleA = new Module2(sizeA);
    this.moduleB = new Module2(sizeB);
    this.parameterA = new Parameter(val);
  }
}

// MiniTorch's "stacked demo": parameters three levels down get dotted names.
class ModuleA4 extends Module {
  p3 = new Parameter(15);
}
class ModuleA3 extends Module {
  c = new ModuleA4();
}
class ModuleA2 extends Module {
  p2 = new Parameter(10);
}
class ModuleA1 extends Module {
  p1 = new Parameter(5);
  nonParam = 10;
  a = new ModuleA2();
  b = new ModuleA3();
}

/** A stack of layers held in an array, as a multi-layer network would hold them. */
class Stack extends Module {
  layers: ModuleA2[];
  biases: Parameter<number>[];
  constructor(n: number) {
    super();
    this.layers = Array.from({ length: n }, () => new ModuleA2());
    this.biases = Array.from({ length: n }, (_, i) => new Parameter(i));
  }
}

/** Counts of MiniTorch's `med_ints`. */
const medInts = arbitrary(ints(1, 20));
const RUNS = { numRuns: 50 };

/** namedParameters as a plain object, like Python's `dict(module.named_parameters())`. */
function paramDict(m: Module): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of m.namedParameters()) out[name] = p.value;
  return out;
}

describe('Task 0.4 Module tree', () => {
  it('Task 0.4 stacked demo: dotted names reach every level', () => {
    const mod = new ModuleA1();
    expect(mod.p1.value).to.equal(5);
    expect(mod.nonParam).to.equal(10);
    expect(paramDict(mod)).to.deep.equal({ p1: 5, 'a.p2': 10, 'b.c.p3': 15 });
  });

  it("Task 0.4 a module counts its own, its children's and run-time parameters", () => {
    fc.assert(
      fc.property(medInts, medInts, (sizeA, sizeB) => {
        let module = new Module2(sizeA);
        module.eval();
        expect(module.training).to.equal(false);
        module.train();
        expect(module.training).to.equal(true);
        expect(module.parameters()).to.have.length(3 + sizeA);

        module = new Module2(sizeB);
        expect(module.parameters()).to.have.length(3 + sizeB);

        const named = paramDict(new Module2(sizeA));
        expect(named['parameterA']).to.equal(VAL_A);
        expect(named['parameterB']).to.equal(VAL_B);
        expect(named['moduleC.parameterA']).to.equal(VAL_A);
        expect(named['extraParameter0']).to.equal(0);
        expect(named).to.not.have.property('nonParameter');
      }),
      RUNS,
    );
  });

  it('Task 0.4 stacked modules: names, counts and train/eval through the tree', () => {
    fc.assert(
      fc.property(medInts, medInts, smallFloats, (sizeA, sizeB, val) => {
        const module = new Module1(sizeA, sizeB, val);
        const everyone = [module, module.moduleA, module.moduleB, module.moduleA.moduleC, module.moduleB.moduleC];

        module.eval();
        for (const m of everyone) expect(m.training).to.equal(false);
        module.train();
        for (const m of everyone) expect(m.training).to.equal(true);

        expect(module.parameters()).to.have.length(1 + (sizeA + 3) + (sizeB + 3));

        const named = paramDict(module);
        expect(named['parameterA']).to.equal(val);
        expect(named['moduleA.parameterA']).to.equal(VAL_A);
        expect(named['moduleA.parameterB']).to.equal(VAL_B);
        expect(named['moduleA.moduleC.parameterA']).to.equal(VAL_A);
        expect(named['moduleB.parameterA']).to.equal(VAL_A);
        expect(named['moduleB.parameterB']).to.equal(VAL_B);
        expect(named['moduleB.extraParameter0']).to.equal(0);
        expect(named[`moduleB.extraParameter${sizeB - 1}`]).to.equal(0);
      }),
      RUNS,
    );
  });

  it("Task 0.4 own parameters come first, then each child's in field order", () => {
    const names = new Module1(1, 1, 0.5).namedParameters().map(([name]) => name);
    expect(names).to.deep.equal([
      'parameterA',
      'moduleA.parameterA',
      'moduleA.parameterB',
      'moduleA.extraParameter0',
      'moduleA.moduleC.parameterA',
      'moduleB.parameterA',
      'moduleB.parameterB',
      'moduleB.extraParameter0',
      'moduleB.moduleC.parameterA',
    ]);
  });

  it('Task 0.4 parameters() returns the same objects as namedParameters()', () => {
    const mod = new ModuleA1();
    expect(mod.parameters()).to.deep.equal(mod.namedParameters().map(([, p]) => p));
    expect(mod.parameters()[0]).to.equal(mod.p1);
    expect(mod.parameters()[2]).to.equal(mod.b.c.p3);
  });

  it('Task 0.4 children() are direct children only; modules() are all descendants', () => {
    const mod = new ModuleA1();
    expect(mod.children()).to.have.length(2);
    expect(mod.children()[0]).to.equal(mod.a);
    expect(mod.children()[1]).to.equal(mod.b);
    expect(mod.namedChildren().map(([name]) => name)).to.deep.equal(['a', 'b']);

    const all = mod.modules();
    expect(all).to.have.length(3);
    expect(all).to.include(mod.b.c);
    expect(all).to.not.include(mod);
    expect(new ModuleA4().modules()).to.deep.equal([]);
    expect(new ModuleA4().children()).to.deep.equal([]);
  });

  it('Task 0.4 arrays of modules and parameters are walked with indexed names', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), (n) => {
        const stack = new Stack(n);
        expect(stack.children()).to.have.length(n);
        expect(stack.modules()).to.have.length(n);
        expect(stack.parameters()).to.have.length(2 * n);
        const names = stack.namedParameters().map(([name]) => name);
        for (let i = 0; i < n; i++) {
          expect(names).to.include(`biases.${i}`);
          expect(names).to.include(`layers.${i}.p2`);
        }
        stack.eval();
        expect(stack.layers.every((l) => !l.training)).to.equal(true);
        stack.train();
        expect(stack.layers.every((l) => l.training)).to.equal(true);
      }),
      RUNS,
    );
  });

  it('Task 0.4 train() and eval() on a subtree leave the rest alone and return the module', () => {
    const mod = new Module1(2, 2, 1.0);
    expect(mod.eval()).to.equal(mod);
    expect(mod.moduleA.train()).to.equal(mod.moduleA);
    expect(mod.training).to.equal(false);
    expect(mod.moduleA.training).to.equal(true);
    expect(mod.moduleA.moduleC.training).to.equal(true);
    expect(mod.moduleB.training).to.equal(false);
    expect(mod.moduleB.moduleC.training).to.equal(false);
  });

  it('Task 0.4 modules start in training mode', () => {
    const mod = new Module1(1, 1, 0);
    expect([mod, ...mod.modules()].every((m) => m.training)).to.equal(true);
  });

  it('Task 0.4 a field reassigned later is what the tree sees', () => {
    const mod = new ModuleA1();
    mod.a = new ModuleA2();
    mod.a.p2 = new Parameter(42);
    expect(paramDict(mod)['a.p2']).to.equal(42);
  });

  it('Task 0.4 toString draws the tree', () => {
    const text = new ModuleA1().toString();
    expect(text).to.equal('ModuleA1(\n  (a): ModuleA2()\n  (b): ModuleA3(\n    (c): ModuleA4()\n  )\n)');
  });
});

describe('Parameter', () => {
  it('Parameter holds a value and update() replaces it', () => {
    const p = new Parameter(3.0, 'w');
    expect(p.value).to.equal(3.0);
    expect(p.name).to.equal('w');
    p.update(4.0);
    expect(p.value).to.equal(4.0);
    expect(p.toString()).to.equal('Parameter(4)');
  });

  it('Parameter turns gradient tracking on for values that have it', () => {
    class Tracked {
      requiresGrad = false;
      requiresGrad_(flag: boolean): this {
        this.requiresGrad = flag;
        return this;
      }
    }
    const first = new Tracked();
    const p = new Parameter(first);
    expect(first.requiresGrad).to.equal(true);
    const second = new Tracked();
    p.update(second);
    expect(second.requiresGrad).to.equal(true);
  });
});

describe('Viz module tree (Task 0.4)', () => {
  it('Viz moduleRows lists the tree depth first with paths, counts and modes', () => {
    const mod = new Stack(2);
    mod.layers[1].eval();
    const rows = moduleRows(mod, 'net');
    expect(rows.map((r) => r.path)).to.deep.equal(['net', 'net.layers.0', 'net.layers.1']);
    expect(rows.map((r) => r.className)).to.deep.equal(['Stack', 'ModuleA2', 'ModuleA2']);
    expect(rows.map((r) => r.depth)).to.deep.equal([0, 1, 1]);
    expect(rows.map((r) => r.parent)).to.deep.equal([-1, 0, 0]);
    expect(rows.map((r) => r.ownParameters)).to.deep.equal([2, 1, 1]);
    expect(rows.map((r) => r.totalParameters)).to.deep.equal([4, 1, 1]);
    expect(rows.map((r) => r.training)).to.deep.equal([true, true, false]);
  });

  it('Viz moduleTableHtml escapes names and has one row per module', () => {
    class Odd extends Module {
      ['<b>'] = new ModuleA4();
    }
    const html = moduleTableHtml(new Odd());
    expect(html).to.contain('&lt;b&gt;');
    expect(html).to.not.contain('<b>');
    expect(html.match(/<tr>/g)).to.have.length(3); // header + 2 modules
  });

  it('Viz moduleTreeSpec compiles with vega-lite and renders to SVG', async () => {
    const mod = new Module1(2, 1, 0.5);
    mod.moduleB.eval();
    const svg = await renderSvg(moduleTreeSpec(mod));
    expect(svg).to.match(/^<svg/);
    for (const text of ['moduleA: Module2', 'moduleC: Module4', '1 / 10', '4 / 5', 'eval', 'train'])
      expect(svg).to.contain(text);
  });
});
