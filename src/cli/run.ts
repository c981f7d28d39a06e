// `oneflow run [--ros-args ...]`: the policy node on a ROS 2 host (composition root for the live node).
//
//   --ros-args (from ros2 launch / ros2 run) ─► rclnodejs.init ─► Node ─► declared parameters ─► NodeConfig
//   OnnxPolicy (worker) ─► createNode(config, policy, clock = ROS time, sinks = ROS publishers, Prometheus metrics)
//   raw subscriptions ─► node.onMessage        ROS timer every 1/control_rate_hz ─► TickScheduler (the one bench
//                                              uses, src/node/tickScheduler.ts) ─► node.tick(scheduled time)
//   SIGINT / SIGTERM ─► stop ticking, publish one hold (node.halt), nothing more; close the worker, destroy the
//                       node, shut rcl down, then process.exit(0) at once
//                       (handlers stay installed until the process is gone: a second Ctrl-C — terminal + launch —
//                       is absorbed; docs/deploy.md §8)
//   use_sim_time ─► ROS time from our own best-effort /clock subscription; no tick before the first /clock
//
// Parameters: rclnodejs 2.2.0 applies only the `/**` and bare-name keys of --params-file; launch_ros writes
// `/<node>:`. The overrides rcl parsed are re-resolved here the way rclcpp does (transport/parameterOverrides.ts).
//
// Exit codes (docs/errors.md): 0 after a signal; 2 the configuration is refused (the message names the parameter);
// 3 the model is refused; 5 rclnodejs is missing or ROS / the metrics port / the worker failed; 1 unexpected.
import type { Server } from 'node:http';
import { Histogram } from 'prom-client';
import { parameterTable, declareRosParameters, nodeConfigFromParameters } from '../config/rosParams.js';
import type { NodeConfig } from '../config/nodeConfig.js';
import { ConfigError, OneflowError, TransportError } from '../errors.js';
import type { PolicyNode } from '../node/api.js';
import { createNode } from '../node/createNode.js';
import { TickScheduler } from '../node/tickScheduler.js';
import { timerDriver } from '../node/timerDriver.js';
import type { PolicyRuntime } from '../policy/policyRuntime.js';
import { listen } from '../telemetry/httpServer.js';
import { LogThrottle } from '../telemetry/logThrottle.js';
import type { Logger } from '../telemetry/logger.js';
import { pinoLogger } from '../telemetry/pinoLogger.js';
import { LATENCY_BUCKETS_SEC, PromMetrics } from '../telemetry/promMetrics.js';
import { nodeFqn, resolveParameterOverrides } from '../transport/parameterOverrides.js';
import type { RclModule, RclNode, RclNodeParameterOverrides, RclParameter, RclTimerInfo } from '../transport/rclnodejsApi.js';
import { inputsFor } from '../observation/inputs.js';
import { RosTransport, loadParameterOverrideReader, loadRclnodejs } from '../transport/rosTransport.js';

export const NODE_NAME = 'oneflow_policy';

const USAGE = `usage: oneflow run [--print-params] [--help] [--ros-args -p name:=value ... --params-file file.yaml ...]
  Runs the policy node on a ROS 2 host (rclnodejs, with ROS 2 sourced). Configuration comes from ROS parameters:
  normally \`ros2 launch oneflow policy.launch.py model:=models/<name>.onnx\` (docs/deploy.md).
  --print-params   print the node's parameters (type, default, range, description) as a Markdown table
`;

/** argv without the `--ros-args ... [--]` sections (what rclnodejs.removeROSArgs does; usable before importing it). */
export function withoutRosArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  let inRos = false;
  for (const a of argv) {
    if (a === '--ros-args') inRos = true;
    else if (inRos && a === '--') inRos = false;
    else if (!inRos) out.push(a);
  }
  return out;
}

/** The tick's scheduled time: the timer's expected call time where the distro reports it, else the nearest grid
 * point t0 + k·period (drift-free either way: rcl timers advance by whole periods). */
