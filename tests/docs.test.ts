/**
 * docs/torch.md is the table of every function: PyTorch name, MiniTorch name, differences.
 * This suite fails when a name the package exports (top level, the `nn` and `safetensors`
 * namespaces PyTorch users call, and the methods of `Tensor` and `Module`) is missing from it.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as minitorch from '../src';

/** The text of every `code span` in the document's table rows. */
function tableCode(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'docs', 'torch.md');
    if (fs.existsSync(file)) {
      const rows = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('|'));
      return rows.flatMap((row) => row.match(/`[^`]*`/g) ?? []).join('\n');
    }
    dir = path.dirname(dir);
  }
  throw new Error('docs/torch.md not found');
}

/** Names of `obj` missing from the code in the tables, as `prefix + name` (a word match). */
function missing(names: string[], prefix: string, code: string): string[] {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return names.filter((n) => !new RegExp(`${escape(prefix)}${escape(n)}(?![A-Za-z0-9_])`).test(code));
}

/** Methods on a prototype, less the constructor and the TypeScript-private helpers listed. */
function methods(proto: object, privateNames: string[]): string[] {
  return Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && !privateNames.includes(n));
}

describe('docs/torch.md covers the public API', () => {
  const code = tableCode();

  it('lists every top-level export', () => {
    expect(missing(Object.keys(minitorch), '', code)).to.deep.equal([]);
  });

  it('lists every function of minitorch.nn and minitorch.safetensors', () => {
    expect(missing(Object.keys(minitorch.nn), 'nn.', code)).to.deep.equal([]);
    expect(missing(Object.keys(minitorch.safetensors), 'safetensors.', code)).to.deep.equal([]);
  });

  it('lists every Tensor and Module method', () => {
    // TypeScript-private helpers exist on the prototype at run time but are not API.
    const tensorMethods = methods(minitorch.Tensor.prototype, ['lift', 'reductionDims', 'reduceOver']);
    expect(missing(tensorMethods, '.', code)).to.deep.equal([]);
    expect(missing(['apply'], 'Tensor.', code)).to.deep.equal([]);
    expect(missing(methods(minitorch.Module.prototype, []), '.', code)).to.deep.equal([]);
  });

  it('can fail: a made-up export is reported missing', () => {
    expect(missing(['surelyNotDocumentedAnywhere'], '', code)).to.deep.equal(['surelyNotDocumentedAnywhere']);
  });
});
