/**
 * A throwaway Postgres cluster of the test run's own, for tests that stop, crash or freeze the
 * database (test/faults): never the machine's shared Postgres on 5432, which every other test
 * file uses at the same time.
 *
 * `initdb` into a fresh folder under os.tmpdir() (trust auth, no sync) and `pg_ctl start` on a free
 * loopback port, with the binaries of the newest /usr/lib/postgresql/<version>/bin (Debian's
 * `postgresql`, which scripts/ensure-postgres.sh installs). Postgres refuses to run as root; like
 * ensure-postgres.sh (whose `pg_ctlcluster` runs the server as the cluster's owner), the tools run
 * as the `postgres` user when the tests run as root, and the folder is handed to that user.
 *
 * `destroy()` kills whatever is left (a frozen server too) and removes the folder; a test process
 * that exits without it takes the server along ('exit' hook), and a run that died by SIGKILL is
 * cleaned up by the next start (owner.json, as in radosgw.ts).
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type StopMode = 'smart' | 'fast' | 'immediate';

export interface PgCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** The folder holding the data directory, the log and the socket. */
  dir: string;
  /** The URL of another database of this cluster. */
  urlFor(database: string): string;
  /** CREATE DATABASE; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl start -w`: resolves once the server accepts connections (same port, same data); a no-op when it runs. */
  start(): Promise<void>;
  /**
   * `pg_ctl stop -m <mode> -w` (default fast): resolves once the postmaster and all its processes
   * are gone and the port is closed. On a frozen cluster the signals are sent synchronously, before
   * the first await, and the processes resumed to act on them.
   */
  stop(mode?: StopMode): Promise<void>;
  restart(mode?: StopMode): Promise<void>;
  /**
   * SIGSTOP to the postmaster and every process it started: the server hangs (connections are
   * still accepted by the kernel, nothing answers). `resume()` sends SIGCONT to the same processes.
   */
  freeze(): number[];
  resume(): void;
  /** Whether a postmaster of this cluster runs now. */
  running(): boolean;
  /** The server log's last lines (for failure messages). */
  logTail(lines?: number): string;
  /** Kills everything of this cluster (frozen or not) and removes the folder. Safe to call twice. */
  destroy(): Promise<void>;
}

const DIR_PREFIX = 'jobmate-pgc-';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0]) {
    throw new Error(
      'No Postgres binaries under /usr/lib/postgresql/*/bin: run `bash scripts/ensure-postgres.sh` (installs Debian’s postgresql)',
    );
  }
  return path.join(root, versions[0], 'bin');
}

/** uid/gid to run the server as: `postgres` when we are root (Postgres refuses root), else ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid)
    throw new Error('The tests run as root and there is no `postgres` user to run Postgres as');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a running postmaster of `dataDir`, from its pid file (undefined when none runs). */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    // A recycled pid is not ours: the postmaster's command line names its data directory.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Processes whose parent is `pid` (a postmaster's backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** SIGKILLs the postmaster of `dataDir` and its children (resuming nothing first: SIGKILL works on stopped processes). */
function killCluster(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid === undefined) return;
  signal([pid, ...childrenOf(pid)], 'SIGKILL');
}

