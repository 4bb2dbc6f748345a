// A CPU profile of a running Chromium's dedicated workers (or a page), over
// the raw DevTools protocol: attaches the Profiler domain only, so unlike
// Playwright it does not slow uploads down (no Network domain). A profiling
// aid for the share bench (QV_BENCH_CPUPROFILE=share|receive), not a figure
// the report uses. Needs Node's WebSocket (Node 22, or
// `node --experimental-websocket` on Node 20). Wasm frames have names only
// in a build with them (`QV_WASM_KEEP_NAMES=1 cargo xtask dist`).
//
//   const lines = await profileWorkers(wsEndpoint, { secs: 4 });

/** Self time per function in every dedicated worker for `secs` seconds, busiest first. */
export async function profileWorkers(wsEndpoint, { secs = 4, top = 30, type = 'worker' } = {}) {
  const ws = new WebSocket(wsEndpoint);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('cannot reach DevTools'));
  });
  let next = 0;
  const waiting = new Map();
  const attached = [];
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.id !== undefined && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(msg.error.message));
      else resolve(msg.result);
    } else if (msg.method === 'Target.attachedToTarget') {
      attached.push(msg.params);
    }
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  try {
    // Workers are reached through their page: auto-attach on each page session.
    const { targetInfos } = await send('Target.getTargets');
    for (const page of targetInfos.filter((t) => t.type === 'page')) {
      const { sessionId } = await send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
      if (type === 'page') attached.push({ sessionId, targetInfo: page });
      else await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId);
    }
    await new Promise((r) => setTimeout(r, 300));
    const targets = attached.filter((a) => a.targetInfo.type === type);
    if (!targets.length) return [`no ${type} target to profile`];
    for (const t of targets) {
      await send('Profiler.enable', {}, t.sessionId);
      await send('Profiler.setSamplingInterval', { interval: 500 }, t.sessionId);
      await send('Profiler.start', {}, t.sessionId);
    }
    await new Promise((r) => setTimeout(r, secs * 1000));
    const lines = [];
    for (const t of targets) {
      const { profile } = await send('Profiler.stop', {}, t.sessionId);
      const self = new Map();
      let total = 0;
      for (const node of profile.nodes) {
        const f = node.callFrame;
        const name = `${f.functionName || '(anonymous)'} ${f.url ? f.url.split('/').pop() : ''}`.trim();
        self.set(name, (self.get(name) ?? 0) + (node.hitCount ?? 0));
        total += node.hitCount ?? 0;
      }
      lines.push(`${t.targetInfo.type} ${t.targetInfo.url}: ${total} samples`);
      for (const [name, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
        lines.push(`${((100 * hits) / total).toFixed(1).padStart(6)} %  ${name}`);
      }
    }
    return lines;
  } finally {
    ws.close();
  }
}