export function scheduledTimeNs(info: RclTimerInfo | undefined, nowNs: bigint, t0Ns: bigint, periodNs: bigint): bigint {
  if (typeof info?.expectedCallTime === 'bigint') return info.expectedCallTime;
  const k = (nowNs - t0Ns + periodNs / 2n) / periodNs;
  return t0Ns + (k < 0n ? 0n : k) * periodNs;
}

/** Signal source (process): handlers are added with `on` and stay installed until the process exits. */
export type SignalSource = {
  on(signal: 'SIGINT' | 'SIGTERM', handler: () => void): unknown;
};

/** What `runNode` needs from the outside world; tests pass fakes. */
export type RunDeps = {
  readonly rcl: RclModule;
  /** Every parameter override rcl parsed from --ros-args, per node key (the addon's getParameterOverrides). */
  readonly parameterOverrides: () => readonly RclNodeParameterOverrides[];
  readonly loadPolicy: (config: NodeConfig) => Promise<PolicyRuntime>;
  readonly makeLogger: (config: NodeConfig) => Logger & { flush?(): void };
  /** Where SIGINT/SIGTERM come from (process). */
  readonly signals: SignalSource;
  /**
   * Called with the exit code once shutdown has finished, the signal handlers still installed (main: process.exit).
   * Node's natural exit would first close every handle — SIGINT/SIGTERM back to their default action — and then
   * tear rcl / Fast DDS down for tens of ms, where a second Ctrl-C killed the process (exit -2). Tests leave it out.
   */
  readonly exit?: (code: number) => void;
  /** Bind address of the metrics server (default all interfaces). */
  readonly metricsHost?: string;
};

export type RunningNode = {
  readonly config: NodeConfig;
  readonly node: PolicyNode;
  readonly transport: RosTransport;
  readonly metricsServer: Server | null;
  /** Resolves with the exit code once a signal has shut everything down. */
  readonly done: Promise<number>;
  /** The same shutdown a signal triggers. */
  stop(reason: string): Promise<number>;
};

/** Builds and starts the live node. Throws (OneflowError subclasses) on a refused configuration or model. */
export async function runNode(argv: readonly string[], deps: RunDeps): Promise<RunningNode> {
  const { rcl } = deps;
  await rcl.init(undefined, ['oneflow', 'run', ...argv]);
  // rclnodejs' own SIGINT handler shuts every context down at once; ours stops the loop first.
  rcl.removeSignalHandlers();
  const rosNode = new rcl.Node(NODE_NAME, '', undefined, new rcl.NodeOptions(true));
  let policy: PolicyRuntime | null = null;
  let transport: RosTransport | null = null;
  try {
    const overrides = resolveParameterOverrides(deps.parameterOverrides(), nodeFqn(rosNode.namespace(), rosNode.name()));
    const simTime = applySimTime(rcl, rosNode, overrides);
    const config = nodeConfigFromParameters(
      declareRosParameters(
        rcl,
        rosNode,
        overrides.filter((p) => p.name !== 'use_sim_time'),
      ),
    );
    const logger = deps.makeLogger(config);
    policy = await deps.loadPolicy(config);
    const spec = policy.spec;
    const metrics = new PromMetrics({ model: { name: spec.name, method: spec.method, modelId: spec.modelId, executionMode: config.executionMode } });
    transport = new RosTransport({ rcl, node: rosNode, config, metrics, logger });
    if (simTime) transport.followClock();
    const node = createNode({ config, policy, clock: transport, sinks: transport, metrics, logger });
    transport.subscribe(inputsFor(config, spec), (topic, typeName, msg, receiveNs) => void node.onMessage(topic, typeName, msg, receiveNs));

    const periodNs = BigInt(Math.round(1e9 / config.controlRateHz));
    let lastTickWallMs = Date.now();
    const health = {
      healthy: () => {
        const ageMs = Date.now() - lastTickWallMs;
        return { ok: ageMs < 3000 + 3 * (1000 / config.controlRateHz), detail: `last tick ${ageMs} ms ago` };
      },
      ready: () => ({ ok: node.ready, detail: `watchdog ${node.state}` }),
    };
    const metricsServer = config.metricsPort === 0 ? null : await listenOrExplain(config.metricsPort, metrics, health, deps.metricsHost);
    const live = transport;
    const ticking = startTicking({ rosNode, node, transport: live, config, metrics, logger, periodNs, onTick: () => (lastTickWallMs = Date.now()) });
    rosNode.spin();
    logger.info(
      {
        node: `${rosNode.namespace()}/${rosNode.name()}`.replace('//', '/'),
        model: config.modelPath,
        modelId: spec.modelId,
        rateHz: config.controlRateHz,
        deadlineSec: config.deadlineSec,
        metricsPort: config.metricsPort,
        inputs: inputsFor(config, spec).map((i) => i.topic),
      },
      'oneflow node running',
    );
    const { done, stop } = stopOnSignal(deps, logger, async (reason) => {
      ticking.timer.cancel();
      // One hold at once (the core's halt: like ros2_controllers' halt()), so a JointTrajectoryController stops
      // at the commanded point instead of running out the last chunk; a tick still in flight publishes nothing.
      node.halt(live.nowNs(), reason);
      await ticking.driver.idle(); // a tick in flight resolves by its deadline
      await node.close(); // publishes nothing more, closes the inference worker
      live.close(); // stops spinning, destroys the node
      if (!rcl.isShutdown()) rcl.shutdown();
      if (metricsServer !== null) {
        const closed = new Promise<void>((r) => metricsServer.close(() => r()));
        metricsServer.closeAllConnections(); // a scraper's keep-alive connection must not hold shutdown up
        await closed;
      }
    });
    return { config, node, transport, metricsServer, done, stop };
  } catch (err) {
    await policy?.close().catch(() => {});
    if (transport !== null) transport.close();
    else rosNode.destroy();
    if (!rcl.isShutdown()) rcl.shutdown();
    throw err;
  }
}

