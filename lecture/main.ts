/**
 * The page's main thread: it only draws. The repository's library runs in `lib-worker.js`
 * (see `worker.ts`); this file routes `#/moduleN/view?…` to a view, keeps every control in
 * the URL, shows the backend badge and the "not done yet" lines, and handles lecture mode
 * (large type; space play/pause, → step, r reset).
 */
import type { BackendStatus, FromWorker, Params, ToWorker } from './protocol';
import { type JobHandlers, type Keys, type PageState, type ViewApi, el } from './ui';
import { DEFAULT_VIEW, VIEWS } from './pages';

const worker = new Worker('lib-worker.js', { name: 'minitorch' });
const send = (m: ToWorker): void => worker.postMessage(m);

let status: BackendStatus | null = null;
const statusWaiters: Array<(s: BackendStatus) => void> = [];
const jobs = new Map<number, JobHandlers>();
let nextJob = 1;
/** Jobs of the view on screen: stopped when the view changes. */
let viewJobs: number[] = [];
let keys: Keys = {};

const badge = el('span', { class: 'badge', 'data-metric': 'backend', title: '' }, 'starting…');
const todo = el('div', { class: 'todo', hidden: '' });
const errorBox = el('div', { class: 'error', hidden: '' });
const view = el('main', { id: 'view' });

function setState(state: PageState): void {
  document.body.dataset.state = state;
}

function showLine(box: HTMLElement, message: string | null): void {
  box.textContent = message ?? '';
  box.hidden = message === null;
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  if (m.kind === 'status') {
    status = m.status;
    badge.textContent = m.status.label;
    badge.title = m.status.why;
    badge.dataset.best = m.status.best;
    if (m.status.why) badge.append(el('small', {}, ` (${m.status.why})`));
    statusWaiters.splice(0).forEach((fn) => fn(m.status));
    return;
  }
  const handlers = jobs.get(m.id);
  if (handlers === undefined) return; // a job of a view no longer on screen
  if (m.kind === 'event') handlers.onEvent?.(m.data as never);
  else {
    jobs.delete(m.id);
    if (m.kind === 'done') handlers.onDone?.(m.data as never);
    else if (m.kind === 'todo') {
      showLine(todo, m.message);
      setState('done');
      handlers.onEnd?.('todo');
    } else {
      showLine(errorBox, m.message);
      setState('error');
      handlers.onEnd?.('error');
    }
  }
};
worker.onerror = (e) => {
  showLine(errorBox, `the library's worker failed: ${e.message}`);
  setState('error');
};

/** The current route: view name and parameters from `#/module1/train?a=b`. */
function parseHash(): { name: string; params: Params } {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const name = path in VIEWS ? path : DEFAULT_VIEW;
  return { name, params: Object.fromEntries(new URLSearchParams(query)) };
}

function render(): void {
  for (const id of viewJobs) {
    send({ kind: 'control', id, action: 'stop' });
    jobs.delete(id);
  }
  viewJobs = [];
  showLine(todo, null);
  showLine(errorBox, null);
  const { name, params: given } = parseHash();
  const def = VIEWS[name];
  const params: Params = { ...def.defaults, ...given };
  document.body.classList.toggle('lecture', params.lecture === '1');
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('current', a.getAttribute('href') === `#/${name}`);
  view.replaceChildren(el('h1', {}, def.title));
  if (def.intro) view.append(el('p', { class: 'intro' }, def.intro));
  const root = el('div', { class: 'body' });
  view.append(root);
  const metrics = el('div', { class: 'metrics' });
  const api: ViewApi = {
    root,
    params,
    set(values) {
      Object.assign(params, values);
      const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
      history.replaceState(null, '', `#/${name}${query.toString() ? `?${query}` : ''}`);
    },
    start(job, handlers, options = {}) {
      const id = nextJob++;
      jobs.set(id, handlers);
      viewJobs.push(id);
      showLine(todo, null);
      showLine(errorBox, null);
      send({
        kind: 'job',
        id,
        name: job,
        params: { ...params, ...(options.extra ?? {}) },
        playing: options.playing ?? true,
      });
      return { control: (action) => send({ kind: 'control', id, action }) };
    },
    state: setState,
    metric(metric, text) {
      let e = metrics.querySelector<HTMLElement>(`[data-metric="${metric}"]`);
      if (e === null) {
        e = el('span', { 'data-metric': metric });
        metrics.append(el('span', { class: 'metric' }, `${metric} `, e));
      }
      e.textContent = text;
    },
    status: () => status,
    onStatus(fn) {
      if (status !== null) fn(status);
      else statusWaiters.push(fn);
    },
  };
  setState('idle');
  keys = def.render(api) ?? {};
  view.append(metrics);
}

const nav = el('nav', {});
let module = -1;
for (const [name, def] of Object.entries(VIEWS)) {
  if (def.module !== module) {
    module = def.module;
    nav.append(el('strong', {}, `Module ${module}`));
  }
  nav.append(el('a', { href: `#/${name}` }, def.short));
}
const lectureToggle = el(
  'button',
  { type: 'button', class: 'lecture-toggle', title: 'large type (l)' },
  'lecture mode',
);
lectureToggle.addEventListener('click', () => toggleLecture());

function toggleLecture(): void {
  const on = !document.body.classList.contains('lecture');
  const { name, params } = parseHash();
  if (on) params.lecture = '1';
  else delete params.lecture;
  const query = new URLSearchParams(params).toString();
  history.replaceState(null, '', `#/${name}${query ? `?${query}` : ''}`);
  document.body.classList.toggle('lecture', on);
}

document.body.replaceChildren(
  el('header', {}, el('span', { class: 'title' }, 'MiniTorch lecture demos'), badge, lectureToggle),
  nav,
  todo,
  errorBox,
  view,
);
document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  if (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === ' ') keys.playPause?.();
  else if (e.key === 'ArrowRight') keys.step?.();
  else if (e.key === 'r') keys.reset?.();
  else if (e.key === 'l') toggleLecture();
  else return;
  e.preventDefault();
});
window.addEventListener('hashchange', render);
render();
