// V8's `JSON.parse` of each library's own S3 text (scenarios/*.js: the same 1,000 flags × 3 rules in four
// formats), in one process that loads no library: the floor of any load that starts from that text with
// `JSON.parse`, and how much of the S3 load row is the format rather than the engine. As many parses of each text
// as a library's load gets (`LOAD_TIMING`), the four texts in turn within each sample, so that all four see the
// same state of the machine; no library code runs here, so no background compile of it lands in the samples (the CPU clock counts every
// thread). Prints one JSON line: {lib: "parse", results: {<library>: summary}, bytes: {<library>: n}}.
import { args, run, emit, clockNs, consume, summary, LOAD_TIMING, LOAD_TIMING_QUICK } from "./harness.js";
import * as edgeflag from "./scenarios/edgeflag.js";
import * as flagd from "./scenarios/flagd.js";
import * as growthbook from "./scenarios/growthbook.js";
import * as flipt from "./scenarios/flipt.js";

const { quick } = args();

run("parse", async () => {
  const texts = { edgeflag: edgeflag.s3(), "flagd-core": flagd.s3(), growthbook: growthbook.s3(), flipt: flipt.s3() };
  const { samples, warmup } = quick ? LOAD_TIMING_QUICK : LOAD_TIMING;
  const ids = Object.keys(texts);
  const times = Object.fromEntries(ids.map((id) => [id, []]));
  for (let s = -warmup; s < samples; s++) {
    for (const id of ids) {
      const t0 = clockNs();
      const v = JSON.parse(texts[id]);
      const dt = clockNs() - t0;
      consume(v);
      if (s >= 0) times[id].push(dt / 1e6);
    }
  }
  const results = Object.fromEntries(ids.map((id) => [id, summary(times[id], "ms")]));
  const bytes = Object.fromEntries(ids.map((id) => [id, Buffer.byteLength(texts[id])]));
  emit({ lib: "parse", mode: "bench", results, bytes });
});
