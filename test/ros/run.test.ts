// `oneflow run`: the live composition (parameters → config → policy → node → ROS transport → timer → shutdown),
// driven through a fake shaped like rclnodejs 2.x, with the in-memory FakePolicy and a fake signal source.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { main, runNode, scheduledTimeNs, withoutRosArgs, NODE_NAME } from '../../src/cli/run.js';
import { ConfigError, TransportError } from '../../src/errors.js';
import { encodeMessage, timeFromNs } from '../../src/msgs/index.js';
import { FakePolicy, testPolicySpec } from '../../src/policy/fakePolicy.js';
import { MemoryLogger } from '../../src/telemetry/logger.js';
import type { RclModule } from '../../src/transport/rclnodejsApi.js';
import { makeFakeRclnodejs } from './fakeRclnodejs.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

test('withoutRosArgs and the drift-free tick time', () => {
  assert.deepEqual(withoutRosArgs(['--x', '--ros-args', '-r', '__node:=a', '--', '--y', '--ros-args', '-p', 'k:=v']), ['--x', '--y']);
  // What launch_ros (jazzy) really passes for policy.launch.py (captured with the real launch + launch_ros code).
  const fromLaunch = ['--ros-args', '--log-level', 'info', '--ros-args', '-r', '__node:=oneflow_policy', '-r', '__ns:=/robot1',
    '--params-file', '/opt/ros/jazzy/share/oneflow/config/policy.params.yaml', '--params-file', '/tmp/launch_params_nnyxjm7y'];
  assert.deepEqual(withoutRosArgs(fromLaunch), []);
  assert.equal(scheduledTimeNs({ expectedCallTime: 1234n }, 9999n, 0n, 100n), 1234n);
  assert.equal(scheduledTimeNs(undefined, 1_049n, 1_000n, 100n), 1_000n);
  assert.equal(scheduledTimeNs(undefined, 1_151n, 1_000n, 100n), 1_200n);
  assert.equal(scheduledTimeNs({}, 990n, 1_000n, 100n), 1_000n);
});

test('runNode: parameters → node, subscriptions, a timer at the control period, ticks published, clean SIGTERM', async () => {
  const fake = makeFakeRclnodejs();
  const port = await freePort();
  const signals = new EventEmitter();
  const logger = new MemoryLogger();
  const spec = testPolicySpec();
  const policy = new FakePolicy(spec);
  const argv = ['--ros-args', '-r', '__node:=arm_policy', '-p', 'model:=/models/fixture.onnx', '-p', 'control_rate_hz:=20.0', '-p', `metrics_port:=${port}`];
  const running = await runNode(argv, {
    rcl: fake as unknown as RclModule,
    loadPolicy: async (config) => {
      assert.equal(config.modelPath, '/models/fixture.onnx');
      return policy;
    },
    makeLogger: () => logger,
    signals,
    metricsHost: '127.0.0.1',
  });
  const rosNode = fake.state.nodes[0]!;
  assert.deepEqual(fake.state.argv, ['oneflow', 'run', ...argv], 'rcl.init gets the --ros-args (launch remaps, params)');
  assert.equal(fake.state.signalHandlersRemoved, true);
  assert.equal(rosNode.name(), NODE_NAME);
  assert.deepEqual(rosNode.subscriptions.map((s) => s.topic), ['/joint_states', '/object_pose']);
  assert.equal(rosNode.timers.length, 1);
  assert.equal(rosNode.timers[0]!.period, 50_000_000n);
  assert.equal(rosNode.spinning, true);

  // Two observation steps 0.1 s apart, then a tick at the newest stamp.
  const t = 1_700_000_010_000_000_000n;
  for (const stamp of [t - 100_000_000n, t]) {
    rosNode.nowNs = stamp;
    const header = { stamp: timeFromNs(stamp), frame_id: '' };
    rosNode.deliver('/joint_states', encodeMessage('sensor_msgs/msg/JointState', { header, name: ['agent_x', 'agent_y'], position: [100, 200], velocity: [], effort: [] }));
    rosNode.deliver('/object_pose', encodeMessage('geometry_msgs/msg/PoseStamped', { header, pose: { position: { x: 250, y: 260, z: 0 }, orientation: { x: 0, y: 0, z: 0, w: 1 } } }));
  }
  rosNode.timers[0]!.callback({ expectedCallTime: t });
  rosNode.timers[0]!.callback({ expectedCallTime: t + 50_000_000n }); // previous tick may still be in flight: skipped, not queued
  await flush();
  rosNode.timers[0]!.callback({ expectedCallTime: t + 100_000_000n, actualCallTime: t + 103_000_000n }); // 3 ms late
  await flush();
  const chunks = rosNode.publisher('/oneflow/action_chunk').sent;
  assert.ok(chunks.length >= 1, 'chunks published');
  assert.equal(rosNode.publisher('/oneflow/joint_trajectory').sent.length, chunks.length);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(text, /oneflow_model_info\{name="test_policy",method="fixture",model_id="0123456789abcdef",execution_mode="receding_horizon"\} 1/);
  assert.match(text, /oneflow_ticks_total\{outcome="ok"\} [1-9]/);
  assert.match(text, /oneflow_tick_lateness_seconds_count 2\n/, 'two ticks ran (one was skipped while the first was in flight)');
  assert.match(text, /oneflow_tick_lateness_seconds_sum 0\.003\n/, 'timer lateness = actual − expected call time');
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);

  signals.emit('SIGTERM');
  assert.equal(await running.done, 0);
  assert.equal(rosNode.timers[0]!.cancelled, true);
  assert.equal(rosNode.destroyed, true);
  assert.equal(rosNode.spinning, false);
  assert.equal(fake.state.shutdown, true);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'metrics server closed');
  const before = chunks.length;
  rosNode.timers[0]!.callback({ expectedCallTime: t + 200_000_000n });
  await flush();
  assert.equal(chunks.length, before, 'nothing is published after shutdown');
  assert.ok(logger.records.some((r) => r.message === 'shutting down' && r.fields.reason === 'received SIGTERM'));
  assert.equal(signals.listenerCount('SIGINT'), 0);
});

