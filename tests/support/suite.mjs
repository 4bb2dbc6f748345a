// One real server and one headless Chromium, shared by the tests of a file.
import { after, before } from 'node:test';

import { launch } from './browser.mjs';
import { startServer } from './server.mjs';

/**
 * Starts the server and the browser before the file's first test and stops
 * both after its last. Returns `{ server, browser }`, filled in once started:
 * read them inside tests, not at import time.
 */
export function serverAndBrowser(options) {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    [env.server, env.browser] = await Promise.all([startServer(options), launch()]);
  });
  after(() => Promise.all([env.browser?.close(), env.server?.cleanup()]));
  return env;
}