/** The rcl timer that wakes the one tick schedule (src/node/tickScheduler.ts, shared with `oneflow bench`). */
function startTicking(o: {
  rosNode: RclNode;
  node: PolicyNode;
  transport: RosTransport;
  config: NodeConfig;
  metrics: PromMetrics;
  logger: Logger;
  periodNs: bigint;
  onTick: () => void;
}): { timer: { cancel(): void }; driver: ReturnType<typeof timerDriver> } {
  const { config, logger, transport } = o;
  // Live only: how late the ROS timer fires after the scheduled tick time (the core measures the control period
  // between scheduled times, which is exact by construction; this is where timer jitter shows).
  const lateness = new Histogram({
    name: 'oneflow_tick_lateness_seconds',
    help: 'How late the ROS timer fired relative to the scheduled tick time (oneflow run only).',
    buckets: [...LATENCY_BUCKETS_SEC],
    registers: [o.metrics.registry],
  });
  const throttle = new LogThrottle(config.logThrottleSec);
  const scheduler = new TickScheduler(o.periodNs, transport.nowNs());
  const driver = timerDriver(o.node, scheduler, () => transport.nowNs(), {
    onBusy: (busyWakes, nowNs) => {
      // The previous tick has not returned (it resolves by its deadline ≤ one period): never queue ticks.
      const suppressed = throttle.admit('tick_skipped', nowNs);
      if (suppressed !== null)
        logger.warn({ skipped: busyWakes, suppressed, periodSec: 1 / config.controlRateHz }, 'tick skipped: previous tick still running');
    },
    beforeTick: o.onTick,
    afterTick: (_report, lateNs) => {
      if (lateNs !== null) lateness.observe(Math.max(0, Number(lateNs)) / 1e9);
    },
    onError: (err) => logger.error({ err: String(err) }, 'tick failed'),
  });
  const timer = o.rosNode.createTimer(o.periodNs, (info?: RclTimerInfo) => {
    if (transport.closed) return;
    driver.onTimer({ expectedNs: info?.expectedCallTime, actualNs: info?.actualCallTime });
  });
  return { timer, driver };
}

