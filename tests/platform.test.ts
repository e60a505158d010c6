/**
 * The platform seam (`src/platform/`): the only place the library touches Node. Every other
 * file of `src/` must run unchanged in a browser page once a bundler swaps the platform's Node
 * implementation for a browser one, so none of them may import a Node built-in or use Node's
 * globals. Read with the TypeScript parser, so comments and strings never count.
 */
import { expect } from 'chai';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');

/** Node's globals, which a page does not have. */
const NODE_GLOBALS = new Set(['process', 'Buffer', '__dirname', '__filename', 'setImmediate', 'global']);

/** Every `.ts` file below `dir`, relative to `src/`. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [path.relative(SRC, full)] : [];
  });
}

/** Whether `name` is a Node built-in module (`fs`, `node:fs`, `fs/promises`, …). */
function isBuiltin(name: string): boolean {
  const bare = name.replace(/^node:/, '');
  return name.startsWith('node:') || builtinModules.includes(bare) || builtinModules.includes(bare.split('/')[0]);
}

/** What in `file` reaches Node: built-in imports and requires, Node globals, `require.resolve`. */
export function nodeUses(file: string, text: string): string[] {
  const found: string[] = [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const where = (node: ts.Node): string => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (isBuiltin(node.moduleSpecifier.text)) found.push(`${where(node)} imports '${node.moduleSpecifier.text}'`);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const arg = node.arguments[0];
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      if ((isRequire || isDynamicImport) && arg !== undefined && ts.isStringLiteral(arg) && isBuiltin(arg.text)) {
        found.push(`${where(node)} requires '${arg.text}'`);
      }
      if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'require'
      ) {
        found.push(`${where(node)} calls require.${callee.name.text}`);
      }
    } else if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isMemberName = ts.isPropertyAccessExpression(parent) && parent.name === node;
      const isDeclaredName =
        (ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isVariableDeclaration(parent)) &&
        parent.name === node;
      if (!isMemberName && !isDeclaredName) found.push(`${where(node)} uses Node's global ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('Platform seam', () => {
  it('Platform no file in src/ outside src/platform/ uses a Node built-in or global', () => {
    const files = sources(SRC).filter((f) => !f.startsWith(`platform${path.sep}`));
    expect(files.length).to.be.greaterThan(40);
    const uses = files.flatMap((f) => nodeUses(f, fs.readFileSync(path.join(SRC, f), 'utf8')));
    expect(uses, 'Node built-ins outside src/platform/ (add what is needed to the Platform interface)').to.deep.equal(
      [],
    );
  });

  it('Platform the scan finds each kind of Node use it forbids, and nothing in comments or strings', () => {
    const text = [
      "import * as fs from 'fs';",
      "import { x } from 'node:worker_threads';",
      "const z = require('zlib');",
      "const w = require.resolve('./a');",
      'const e = process.env.HOME;',
      'const b = Buffer.alloc(1);',
      'const d = __dirname;',
      "// import * as os from 'os'; process.exit()",
      'const s = \'process Buffer require("fs")\';',
      'const ok = { process: 1 }.process;',
    ].join('\n');
    expect(nodeUses('x.ts', text)).to.deep.equal([
      "x.ts:1 imports 'fs'",
      "x.ts:2 imports 'node:worker_threads'",
      "x.ts:3 requires 'zlib'",
      'x.ts:4 calls require.resolve',
      "x.ts:5 uses Node's global process",
      "x.ts:6 uses Node's global Buffer",
      "x.ts:7 uses Node's global __dirname",
    ]);
  });
});
