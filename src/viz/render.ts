/**
 * Static rendering of vega-lite charts in Node: spec -> vega -> SVG text.
 *
 * Interactive front ends (JupyterLab, VS Code) draw a vega-lite spec themselves, but GitHub,
 * nbconvert's HTML and files on disk need a picture, so every chart is also rendered here.
 *
 * @packageDocumentation
 */
import type * as Vega from 'vega';
import type * as VegaLite from 'vega-lite';

/** The `$schema` of vega-lite version 5, the version JupyterLab 4 and VS Code render. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/**
 * A vega-lite v5 specification, as plain JSON (https://vega.github.io/vega-lite/docs/spec.html).
 * Deliberately loose: vega-lite checks the spec when it compiles it. Functions that take a
 * spec accept any `object`, so vega-lite's own `TopLevelSpec` type works too.
 */
export type VegaLiteSpec = { $schema?: string; [key: string]: unknown };

/**
 * The spec with `$schema` set to vega-lite v5 (a copy; the input is not changed). Throws if
 * the spec names another vega-lite version, which the v5 renderers would misdraw.
 */
export function withV5Schema(spec: object): VegaLiteSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new TypeError(`expected a vega-lite spec object, got ${Array.isArray(spec) ? 'an array' : String(spec)}`);
  }
  const schema = (spec as VegaLiteSpec).$schema;
  if (schema !== undefined && !/vega-lite\/v5(\.|\/|$)/.test(String(schema))) {
    throw new Error(
      `spec.$schema is ${JSON.stringify(schema)}; only vega-lite v5 specs are supported (${VEGA_LITE_SCHEMA})`,
    );
  }
  return { ...spec, $schema: VEGA_LITE_SCHEMA };
}

/**
 * Render a vega-lite v5 spec to an SVG document (a string), headless: vega runs with no
 * renderer and produces the SVG text directly, so nothing needs a browser or canvas.
 */
export async function renderSvg(spec: object): Promise<string> {
  // Loaded on first use, not when minitorch is imported: vega and vega-lite are megabytes of
  // heap that a training loop which never draws would carry through every garbage collection.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  const vegaLite = require('vega-lite') as typeof VegaLite;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  const vega = require('vega') as typeof Vega;
  // The spec is plain JSON from the caller; vega-lite validates it as it compiles.
  const compiled = vegaLite.compile(withV5Schema(spec) as unknown as VegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize(); // release vega's timers and listeners
  }
}
