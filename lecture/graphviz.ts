/** Graphviz in the page (the `@viz-js/viz` WebAssembly, bundled): DOT from the worker drawn as SVG. */
import { instance } from '@viz-js/viz';

let viz: ReturnType<typeof instance> | null = null;

/** Lay out `dot` and put the SVG into `into` (the last call wins when several overlap). */
export async function renderDot(into: HTMLElement, dot: string): Promise<void> {
  viz ??= instance();
  const token = String(Math.random());
  into.dataset.token = token;
  const svg = (await viz).renderSVGElement(dot);
  if (into.dataset.token === token) into.replaceChildren(svg);
}
