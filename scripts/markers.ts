/**
 * Solution markers: find the `// BEGIN SOLUTION <task>` … `// END SOLUTION` regions of a
 * TypeScript file, check they are well placed, and replace each by a throwing stub.
 *
 * A region must sit between the statements of a function body, so that replacing it with a
 * `throw` statement leaves a file that still type-checks: a `throw` satisfies any return
 * type in strict mode. The file is parsed with the TypeScript compiler, so a marker inside a
 * string or template literal (a WGSL shader, say) is reported instead of being cut out of
 * the middle of the string.
 *
 * @packageDocumentation
 */
import * as path from 'path';
import ts from 'typescript';

/** One solution region. Lines are 0-based. */
export interface SolutionRegion {
  /** The task number after `BEGIN SOLUTION`. */
  task: string;
  /** Line of the BEGIN marker. */
  beginLine: number;
  /** Line of the END marker. */
  endLine: number;
  /** Dotted name of the function the region is in, e.g. `Module.namedChildren`. */
  functionName: string;
  /** Whitespace before the BEGIN marker (the stub is indented the same). */
  indent: string;
}

/** A misplaced or malformed marker, with its 1-based line for the message. */
export interface MarkerProblem {
  line: number;
  message: string;
}

/** Result of scanning one file. */
export interface MarkerScan {
  regions: SolutionRegion[];
  problems: MarkerProblem[];
}

const BEGIN = /^(\s*)\/\/ BEGIN SOLUTION(?:\s+(\S+))?\s*$/;
const END = /^\s*\/\/ END SOLUTION\s*$/;
/** Anything that looks like a marker, to catch `/* BEGIN SOLUTION *\/` and other typos. */
const LOOSE = /\b(BEGIN|END) SOLUTION\b/;
/** A line that is a comment (where a mistyped marker would hide). */
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;

/** Scan `text` (the contents of `fileName`) for solution regions and problems. */
export function scanMarkers(fileName: string, text: string, knownTasks?: ReadonlySet<string>): MarkerScan {
  const lines = text.split('\n');
  const lineStarts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    lineStarts.push(offset);
    offset += line.length + 1;
  }
  const regions: SolutionRegion[] = [];
  const problems: MarkerProblem[] = [];
  let source: ts.SourceFile | undefined;
  const parse = () => (source ??= ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));

  let open: { task: string; line: number; indent: string; block: ts.Block | null } | null = null;
  lines.forEach((line, i) => {
    const begin = BEGIN.exec(line);
    const isEnd = END.test(line);
    if (!begin && !isEnd) {
      if (COMMENT_LINE.test(line) && LOOSE.test(line))
        problems.push({ line: i + 1, message: `malformed solution marker: "${line.trim()}"` });
      return;
    }
    const pos = lineStarts[i] + line.indexOf('//');
    const place = markerPlace(parse(), pos);
    if (typeof place === 'string') {
      problems.push({ line: i + 1, message: place });
      if (begin && !open) open = { task: begin[2] ?? '', line: i, indent: begin[1], block: null };
      else if (isEnd) open = null;
      return;
    }
    if (begin) {
      const task = begin[2];
      if (open) {
        problems.push({ line: i + 1, message: `BEGIN SOLUTION inside the region opened on line ${open.line + 1}` });
        return;
      }
      if (!task)
        problems.push({ line: i + 1, message: 'BEGIN SOLUTION names no task (write `// BEGIN SOLUTION 1.3`)' });
      else if (knownTasks && !knownTasks.has(task)) {
        problems.push({ line: i + 1, message: `BEGIN SOLUTION names task "${task}", which is not in the course map` });
      }
      open = { task: task ?? '', line: i, indent: begin[1], block: place };
      return;
    }
    if (!open) {
      problems.push({ line: i + 1, message: 'END SOLUTION without a BEGIN SOLUTION' });
      return;
    }
    if (open.block !== null && open.block !== place) {
      problems.push({
        line: i + 1,
        message: `END SOLUTION is not in the same block as the BEGIN SOLUTION on line ${open.line + 1}`,
      });
    } else if (open.block !== null && open.task) {
      regions.push({
        task: open.task,
        beginLine: open.line,
        endLine: i,
        functionName: functionNameOf(open.block),
        indent: open.indent,
      });
    }
    open = null;
  });
  if (open !== null) {
    const { line } = open;
    problems.push({ line: line + 1, message: 'BEGIN SOLUTION without a matching END SOLUTION' });
  }
  return { regions, problems };
}