test('runNode: a refused configuration destroys the node and shuts rcl down', async () => {
  const fake = makeFakeRclnodejs();
  await assert.rejects(
    runNode(['--ros-args', '-p', 'model:=/m.onnx', '-p', 'control_rate_hz:=0.0'], {
      rcl: fake as unknown as RclModule,
      loadPolicy: () => Promise.reject(new Error('must not load a model for a refused config')),
      makeLogger: () => new MemoryLogger(),
      signals: new EventEmitter(),
    }),
    (err: unknown) => err instanceof ConfigError && /parameter control_rate_hz/.test(err.message),
  );
  assert.equal(fake.state.nodes[0]!.destroyed, true);
  assert.equal(fake.state.shutdown, true);
});

test('runNode: a metrics port in use is refused naming the port; the policy is closed and the node destroyed', async () => {
  const blocker: Server = await new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => resolve(srv));
  });
  const port = (blocker.address() as { port: number }).port;
  const fake = makeFakeRclnodejs();
  let closed = false;
  const policy = new FakePolicy(testPolicySpec());
  policy.close = async () => void (closed = true);
  try {
    await assert.rejects(
      runNode(['--ros-args', '-p', 'model:=/m.onnx', '-p', `metrics_port:=${port}`], {
        rcl: fake as unknown as RclModule,
        loadPolicy: async () => policy,
        makeLogger: () => new MemoryLogger(),
        signals: new EventEmitter(),
        metricsHost: '127.0.0.1',
      }),
      (err: unknown) => err instanceof TransportError && err.message.includes(`cannot serve metrics on port ${port}`) && /EADDRINUSE/.test(err.message),
    );
  } finally {
    blocker.close();
  }
  assert.equal(closed, true);
  assert.equal(fake.state.nodes[0]!.destroyed, true);
  assert.equal(fake.state.shutdown, true);
});

test('main: --print-params and usage work without ROS; without rclnodejs it exits 5 with directions', async () => {
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    assert.equal(await main(['--print-params']), 0);
    assert.match(out, /\| `control_rate_hz` \| `controlRateHz` \| double \| Hz \| 10 \| \(0, 1000\] \|/);
    assert.equal(await main(['--bogus']), 2);
    let rclInstalled = true;
    try {
      await import('rclnodejs' as string);
    } catch {
      rclInstalled = false;
    }
    if (!rclInstalled) {
      assert.equal(await main(['--ros-args', '-p', 'model:=x.onnx']), 5); // TRANSPORT (docs/errors.md)
      assert.match(err, /rclnodejs is not available/);
    }
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
});
