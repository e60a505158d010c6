/**
 * A small parser for the autodiff sandbox: expressions of x, y and z with + - * /, unary
 * minus, parentheses, numbers and the functions log, exp, relu, sigmoid, neg, inv, built
 * straight into Scalars (no `eval`). Errors say where and what was expected.
 */
import { Scalar } from '../../src/scalar';

/** The sandbox's functions of one Scalar. */
const FUNCTIONS: Record<string, (s: Scalar) => Scalar> = {
  log: (s) => s.log(),
  exp: (s) => s.exp(),
  relu: (s) => s.relu(),
  sigmoid: (s) => s.sigmoid(),
  neg: (s) => s.neg(),
  inv: (s) => s.inv(),
};

/** Parse `text` into a Scalar computed from the `variables` (x, y, z) given. */
export function parseExpression(text: string, variables: Record<string, Scalar>): Scalar {
  const tokens = text.match(/\d+\.?\d*(?:e[+-]?\d+)?|\.\d+|[A-Za-z_]\w*|\S/g) ?? [];
  let at = 0;
  const fail = (expected: string): never => {
    throw new SyntaxError(
      `expression: expected ${expected} at token ${at + 1}, got ${tokens[at] === undefined ? 'the end' : `"${tokens[at]}"`}`,
    );
  };
  const peek = (): string | undefined => tokens[at];
  const take = (t: string): boolean => (tokens[at] === t ? (at++, true) : false);
  const atom = (): Scalar | number => {
    const t = peek();
    if (t === undefined) return fail('a number, x, y, z, a function or "("');
    if (take('(')) {
      const e = sum();
      if (!take(')')) fail('")"');
      return e;
    }
    if (/^[\d.]/.test(t)) {
      at++;
      return Number(t);
    }
    if (t in variables) {
      at++;
      return variables[t];
    }
    if (t in FUNCTIONS) {
      at++;
      if (!take('(')) fail(`"(" after ${t}`);
      const arg = sum();
      if (!take(')')) fail('")"');
      return FUNCTIONS[t](lift(arg));
    }
    return fail(`a number, ${Object.keys(variables).join(', ')}, or one of ${Object.keys(FUNCTIONS).join(', ')}`);
  };
  const unary = (): Scalar | number => {
    if (take('-')) {
      const v = unary();
      return typeof v === 'number' ? -v : v.neg();
    }
    return atom();
  };
  const product = (): Scalar | number => {
    let left = unary();
    for (let op = peek(); op === '*' || op === '/'; op = peek()) {
      at++;
      const right = unary();
      left = op === '*' ? lift(left).mul(right) : lift(left).div(right);
    }
    return left;
  };
  const sum = (): Scalar | number => {
    let left = product();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      at++;
      const right = product();
      left = op === '+' ? lift(left).add(right) : lift(left).sub(right);
    }
    return left;
  };
  const result = sum();
  if (at < tokens.length) fail('an operator or the end');
  return lift(result);
}

/** A number as a constant Scalar. */
function lift(v: Scalar | number): Scalar {
  return typeof v === 'number' ? new Scalar(v, { requiresGrad: false }) : v;
}
