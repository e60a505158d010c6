/**
 * What a demo view is given on the main thread: its URL parameters, controls bound to them,
 * jobs in the library's worker, and the page's state markers (`<body data-state>`, the
 * `data-metric` elements, the "not done yet" line), which tests and lecturers' scripts read.
 */
import type { BackendStatus, Params } from './protocol';

/** The page's states, on `<body data-state>`. */
export type PageState = 'idle' | 'running' | 'done' | 'error';

/** A running job, seen from the page. */
export interface JobHandle {
  control(action: 'play' | 'pause' | 'step' | 'stop'): void;
}

/** What a job's answers go to. */
export interface JobHandlers {
  onEvent?: (data: never) => void;
  onDone?: (data: never) => void;
  /** A "Task N.M is not done yet" line or an error: already shown, told here too. */
  onEnd?: (kind: 'todo' | 'error') => void;
}

/** The keys of lecture mode, as a view handles them. */
export interface Keys {
  playPause?: () => void;
  step?: () => void;
  reset?: () => void;
}

/** A view's toolbox. */
export interface ViewApi {
  /** The view's element. */
  root: HTMLElement;
  /** The URL's parameters over the view's defaults. */
  params: Params;
  /** Change parameters: the URL follows (so it always reproduces the view). */
  set(values: Params): void;
  /** Start job `name` with the view's parameters (and `extra`), paused unless `playing`. */
  start(name: string, handlers: JobHandlers, options?: { extra?: Params; playing?: boolean }): JobHandle;
  /** Mark the page's state. */
  state(state: PageState): void;
  /** Show a result in the `data-metric="name"` element. */
  metric(name: string, text: string): void;
  /** Which backends run (null until the worker has found out). */
  status(): BackendStatus | null;
  /** Run `fn` once the backend status is known. */
  onStatus(fn: (status: BackendStatus) => void): void;
}

/** An element with classes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** A labelled control bound to parameter `name`; `onChange` runs after the URL is updated. */
export function control(
  api: ViewApi,
  name: string,
  spec: {
    label?: string;
    options?: string[];
    min?: number;
    max?: number;
    step?: number;
    slider?: boolean;
    width?: string;
  },
  onChange: () => void,
): HTMLElement {
  let input: HTMLInputElement | HTMLSelectElement;
  if (spec.options) {
    input = el('select', { name });
    for (const o of spec.options) input.append(el('option', { value: o }, o));
  } else {
    input = el('input', { name, type: spec.slider ? 'range' : spec.min !== undefined ? 'number' : 'text' });
    if (spec.min !== undefined) input.min = String(spec.min);
    if (spec.max !== undefined) input.max = String(spec.max);
    if (spec.step !== undefined) input.step = String(spec.step);
    if (spec.width) input.style.width = spec.width;
  }
  input.value = api.params[name] ?? '';
  const shown = el('output', {}, spec.slider ? input.value : '');
  input.addEventListener(spec.slider ? 'input' : 'change', () => {
    shown.textContent = spec.slider ? input.value : '';
    api.set({ [name]: input.value });
    onChange();
  });
  return el('label', { class: 'control' }, `${spec.label ?? name} `, input, shown);
}

/** A button. */
export function button(text: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, text);
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Play, Pause, Step and Reset for a job that runs step by step: Reset starts it again from the
 * same seed (paused), Play runs it, Step runs one step. Returns the lecture-mode keys.
 */
export function playControls(
  api: ViewApi,
  into: HTMLElement,
  name: string,
  handlers: JobHandlers & { onReset?: () => void },
): Keys & { restart: () => void } {
  let job: JobHandle | null = null;
  let playing = false;
  let finished = false;
  const play = button('Play', () => toggle(), { 'data-action': 'play' });
  const start = (autoplay: boolean) => {
    job?.control('stop');
    finished = false;
    playing = autoplay;
    play.textContent = playing ? 'Pause' : 'Play';
    handlers.onReset?.();
    api.state(playing ? 'running' : 'idle');
    job = api.start(
      name,
      {
        ...handlers,
        onDone: (d) => {
          finished = true;
          playing = false;
          play.textContent = 'Play';
          api.state('done');
          handlers.onDone?.(d);
        },
      },
      { playing },
    );
  };
  const toggle = () => {
    if (finished) return start(true);
    playing = !playing;
    play.textContent = playing ? 'Pause' : 'Play';
    api.state(playing ? 'running' : 'idle');
    job?.control(playing ? 'play' : 'pause');
  };
  const step = () => {
    if (finished) return;
    if (playing) toggle();
    job?.control('step');
  };
  into.append(
    play,
    button('Step', step, { 'data-action': 'step' }),
    button('Reset', () => start(false), { 'data-action': 'reset' }),
  );
  start(api.params.play === '1');
  return { playPause: toggle, step, reset: () => start(false), restart: () => start(playing) };
}
