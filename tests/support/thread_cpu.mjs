// CPU time per thread of a process tree, from /proc (Linux): which threads
// of Chromium (renderer main, worker, WebCrypto pool, network service…) and
// of the server a benchmark stage kept busy. A profiling aid for the share
// bench (QV_BENCH_THREADS=1), not a measurement the report relies on.
//
//   const cpu = threadCpu([chrome.pid, server.pid]);
//   const before = cpu.snapshot();  …  cpu.report(before, cpu.snapshot(), secs)
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** Threads of every process under `roots` with their CPU ticks. */
export function threadCpu(roots) {
  const children = (pid) => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  const kind = (pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1];
      const sub = /--utility-sub-type=([a-zA-Z.]+)/.exec(cmd)?.[1];
      return type ? `${type}${sub ? `:${sub.split('.').pop()}` : ''}` : cmd.split('\0')[0].split('/').pop();
    } catch {
      return '?';
    }
  };
  const snapshot = () => {
    const out = new Map();
    for (const todo = [...roots]; todo.length; ) {
      const pid = todo.pop();
      todo.push(...children(pid));
      const proc = `${kind(pid)}[${pid}]`;
      let tids = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        try {
          const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const ticks = Number(fields[11]) + Number(fields[12]);
          out.set(`${proc} ${comm}#${tid}`, ticks);
        } catch {
          // the thread ended
        }
      }
    }
    return out;
  };
  /** Lines "cpu-seconds  share-of-wall  process thread", busiest first. */
  const report = (before, after, secs, top = 14) => {
    const rows = [];
    for (const [name, ticks] of after) {
      const used = (ticks - (before.get(name) ?? 0)) / TICKS_PER_SECOND;
      if (used > 0) rows.push([used, name]);
    }
    rows.sort((a, b) => b[0] - a[0]);
    const total = rows.reduce((s, [u]) => s + u, 0);
    return [`total ${total.toFixed(1)} CPU s in ${secs.toFixed(1)} s`, ...rows.slice(0, top).map(([u, n]) => `${u.toFixed(2).padStart(7)} s ${((100 * u) / secs).toFixed(0).padStart(4)} %  ${n}`)].join('\n');
  };
  return { snapshot, report };
}