/** Kills clusters of earlier runs whose owner process is gone, and removes their folders. */
function cleanStaleRuns(): void {
  let names: string[];
  try {
    names = readdirSync(os.tmpdir()).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(os.tmpdir(), name);
    let owner: { owner: number };
    try {
      owner = JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8'));
    } catch {
      continue; // not ours, or still being created
    }
    if (isAlive(owner.owner)) continue;
    killCluster(path.join(dir, 'data'));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Running or stopped, not a zombie: a process that has exited but was not reaped yet is gone for us. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isRunning)) {
    if (Date.now() > deadline)
      throw new Error(`${what}: processes ${pids.filter(isRunning).join(', ')} still run`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startPgCluster(): Promise<PgCluster> {
  cleanStaleRuns();
  const bin = binDir();
  const user = serverUser();
  const dir = await mkdtemp(path.join(os.tmpdir(), DIR_PREFIX));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'run');
  const logFile = path.join(dir, 'postgres.log');
  await writeFile(path.join(dir, 'owner.json'), JSON.stringify({ owner: process.pid }));
  await mkdir(socketDir);
  if (user) for (const p of [dir, socketDir]) chownSync(p, user.uid, user.gid);
  const port = await freePort();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let frozen: number[] = [];
  let destroyed = false;

  const run = (tool: string, args: string[], timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        path.join(bin, tool),
        args,
        {
          cwd: dir,
          timeout: timeoutMs,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', PGTZ: 'UTC' },
          ...(user ?? {}),
        },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          reject(
            new Error(
              `pg-cluster: ${tool} ${args.join(' ')} failed: ${err.message}\n${stderr}\n--- tail of ${logFile}\n${logTail()}`,
            ),
          );
        },
      );
    });

  const logTail = (lines = 20) => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };

  // A test process that exits without destroy() takes its server along.
  const killOnExit = () => killCluster(dataDir);
  process.once('exit', killOnExit);

  const cluster: PgCluster = {
    url,
    port,
    dir,
    urlFor(database) {
      const u = new URL(url);
      u.pathname = `/${database}`;
      return u.href;
    },
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return cluster.urlFor(name);
    },
    async start() {
      if (postmasterPid(dataDir) !== undefined) return;
      await run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', 'start']);
    },
    async stop(mode = 'fast') {
      const pid = postmasterPid(dataDir);
      if (pid === undefined) return;
      const processes = [pid, ...childrenOf(pid)];
      if (frozen.length > 0) {
        // Frozen: signal as pg_ctl would (SIGTERM smart, SIGINT fast, SIGQUIT immediate), and for an
        // immediate stop the backends too, before they run again: a backend frozen in the middle
        // of a statement then dies without finishing it, as if the stop had come at that moment.
        if (mode === 'immediate') signal(frozen.slice(1), 'SIGQUIT');
        signal([pid], mode === 'smart' ? 'SIGTERM' : mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
        cluster.resume();
      } else {
        await run('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
      }
      // pg_ctl returns once the pid file is gone; the port is closed when the postmaster has exited.
      await waitUntilGone(processes, 'pg-cluster stop');
    },
    async restart(mode = 'fast') {
      await cluster.stop(mode);
      await cluster.start();
    },
    freeze() {
      const pid = postmasterPid(dataDir);
      if (pid === undefined) throw new Error('pg-cluster: freeze() with no server running');
      // The postmaster first, so that it starts nothing new while its children are being stopped.
      signal([pid], 'SIGSTOP');
      frozen = [pid, ...childrenOf(pid)];
      signal(frozen.slice(1), 'SIGSTOP');
      return frozen;
    },
    resume() {
      signal([...frozen].reverse(), 'SIGCONT');
      frozen = [];
    },
    running: () => postmasterPid(dataDir) !== undefined,
    logTail,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      process.removeListener('exit', killOnExit);
      const pid = postmasterPid(dataDir);
      if (pid !== undefined) {
        const processes = [pid, ...childrenOf(pid)];
        signal(processes, 'SIGKILL');
        await waitUntilGone(processes, 'pg-cluster destroy');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await run('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '--no-locale',
      '-E',
      'UTF8',
    ]);
    await appendFile(
      path.join(dataDir, 'postgresql.conf'),
      [
        '',
        '# jobmate test cluster (test/support/pg-cluster.ts)',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        'max_connections = 60',
        'shared_buffers = 16MB',
        // Loses nothing on a process crash (pg_ctl stop -m immediate, SIGKILL): only on a machine crash.
        'fsync = off',
        'full_page_writes = off',
        "timezone = 'UTC'",
        '',
      ].join('\n'),
    );
    await cluster.start();
    return cluster;
  } catch (err) {
    await cluster.destroy().catch(() => {});
    throw err;
  }
}
