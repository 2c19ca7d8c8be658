/**
 * A throwaway Ceph cluster for the storage tests: one mon + one memstore OSD + radosgw (a real S3
 * server that checks SigV4 signatures), all on loopback, all state in one fresh folder under
 * os.tmpdir(). Needs Debian's `radosgw ceph-mon ceph-osd` (scripts/ensure-radosgw.sh).
 *
 * Started once per test run (vitest globalSetup); `stop()` kills every daemon it started and
 * removes the folder. A run that died without `stop()` is cleaned up by the next start.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Radosgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Milliseconds from the call to a ready S3 endpoint with its user. */
  startupMs: number;
  stop(): Promise<void>;
  /**
   * Stops just the radosgw daemon (SIGKILL by default: a crash; SIGTERM: a shutdown), keeping the
   * mon, the OSD and the data; resolves once it has exited (its port is closed then). For fault
   * tests, on a cluster of their own: never on the run's shared one.
   */
  stopGateway(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts the radosgw daemon again, on the same port with the same data; resolves once it answers. */
  startGateway(): Promise<void>;
}

const DIR_PREFIX = 'jobmate-rgw-';
const BINARIES = ['monmaptool', 'ceph-mon', 'ceph-osd', 'ceph', 'radosgw', 'radosgw-admin'];
const READY_TIMEOUT_MS = 90_000;