/** SIGINT/SIGTERM (or stop()) run `shutdown` once; `done` resolves with exit code 0 after it, then deps.exit(0).
 * The handlers are never removed: a signal after shutdown is absorbed as one during it. */
function stopOnSignal(
  deps: RunDeps,
  logger: Logger & { flush?(): void },
  shutdown: (reason: string) => Promise<void>,
): { done: Promise<number>; stop: (reason: string) => Promise<number> } {
  let stopping: Promise<number> | null = null;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  // `on`, not `once`: Ctrl-C in a terminal under ros2 launch delivers SIGINT twice (the process group, then
  // launch); a second signal while stopping must not fall through to Node's default (exit by signal, -2).
  const onSignal = (signal: string) => () => {
    if (stopping !== null) logger.warn({ signal }, 'already shutting down; signal ignored');
    void stop(`received ${signal}`);
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  deps.signals.on('SIGINT', onInt);
  deps.signals.on('SIGTERM', onTerm);
  const stop = (reason: string): Promise<number> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      await shutdown(reason);
      logger.flush?.();
      resolveDone(0);
      deps.exit?.(0);
      return 0;
    })();
    return stopping;
  };
  return { done, stop };
}

/**
 * use_sim_time as resolved from the overrides (rclnodejs' TimeSource saw only its own `/**` / bare-name view of
 * them): set on the node when it differs, which switches its ROS clock to simulated time. Returns whether it is on.
 */
function applySimTime(rcl: RclModule, rosNode: RclNode, overrides: readonly RclParameter[]): boolean {
  const wanted = overrides.find((p) => p.name === 'use_sim_time');
  const current = rosNode.getParameter('use_sim_time').value === true;
  if (wanted === undefined) return current;
  if (wanted.type !== rcl.ParameterType.PARAMETER_BOOL) {
    throw new ConfigError([{ field: 'parameter use_sim_time', value: wanted.value, allowed: 'a bool' }]);
  }
  if (wanted.value !== current) rosNode.setParameter(new rcl.Parameter('use_sim_time', rcl.ParameterType.PARAMETER_BOOL, wanted.value));
  return wanted.value === true;
}

async function listenOrExplain(port: number, metrics: PromMetrics, health: Parameters<typeof listen>[2], host: string | undefined): Promise<Server> {
  try {
    return await listen(port, metrics.registry, health, host);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TransportError(`cannot serve metrics on port ${port}: ${why}; set the metrics_port parameter (0 = off)`, undefined, { cause: err });
  }
}

export async function main(argv: string[]): Promise<number> {
  const own = withoutRosArgs(argv);
  if (own.includes('-h') || own.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (own.includes('--print-params')) {
    process.stdout.write(`${parameterTable()}\n`);
    return 0;
  }
  if (own.length > 0) {
    process.stderr.write(`oneflow run: unexpected argument(s) ${own.join(' ')} (configuration is ROS parameters)\n\n${USAGE}`);
    return 2;
  }
  try {
    const rcl = await loadRclnodejs();
    const parameterOverrides = await loadParameterOverrideReader(rcl);
    const { loadOnnxPolicy } = await import('./loadOnnxPolicy.js');
    const running = await runNode(argv, {
      rcl,
      loadPolicy: loadOnnxPolicy,
      makeLogger: (config) => pinoLogger(config.logLevel),
      parameterOverrides,
      signals: process,
      // Stopped, everything closed: exit now, our handlers installed to the end (a late signal — the second Ctrl-C,
      // launch's escalation — must not turn exit 0 into exit-by-signal). process.exit skips the event loop's
      // handle teardown; pino flushes in its 'exit' hook.
      exit: (code) => process.exit(code),
    });
    return await running.done;
  } catch (err) {
    if (err instanceof OneflowError) {
      process.stderr.write(`oneflow run: ${err.message}\n`);
      return err.exitStatus; // docs/errors.md
    }
    throw err;
  }
}
