/**
 * The unprivileged side of the autograder: who runs submitted code, with what limits, and how
 * every process it started is ended.
 *
 * Gradescope runs `run_autograder` as root. The grader (root) never loads submitted code; it
 * starts the processes that do as a system user of their own (`minitorch-student`, made on
 * first use; `nobody` where no user can be added), in a new session, with limits on
 * processes (a fork bomb stops at `maxProcesses`) and file size, and with `HOME` and
 * `TMPDIR` in a folder that user owns inside the grader's work folder. Afterwards it kills
 * the session's process group and then every process of that user (`kill -9 -1` run as the
 * user: a detached grandchild is not in the group), and removes every file the user left in
 * the shared temp folders.
 *
 * @packageDocumentation
 */
import { ChildProcess, SpawnOptions, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The user submitted code runs as. */
export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
}

/** Limits of a sandboxed process (and everything it starts, by the user's account). */
export interface SandboxLimits {
  /** RLIMIT_NPROC: processes and threads of the user (Node itself uses about a dozen). */
  maxProcesses: number;
  /** RLIMIT_FSIZE, in MiB: the largest file it may write. */
  maxFileMiB: number;
}

/** The default limits: enough for the course's tests (worker pools included). */
export const DEFAULT_LIMITS: SandboxLimits = { maxProcesses: 256, maxFileMiB: 64 };

/** The name of the grading user. */
export const SANDBOX_USER = 'minitorch-student';

/** True when this process can drop privileges (it runs as root). */
export function canSandbox(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function lookup(name: string): SandboxUser | null {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * The grading user: `minitorch-student`, added with `useradd --system` when missing (as
 * root); `nobody` when it cannot be added. Never root.
 */
export function sandboxUser(): SandboxUser {
  let user = lookup(SANDBOX_USER);
  if (user === null) {
    spawnSync(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--home-dir', '/nonexistent', SANDBOX_USER],
      { stdio: 'ignore' },
    );
    user = lookup(SANDBOX_USER);
  }
  user ??= lookup('nobody') ?? { name: 'nobody', uid: 65534, gid: 65534 };
  if (user.uid === 0) throw new Error('sandbox: the grading user must not be root');
  return user;
}

/** A fresh folder owned by `user` (mode 0700) for its HOME and TMPDIR. */
export function userFolder(parent: string, user: SandboxUser): string {
  const dir = fs.mkdtempSync(path.join(parent, 'home-'));
  fs.chownSync(dir, user.uid, user.gid);
  fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * Spawn `command args` as `user` (or as this user when `user` is null), in its own session
 * and process group, with `limits` set by the shell before it becomes the command.
 */
export function spawnLimited(
  command: string,
  args: string[],
  options: SpawnOptions,
  user: SandboxUser | null,
  limits: SandboxLimits = DEFAULT_LIMITS,
): ChildProcess {
  // RLIMIT_NPROC counts the user's zombies too. Where PID 1 does not reap orphans (a container
  // with no init), every process `endAll` killed stays one for good: after a fork bomb, 256
  // of them would leave no room to start a thread. They hold no resources, so each run may
  // have its own allowance on top of them. (bash, not sh: dash's ulimit has no -u.)
  const ulimits =
    user === null
      ? ''
      : `ulimit -u ${limits.maxProcesses + zombiesOf(user.uid).length} && ulimit -f ${limits.maxFileMiB * 1024} && `;
  return spawn(user === null ? '/bin/sh' : '/bin/bash', ['-c', `${ulimits}exec "$0" "$@"`, command, ...args], {
    ...options,
    detached: true,
    ...(user === null ? {} : { uid: user.uid, gid: user.gid }),
  });
}

/** Processes of `uid` now running, from /proc (pids). */
export function processesOf(uid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
      if (m && (Number(m[1]) === uid || Number(m[2]) === uid)) out.push(Number(name));
    } catch {
      // Gone already.
    }
  }
  return out;
}

/**
 * End `child`'s process group and, for a sandboxed run, every process of the user: first
 * `kill -9 -1` as the user (all its processes at once, so a fork bomb cannot outrun a
 * one-by-one sweep), then any left, one by one, until none remains. Synchronous: nothing of
 * the user's survives past this call (a zombie is dead, only not reaped).
 */
export function endAll(child: ChildProcess | null, user: SandboxUser | null): void {
  if (child?.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone.
    }
  }
  if (user === null) return;
  for (let round = 0; round < 50; round++) {
    const left = processesOf(user.uid).filter((pid) => !isZombie(pid));
    if (left.length === 0) return;
    spawnSync('/bin/kill', ['-9', '-1'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
  }
  throw new Error(`sandbox: processes of ${user.name} survive: ${processesOf(user.uid).join(' ')}`);
}

/** Zombies of `uid`: processes that ended but were not reaped (pids). */
export function zombiesOf(uid: number): number[] {
  return processesOf(uid).filter((pid) => isZombie(pid, false));
}

/** Processes of `uid` still alive (zombies, dead but not yet reaped, left out). */
export function liveProcessesOf(uid: number): number[] {
  return processesOf(uid).filter((pid) => !isZombie(pid));
}

/** Whether `pid` is a zombie; `gone` is the answer for a process no longer in /proc. */
function isZombie(pid: number, gone = true): boolean {
  try {
    return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return gone;
  }
}

/** Remove every file and folder of `uid` at the top of the shared temp folders. */
export function removeFilesOf(uid: number): string[] {
  const removed: string[] = [];
  for (const dir of [...new Set([os.tmpdir(), '/tmp', '/var/tmp', '/dev/shm'])]) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const f = path.join(dir, name);
      try {
        if (fs.lstatSync(f).uid === uid) {
          fs.rmSync(f, { recursive: true, force: true });
          removed.push(f);
        }
      } catch {
        // Gone.
      }
    }
  }
  return removed;
}

/** Make `dir` and its parents up to `/` traversable by others (the grading user). */
export function openPath(dir: string): void {
  let d = path.resolve(dir);
  while (true) {
    const st = fs.statSync(d);
    if ((st.mode & 0o001) === 0) fs.chmodSync(d, st.mode | 0o005);
    const up = path.dirname(d);
    if (up === d) return;
    d = up;
  }
}

/** Free bytes on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/** `id -un`, for messages. */
export function whoAmI(): string {
  try {
    return execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  } catch {
    return String(process.getuid?.());
  }
}
