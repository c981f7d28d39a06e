// `oneflow replay <bag> [--model <onnx>] [--out <dir>] [--rate <x> | --fast] [--seed N] [--json] [--metrics-port P] …`
// Replays a rosbag2 MCAP bag (directory or .mcap) through the node core on the bag's clock, writes an output bag
// (input topics + /oneflow/action_chunk + /oneflow/joint_trajectory) and summary.json, prints the summary.
// Without --model the node runs a hold-position baseline (no ONNX): the plumbing and the RMSE of "stand still".
// Exit codes (docs/errors.md): 0 done; 2 usage or configuration refused; 3 the model refused, or it missed the
// deadline on every tick (the summary's verdict says by how much and what to change); 4 the bag refused
// (the message names file, topic and time), or done but --strict and the input had problems; 5 run-time failure;
// 1 unexpected failure (message only; ONEFLOW_DEBUG=1 for the stack).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BagReader } from '../bag/bagReader.js';
import { BagWriter } from '../bag/bagWriter.js';
import { checkTopics, runReplay, type ReplaySummary } from '../bag/replayRunner.js';
import { Pacer, SimClock } from '../bag/simClock.js';
import { formatSummary } from '../bag/summaryText.js';
import { validateConfig } from '../config/validateConfig.js';
import type { NodeConfig } from '../config/nodeConfig.js';
import { EXIT_STATUS, TransportError, UsageError, exitStatusOf } from '../errors.js';
import { parseParamAssignments } from '../config/paramValues.js';
import { parseCommandLine } from './parseCommandLine.js';
import { createNode } from '../node/createNode.js';
import type { PolicyNode } from '../node/api.js';
import { FakePolicy, testPolicySpec } from '../policy/fakePolicy.js';
import type { PolicyRuntime } from '../policy/policyRuntime.js';
import { ReplayMetrics } from '../bag/replayMetrics.js';
import { loadOnnxPolicy } from './loadOnnxPolicy.js';
import { withoutDeadline } from '../bag/offlineBudget.js';
import { DeadlineProbe, deadlineVerdictText, everyTickMissed } from '../bag/deadlineVerdict.js';

const USAGE = `usage: oneflow replay <bag> [--model <onnx>] [--out <dir>] [--rate <x> | --fast] [--seed N] [--json]
                      [--metrics-port P [--linger-sec S]] [--strict] [--no-deadline] [--wall-times]
                      [--gap-sec S] [--teleop-topic T] [--param k=v]…
  <bag>             rosbag2 bag directory (metadata.yaml + .mcap) or a single .mcap file
  --model <onnx>    ONNX policy (docs/contract.md); default: a hold-position baseline without ONNX
  --out <dir>       output bag directory (default runs/replay/<bag>__<model>__seed<N>[-k])
  --rate <x>        pace the bag clock at x × real time      --fast   as fast as possible (default)
  --seed N          noise seed (default 0): same bag + model + seed → bit-identical output bag
  --json            print the summary as JSON (no progress bar)
  --metrics-port P  serve Prometheus /metrics, /healthz, /readyz on P while replaying (0 = off, the default)
  --linger-sec S    keep serving /metrics S seconds after the replay ends (default 0)
  --strict          exit 4 when the input had problems (gaps, bad stamps, rejected or undecodable messages)
  --no-deadline     give every inference 60 s instead of the tick deadline (judge outputs, not timing)
  --wall-times      write measured inference times into the ActionChunks (the bag is then not bit-identical)
  --gap-sec S       report an input gap longer than S seconds (default 2.5 control periods)
  --teleop-topic T  recorded commands (sensor_msgs/JointState) for the RMSE (default /teleop/action)
  --param k=v       set a node parameter (names: oneflow run --print-params; repeatable),
                    e.g. --param execution_mode=dp --param deadline_sec=0.05
`;

interface Args {
  bag: string;
  model: string | null;
  out: string | null;
  rate: number | null;
  seed: number;
  json: boolean;
  metricsPort: number;
  strict: boolean;
  wallTimes: boolean;
  gapSec: number | null;
  lingerSec: number;
  params: Record<string, unknown>;
  teleopTopic: string;
  noDeadline: boolean;
}