/**
 * The function-body block a marker comment at `pos` sits in, between two statements; or a
 * message saying why the marker is misplaced.
 */
function markerPlace(source: ts.SourceFile, pos: number): ts.Block | string {
  // The innermost node whose text (without leading comments) contains the marker.
  let node: ts.Node = source;
  for (;;) {
    const child: ts.Node | undefined = node
      .getChildren(source)
      .find((c) => c.getStart(source) <= pos && pos < c.getEnd());
    if (child === undefined) break;
    node = child;
  }
  if (ts.isStringLiteral(node) || ts.isTemplateLiteralToken(node) || ts.isTemplateExpression(node)) {
    return 'solution marker inside a string or template literal: put the markers around the TypeScript statements instead';
  }
  // A SyntaxList is the list of a block's statements (or members); the marker is between two.
  if (node.kind === ts.SyntaxKind.SyntaxList && node.parent !== undefined) node = node.parent;
  if (ts.isSourceFile(node) || ts.isClassLike(node) || ts.isModuleBlock(node))
    return 'solution marker must be inside a function body';
  if (!ts.isBlock(node)) {
    return 'solution marker must sit between the statements of a function body, not inside an expression or declaration';
  }
  for (let up: ts.Node | undefined = node.parent; up !== undefined; up = up.parent) {
    if (ts.isFunctionLike(up)) return node;
    if (ts.isClassLike(up) || ts.isSourceFile(up)) break;
  }
  return 'solution marker must be inside a function body';
}

/** `Class.method`, `table.op.forward`, `fn`: the named declarations around `node`. */
function functionNameOf(node: ts.Node): string {
  const names: string[] = [];
  for (let up: ts.Node | undefined = node; up !== undefined; up = up.parent) {
    const name = (up as ts.Node & { name?: ts.Node }).name;
    const named =
      ts.isFunctionDeclaration(up) ||
      ts.isFunctionExpression(up) ||
      ts.isMethodDeclaration(up) ||
      ts.isGetAccessorDeclaration(up) ||
      ts.isSetAccessorDeclaration(up) ||
      ts.isClassLike(up) ||
      ts.isPropertyAssignment(up) ||
      ts.isPropertyDeclaration(up) ||
      ts.isVariableDeclaration(up);
    if (ts.isConstructorDeclaration(up)) names.unshift('constructor');
    else if (named && name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name)))
      names.unshift(name.text);
  }
  return names.join('.') || '<anonymous>';
}

/** The stub's message: `Task 1.3: Scalar.chainRule`. */
export function stubMessage(region: SolutionRegion): string {
  return `Task ${region.task}: ${region.functionName}`;
}

/**
 * Replace the body of every region of `text` by a stub throwing `NotImplementedError`, and
 * import the error from `errorsModule` (a path relative to the file, without extension). The
 * markers stay around the stub: they show the student where to write, and they let the
 * grader and `starter --update` find the student's bodies again. Returns the text unchanged
 * when it has no regions or only stubs. Throws when the file has marker problems.
 */
export function stubSolutions(
  fileName: string,
  text: string,
  errorsModule: string,
  knownTasks?: ReadonlySet<string>,
): string {
  const { regions, problems } = scanMarkers(fileName, text, knownTasks);
  if (problems.length > 0) {
    throw new Error(problems.map((p) => `${fileName}:${p.line}: ${p.message}`).join('\n'));
  }
  if (regions.length === 0) return text;
  const lines = text.split('\n');
  // Replace from the bottom so earlier line numbers stay valid.
  for (const r of [...regions].reverse()) {
    lines.splice(r.beginLine + 1, r.endLine - r.beginLine - 1, ...stubBody(r));
  }
  const stubbed = lines.join('\n');
  return stubbed === text ? text : addImport(fileName, stubbed, errorsModule);
}

/** The two lines that stand for a region's body in the starter. */
export function stubBody(region: SolutionRegion): string[] {
  return [
    `${region.indent}// TODO: Task ${region.task}: write this body (see the course notebook), then remove the throw.`,
    `${region.indent}throw new NotImplementedError('${stubMessage(region).replace(/[\\']/g, (c) => `\\${c}`)}');`,
  ];
}

