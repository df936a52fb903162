// A Cloudflare Worker (module syntax) for test/exposure.test.js, run in workerd through miniflare: a
// client from a bootstrap snapshot, exposures and a sender in module scope (created by the first
// request), and a flush handed to ctx.waitUntil at the end of every request.
import { createClient } from '../../src/index.workerd.js';
import { createExposures, createSender } from '../../src/exposure.js';
import wasm from '../../pkg/edgeflag_bg.wasm';

let state = null;

function setup(env) {
  const client = createClient({ bootstrap: env.SNAPSHOT, wasm, storage: false });
  const sender = createSender({ url: env.COLLECTOR_URL, flushInterval: 0, batchSize: 1000, retries: 0 });
  const exposures = createExposures({ client, onExposure: sender.send });
  return { client, sender, exposures };
}

export default {
  async fetch(request, env, ctx) {
    state ??= setup(env);
    const user = new URL(request.url).searchParams.get('user');
    const on = state.client.boolean('checkout', false, { key: user });
    state.sender.flush(ctx); // runs after the response, through ctx.waitUntil
    return Response.json({ on, sender: state.sender.stats(), exposures: state.exposures.stats() });
  },
};