class StartError extends Error {
  override name = 'RadosgwStartError';
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

function which(binary: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .some((dir) => dir && existsSync(path.join(dir, binary)));
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills daemons of earlier runs whose owner process is gone (matched by pid AND their folder in the command line). */
function cleanStaleRuns(): void {
  const tmp = os.tmpdir();
  let entries: string[];
  try {
    entries = readdirSync(tmp).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = path.join(tmp, name);
    let owner: { owner: number; pids: number[] };
    try {
      owner = JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8'));
    } catch {
      continue; // not ours or still being created
    }
    if (isAlive(owner.owner)) continue;
    for (const pid of owner.pids) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts a fresh cluster (about 2 s). A start whose daemon dies on the way (a Ceph start-up race) is
 * cleaned up and tried once more; the error of the last attempt carries the daemon log tails.
 */
export async function startRadosgw(): Promise<Radosgw> {
  const started = performance.now();
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length > 0) {
    throw new StartError(
      `Ceph binaries missing (${missing.join(', ')}): run \`bash scripts/ensure-radosgw.sh\` (installs Debian's radosgw ceph-mon ceph-osd)`,
    );
  }
  cleanStaleRuns();
  for (let attempt = 1; ; attempt++) {
    try {
      const gw = await startOnce();
      return { ...gw, startupMs: Math.round(performance.now() - started) };
    } catch (err) {
      if (attempt >= 2 || !(err instanceof StartError)) throw err;
      console.warn(`[radosgw] start attempt ${attempt} failed, retrying: ${err.message.split('\n')[0]}`);
    }
  }
}

async function startOnce(): Promise<Radosgw> {
  const dir = await mkdtemp(path.join(os.tmpdir(), DIR_PREFIX));
  const logDir = path.join(dir, 'log');
  await Promise.all(
    ['log', 'run', 'mon/a', 'osd/0', 'rgw'].map((d) => mkdir(path.join(dir, d), { recursive: true })),
  );
  const [monPort, rgwPort] = await Promise.all([freePort(), freePort()]);
  const conf = path.join(dir, 'ceph.conf');
  const fsid = randomUUID();
  const monAddr = `v1:127.0.0.1:${monPort}`;
  await writeFile(
    conf,
    `[global]
fsid = ${fsid}
mon host = ${monAddr}
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
mon warn on insecure global id reclaim allowed = false
ms bind msgr2 = false
ms bind ipv4 = true
ms bind ipv6 = false
public addr = 127.0.0.1
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
# The OSD must not send mon commands while it starts: an early one can carry a zero fsid, which the
# mon refuses ("wrong fsid"), and the OSD then exits. The OSD is put into CRUSH by the start-up code.
osd crush update on start = false
osd class update on start = false
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
mon allow pool delete = true
paxos propose interval = 0.05
mon osd reporter subtree level = osd
osd objectstore = memstore
memstore device bytes = 2147483648
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${logDir}/$name.log
mon data = ${dir}/mon/$id
osd data = ${dir}/osd/$id
keyring = ${dir}/keyring
mon cluster log file = ${logDir}/cluster.log
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw enable usage log = false
rgw dns name = 127.0.0.1
`,
  );
  await writeFile(path.join(dir, 'keyring'), '');

  const children: ChildProcess[] = [];
  const exited = new Map<ChildProcess, string>();
  const recordOwner = () =>
    writeFile(
      path.join(dir, 'owner.json'),
      JSON.stringify({ owner: process.pid, pids: children.map((c) => c.pid).filter(Boolean) }),
    );
  await recordOwner();

  const killAll = () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  // A test process that exits without stop() still takes its daemons along.
  process.once('exit', killAll);

  const stop = async () => {
    process.removeListener('exit', killAll);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  /** Runs a short command; on failure, a StartError with its output and the named daemon log. */
  const run = (step: string, file: string, args: string[], timeoutMs = 30_000, log?: string) =>
    new Promise<string>((resolve, reject) => {
      execFile(file, ['-c', conf, ...args], { timeout: timeoutMs, cwd: dir }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(
          new StartError(
            `radosgw test cluster: ${step} failed (${file} ${args.join(' ')}): ${err.message}\n${stderr}${
              log ? `\n--- tail of ${log}\n${tail(path.join(logDir, log))}` : ''
            }`,
          ),
        );
      });
    });

  const daemon = async (name: string, file: string, args: string[]) => {
    const out = openSync(path.join(logDir, `${name}.out`), 'a');
    const child = spawn(file, ['-c', conf, '-f', ...args], { cwd: dir, stdio: ['ignore', out, out] });
    closeSync(out);
    child.on('exit', (code, signal) => exited.set(child, `${name} exited (code ${code}, signal ${signal})`));
    child.on('error', (err) => exited.set(child, `${name} could not start: ${err.message}`));
    children.push(child);
    await recordOwner();
    return child;
  };

  const failure = (message: string) =>
    new StartError(
      `radosgw test cluster: ${message}\n${[
        ['mon.a.log', 'mon.a'],
        ['osd.0.log', 'osd.0'],
        ['client.rgw.a.log', 'rgw'],
      ]
        .map(
          ([log, label]) =>
            `--- tail of ${label} log (${path.join(logDir, log!)})\n${tail(path.join(logDir, log!), 15)}`,
        )
        .join('\n')}${[...exited.values()].length ? `\nexited: ${[...exited.values()].join('; ')}` : ''}`,
    );

  const endpoint = `http://127.0.0.1:${rgwPort}`;
  let gateway: ChildProcess | undefined;
  /** Polls the gateway until it answers; fails when a daemon stops meanwhile or it takes too long. */
  const gatewayReady = async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited.size > 0) throw failure('a daemon stopped while the gateway started');
      try {
        const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw failure(`radosgw did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  try {
    const monmap = path.join(dir, 'run', 'monmap');
    await run('monmaptool', 'monmaptool', [
      '--create',
      '--fsid',
      fsid,
      '--addv',
      'a',
      `[${monAddr}]`,
      monmap,
    ]);
    await run('ceph-mon --mkfs', 'ceph-mon', ['--mkfs', '-i', 'a', '--monmap', monmap], 30_000, 'mon.a.log');
    await daemon('mon.a', 'ceph-mon', ['-i', 'a']);

    const osdUuid = randomUUID();
    const osdId = (
      await run(
        'ceph osd new',
        'ceph',
        ['--connect-timeout', '30', 'osd', 'new', osdUuid],
        40_000,
        'mon.a.log',
      )
    ).trim();
    if (osdId !== '0') throw failure(`expected OSD id 0, got ${JSON.stringify(osdId)}`);
    await Promise.all([
      run('ceph-osd --mkfs', 'ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', osdUuid], 30_000, 'osd.0.log'),
      run(
        'ceph osd crush add',
        'ceph',
        ['osd', 'crush', 'add', 'osd.0', '1.0', 'host=localhost', 'root=default'],
        40_000,
        'mon.a.log',
      ),
    ]);
    await daemon('osd.0', 'ceph-osd', ['-i', '0']);
    gateway = await daemon('rgw', 'radosgw', ['-n', 'client.rgw.a']);
    await gatewayReady();

    const accessKeyId = `JM${randomBytes(9).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64url');
    await run(
      'radosgw-admin user create',
      'radosgw-admin',
      [
        'user',
        'create',
        '--uid=jobmate-test',
        '--display-name=Jobmate tests',
        `--access-key=${accessKeyId}`,
        `--secret-key=${secretAccessKey}`,
      ],
      30_000,
      'client.admin.log',
    );

    return {
      endpoint,
      accessKeyId,
      secretAccessKey,
      region: 'us-east-1',
      startupMs: 0,
      stop,
      async stopGateway(signal = 'SIGKILL') {
        const child = gateway;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill(signal);
        await gone;
        exited.delete(child); // stopped on purpose: not a daemon that died
      },
      async startGateway() {
        if (gateway && gateway.exitCode === null && gateway.signalCode === null) return;
        gateway = await daemon('rgw', 'radosgw', ['-n', 'client.rgw.a']);
        await gatewayReady();
      },
    };
  } catch (err) {
    const keepLogs = process.env.KEEP_RADOSGW_LOGS === '1';
    if (keepLogs) {
      killAll();
    } else {
      await stop().catch(() => {});
    }
    throw err;
  }
}
