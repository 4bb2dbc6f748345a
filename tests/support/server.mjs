// Starts the real QuantumVault server on a free loopback port for a test.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const BIN = process.env.QV_SERVER_BIN;
const SITE = process.env.QV_SITE_DIR;

/** Runs the server binary over the built site; resolves once it listens. */
export async function startServer({ env = {}, site = SITE } = {}) {
  if (!BIN || !site) throw new Error('QV_SERVER_BIN and QV_SITE_DIR must be set: run the tests with `cargo xtask test`');
  const dir = await mkdtemp(join(tmpdir(), 'qv-e2e-'));
  const portFile = join(dir, 'address');
  const logs = [];
  const child = spawn(BIN, ['--bind', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--site-dir', site, '--port-file', portFile], {
    env: { ...process.env, RUST_LOG: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => logs.push(d.toString()));
  child.stderr.on('data', (d) => logs.push(d.toString()));
  let address;
  for (let i = 0; i < 750 && !address; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${logs.join('')}`);
    address = await readFile(portFile, 'utf8').catch(() => undefined);
    if (!address) await sleep(20);
  }
  if (!address) throw new Error(`server did not start:\n${logs.join('')}`);
  return {
    url: `http://${address.trim()}`,
    dir,
    logs,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
    async cleanup() {
      await this.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
