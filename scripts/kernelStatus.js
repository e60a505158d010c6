/**
 * Loaded into the MiniTorch kernel (`--require`, from the kernelspec's NODE_OPTIONS; see
 * scripts/jupyter.ts): keeps the kernel's status "busy" while cells are still queued.
 *
 * tslab publishes `busy` when a request arrives and `idle` when that request ends. On *Run
 * All*, JupyterLab sends every cell at once, so all the `busy`s come first and the first
 * cell's `idle` leaves the status bar saying "Idle" for the rest of the run (77 s of MNIST
 * training in Module 4), while cells still show `[*]`. ipykernel instead says `busy` for each
 * request as it starts. Here each request still gets its own `idle` (a front end finishes a
 * cell when it has both the reply and that `idle`), and when other requests are still in
 * flight a `busy` for the oldest of them follows at once: the last status a front end sees
 * is `idle` only when nothing is left to run.
 *
 * Plain JavaScript: it must load before tslab does; it patches tslab's `ZmqServer` when
 * tslab loads `dist/jupyter.js` and does nothing in any other process.
 */
'use strict';
const Module = require('module');

/** tslab's own file that defines `ZmqServer`. */
const TSLAB_JUPYTER = /[/\\]tslab[/\\]dist[/\\]jupyter\.js$/;

/**
 * Make `ZmqServer.prototype.publishStatus` follow an ended request's `idle` with a `busy` for
 * the oldest request still in flight. Idempotent. Exported for the tests.
 */
function keepBusyWhileQueued(ZmqServer) {
  const proto = ZmqServer.prototype;
  if (proto.publishStatus.minitorchKeepsBusy) return;
  const publish = proto.publishStatus;
  const patched = function publishStatus(status, parent) {
    // Parents of the requests between their `busy` and their `idle`, oldest first (tslab
    // runs executions in arrival order).
    const inFlight = this.minitorchInFlight ?? (this.minitorchInFlight = []);
    publish.call(this, status, parent);
    if (status === 'busy') inFlight.push(parent);
    else if (status === 'idle') {
      const i = inFlight.indexOf(parent);
      if (i >= 0) inFlight.splice(i, 1);
      if (inFlight.length > 0) publish.call(this, 'busy', inFlight[0]);
    }
  };
  patched.minitorchKeepsBusy = true;
  proto.publishStatus = patched;
}

const load = Module._load;
Module._load = function loadAndPatch(request, parent, isMain) {
  const exported = load.apply(this, arguments);
  if (exported && typeof exported.ZmqServer === 'function' && parent) {
    let file = '';
    try {
      file = Module._resolveFilename(request, parent, isMain);
    } catch {
      // not a file we can name: not tslab's
    }
    if (TSLAB_JUPYTER.test(file)) keepBusyWhileQueued(exported.ZmqServer);
  }
  return exported;
};

module.exports = { keepBusyWhileQueued };