/** A region's body found line by line: what lies between its BEGIN and END markers. */
export interface RegionText {
  /** The task after `BEGIN SOLUTION`. */
  task: string;
  /** Line of the BEGIN marker (0-based). */
  beginLine: number;
  /** Line of the END marker (0-based). */
  endLine: number;
  /** The lines between the markers. */
  body: string[];
}

/**
 * The regions of `text`, paired line by line (no parsing), so that they can be read even
 * from a file that does not compile, such as a student's half-finished submission. Unpaired
 * or nested markers end the scan: what follows them is not read as a region.
 */
export function regionTexts(text: string): RegionText[] {
  const lines = text.split('\n');
  const out: RegionText[] = [];
  let open: { task: string; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]);
    if (begin) {
      if (open !== null || !begin[2]) break;
      open = { task: begin[2], line: i };
    } else if (END.test(lines[i])) {
      if (open === null) break;
      out.push({ task: open.task, beginLine: open.line, endLine: i, body: lines.slice(open.line + 1, i) });
      open = null;
    }
  }
  return out;
}

/** `1.3#0`: a region's key, its task and its rank among that task's regions in the file. */
function regionKeys(regions: RegionText[]): string[] {
  const seen = new Map<string, number>();
  return regions.map((r) => {
    const n = seen.get(r.task) ?? 0;
    seen.set(r.task, n + 1);
    return `${r.task}#${n}`;
  });
}

/**
 * Copy region bodies from `from` into the same regions of `into` (matched by task and rank
 * within the file), leaving every other line of `into` as it is. Only the tasks `accept`
 * says yes to are copied (all by default). Returns the new text and the keys it copied.
 */
export function spliceRegions(
  into: string,
  from: string,
  accept: (task: string) => boolean = () => true,
): { text: string; copied: string[] } {
  const source = new Map<string, RegionText>();
  const fromRegions = regionTexts(from);
  regionKeys(fromRegions).forEach((k, i) => source.set(k, fromRegions[i]));
  const target = regionTexts(into);
  const keys = regionKeys(target);
  const lines = into.split('\n');
  const copied: string[] = [];
  // From the bottom, so earlier line numbers stay valid.
  for (let i = target.length - 1; i >= 0; i--) {
    const src = source.get(keys[i]);
    if (src === undefined || !accept(target[i].task)) continue;
    const r = target[i];
    lines.splice(r.beginLine + 1, r.endLine - r.beginLine - 1, ...src.body);
    copied.unshift(keys[i]);
  }
  return { text: lines.join('\n'), copied };
}

/** Add `import { NotImplementedError } from '<errorsModule>';` unless the file has it. */
function addImport(fileName: string, text: string, errorsModule: string): string {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const line = `import { NotImplementedError } from '${errorsModule}';\n`;
  const imports = source.statements.filter(ts.isImportDeclaration);
  const already = imports.some((d) => {
    const names = d.importClause?.namedBindings;
    return (
      names !== undefined &&
      ts.isNamedImports(names) &&
      names.elements.some((e) => e.name.text === 'NotImplementedError')
    );
  });
  if (already) return text;
  if (imports.length > 0) {
    const end = imports[imports.length - 1].getEnd();
    const nl = text.indexOf('\n', end);
    const at = nl === -1 ? text.length : nl + 1;
    return text.slice(0, at) + line + text.slice(at);
  }
  // No imports: put it after the file's header comment (a comment followed by a blank line).
  const first = source.statements[0];
  const comments = first ? (ts.getLeadingCommentRanges(text, first.getFullStart()) ?? []) : [];
  const header = comments[0];
  if (header !== undefined && /^\r?\n\s*\n/.test(text.slice(header.end))) {
    const at = text.indexOf('\n', header.end) + 1;
    return `${text.slice(0, at)}${line}${text.slice(at)}`;
  }
  return line + text;
}

/** The module specifier of `src/errors` as seen from `file` (both relative to the repo). */
export function errorsModuleFor(file: string, errorsFile = 'src/errors.ts'): string {
  const rel = path.posix.relative(path.posix.dirname(file), errorsFile.replace(/\.ts$/, ''));
  return rel.startsWith('.') ? rel : `./${rel}`;
}