function parse(argv: string[]): Args {
  const parsed = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      rate: { type: 'string' },
      fast: { type: 'boolean' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      'metrics-port': { type: 'string' },
      strict: { type: 'boolean' },
      'wall-times': { type: 'boolean' },
      'gap-sec': { type: 'string' },
      'linger-sec': { type: 'string' },
      param: { type: 'string', multiple: true },
      'teleop-topic': { type: 'string' },
      'no-deadline': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const v = parsed.values;
  if (v.help === true) throw new UsageError('');
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one bag path, got ${parsed.positionals.length}`);
  if (v.rate !== undefined && v.fast === true) throw new UsageError('--rate and --fast exclude each other');
  const num = (name: string, s: string | undefined, ok: (x: number) => boolean, what: string): number | null => {
    if (s === undefined) return null;
    const x = Number(s);
    if (!ok(x)) throw new UsageError(`--${name} must be ${what}, got '${s}'`);
    return x;
  };
  return {
    bag: parsed.positionals[0]!,
    model: v.model ?? null,
    out: v.out ?? null,
    rate: num('rate', v.rate, (x) => Number.isFinite(x) && x > 0, 'a number > 0'),
    seed: num('seed', v.seed, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'an integer in [0, 4294967295]') ?? 0,
    json: v.json === true,
    metricsPort: num('metrics-port', v['metrics-port'], (x) => Number.isInteger(x) && x >= 0 && x <= 65535, 'a port in [0, 65535]') ?? 0,
    strict: v.strict === true,
    wallTimes: v['wall-times'] === true,
    gapSec: num('gap-sec', v['gap-sec'], (x) => Number.isFinite(x) && x > 0, 'a number of seconds > 0'),
    params: parseParams(v.param ?? []),
    teleopTopic: v['teleop-topic'] ?? '/teleop/action',
    noDeadline: v['no-deadline'] === true,
    lingerSec: num('linger-sec', v['linger-sec'], (x) => Number.isFinite(x) && x >= 0, 'a number of seconds ≥ 0') ?? 0,
  };
}

/** `--param name=value` → NodeConfig fields (names as `oneflow run --print-params` prints them, or NodeConfig paths);
 * an unknown name is refused with a "did you mean" (ConfigError, exit 2). */
function parseParams(items: string[]): Record<string, unknown> {
  const out = parseParamAssignments(items);
  for (const fixed of ['modelPath', 'noiseSeed', 'metricsPort']) {
    if (fixed in out) throw new UsageError(`--param ${fixed} is set by --model / --seed / --metrics-port`);
  }
  return out;
}

function defaultOut(a: Args): string {
  const stem = (p: string) => basename(p.replace(/\/+$/, '')).replace(/\.(mcap|onnx)$/, '');
  const base = join('runs', 'replay', `${stem(a.bag)}__${a.model === null ? 'hold' : stem(a.model)}__seed${a.seed}`);
  let dir = base;
  for (let k = 2; existsSync(dir); k++) dir = `${base}-${k}`;
  return dir;
}

function progressBar(enabled: boolean): ((done: number, total: number) => void) & { end(): void } {
  let last = -1;
  const draw = (done: number, total: number) => {
    if (!enabled || total === 0) return;
    const pct = Math.floor((100 * done) / total);
    if (pct === last && done !== total) return;
    last = pct;
    const width = 30;
    const fill = Math.round((width * done) / total);
    process.stderr.write(`\rreplay [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} ticks ${pct}%`);
  };
  return Object.assign(draw, { end: () => enabled && last >= 0 && process.stderr.write('\n') });
}

async function replay(a: Args): Promise<{ summary: ReplaySummary; code: number }> {
  const bag = await BagReader.open(a.bag);
  const config: NodeConfig = validateConfig({
    ...a.params,
    modelPath: a.model ?? 'hold-baseline',
    noiseSeed: a.seed,
    metricsPort: a.metricsPort,
    logLevel: 'silent',
  });
  const loaded: PolicyRuntime =
    a.model === null
      ? new FakePolicy(testPolicySpec({ name: 'hold_baseline', method: 'fixture', modelId: '' }), { latencySec: () => 0 })
      : await loadOnnxPolicy(config);
  // From here on the inference worker is alive: every exit path must close it, or the process never ends.
  let node: PolicyNode | null = null;
  let server: ReplayMetrics | null = null;
  let out: BagWriter | null = null;
  let finished = false;
  const showBar = process.stderr.isTTY === true && !a.json;
  const bar = progressBar(showBar);
  let summary: ReplaySummary;
  // SIGINT (Ctrl-C) and SIGTERM (kill, a supervisor, `timeout`) both end the replay after the current tick with a
  // complete output bag (footer, summary, metadata.yaml); a second signal of the same kind aborts at once.
  let stopRequested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    stopRequested = true;
    process.stderr.write(`\ninterrupted (${signal}): finishing the output bag (${signal} again to abort)\n`);
    process.removeListener(signal, onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const probe = new DeadlineProbe(a.noDeadline ? withoutDeadline(loaded) : loaded);
    const policy = probe;
    server = a.metricsPort > 0 ? new ReplayMetrics(policy.spec, config.executionMode) : null;
    const clock = new SimClock(0n);
    node = createNode({ config, policy, clock, ...(server !== null ? { metrics: server.metrics } : {}) });
    if (server !== null) {
      let port: number;
      try {
        port = await server.listen(a.metricsPort, node, () => finished);
      } catch (err) {
        throw new TransportError(
          `cannot serve /metrics on port ${a.metricsPort}: ${err instanceof Error ? err.message : String(err)}; pass another --metrics-port (or 0 for none)`,
        );
      }
      if (!a.json) process.stderr.write(`metrics: http://localhost:${port}/metrics\n`);
    }
    checkTopics(bag, node); // before anything is written
    out = await BagWriter.create(a.out ?? defaultOut(a));
    summary = await runReplay({
      bag,
      node,
      clock,
      out,
      pacer: new Pacer(a.rate),
      wallTimes: a.wallTimes,
      teleopTopic: a.teleopTopic,
      ...(a.gapSec !== null ? { gapSec: a.gapSec } : {}),
      onProblem: (p) => {
        if (!a.json) process.stderr.write(`${showBar ? '\n' : ''}warning: ${p.message}\n`);
      },
      onTick: (done, total) => bar(done, total),
      shouldStop: () => stopRequested,
    });
    if (everyTickMissed(summary)) {
      summary = { ...summary, verdict: deadlineVerdictText(summary, config, await probe.measureSec()) };
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    finished = true;
    bar.end();
    await out?.close();
    await bag.close();
    if (node !== null) await node.close();
    else await loaded.close();
    if (server !== null && a.lingerSec > 0 && out !== null) {
      if (!a.json) process.stderr.write(`replay done; serving /metrics for ${a.lingerSec} s more\n`);
      await new Promise((resolve) => setTimeout(resolve, a.lingerSec * 1000));
    }
    await server?.close();
  }
  await writeFile(join(out.dir, 'summary.json'), JSON.stringify({ ...summary, seed: a.seed, model_path: a.model }, null, 1) + '\n');
  const problems = Object.values(summary.input.problems).reduce((x, y) => x + y, 0);
  if (summary.verdict !== null) return { summary, code: EXIT_STATUS.MODEL }; // every tick missed: nothing was judged
  return { summary, code: a.strict && problems > 0 ? EXIT_STATUS.INPUT : EXIT_STATUS.OK };
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parse(argv);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(msg === '' ? USAGE : `oneflow replay: ${msg}\n${USAGE}`);
    return msg === '' ? 0 : exitStatusOf(err);
  }
  try {
    const { summary, code } = await replay(args);
    process.stdout.write(args.json ? `${JSON.stringify({ ...summary, seed: args.seed, model_path: args.model }, null, 1)}\n` : formatSummary(summary));
    return code;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`oneflow replay: ${msg}\n`);
    if (process.env.ONEFLOW_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
    return exitStatusOf(err);
  }
}
