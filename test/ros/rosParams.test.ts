// ROS parameters → NodeConfig, against a fake shaped like rclnodejs 2.x (no ROS needed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { ROS_PARAMETERS, declareRosParameters, nodeConfigFromParameters, parameterTable, type RosParameterValue } from '../../src/config/rosParams.js';
import type { RclModule, RclNode } from '../../src/transport/rclnodejsApi.js';
import { FloatingPointRange, IntegerRange, ParameterType, makeFakeRclnodejs, type FakeNode } from './fakeRclnodejs.js';

async function nodeWith(rosArgs: string[]): Promise<{ rcl: RclModule; node: FakeNode }> {
  const fake = makeFakeRclnodejs();
  await fake.init(undefined, ['oneflow', 'run', '--ros-args', ...rosArgs]);
  const rcl = fake as unknown as RclModule;
  return { rcl, node: new rcl.Node('oneflow_policy') as unknown as FakeNode };
}

const declare = (rcl: RclModule, node: FakeNode) => declareRosParameters(rcl, node as unknown as RclNode);

test('every parameter is declared read-only with its type, description and range', async () => {
  const { rcl, node } = await nodeWith([]);
  declare(rcl, node);
  for (const spec of ROS_PARAMETERS) {
    const d = node.descriptors.get(spec.name);
    assert.ok(d, `${spec.name} declared`);
    assert.equal(d.readOnly, true, spec.name);
    assert.ok(d.description.length > 10, `${spec.name} has a description`);
    const expected = {
      double: ParameterType.PARAMETER_DOUBLE,
      integer: ParameterType.PARAMETER_INTEGER,
      string: ParameterType.PARAMETER_STRING,
      string_array: ParameterType.PARAMETER_STRING_ARRAY,
      double_array: ParameterType.PARAMETER_DOUBLE_ARRAY,
    }[spec.kind];
    assert.equal(d.type, expected, `${spec.name} type`);
    if (spec.range !== undefined) {
      assert.ok(d.range instanceof (spec.kind === 'integer' ? IntegerRange : FloatingPointRange), `${spec.name} range class`);
      assert.equal(Number(d.range.fromValue), spec.range[0]);
      assert.equal(Number(d.range.toValue), spec.range[1]);
    } else {
      assert.equal(d.range, null, `${spec.name} has no range`);
    }
    if (spec.kind === 'integer') assert.equal(typeof node.getParameter(spec.name).value, 'bigint', `${spec.name} is a bigint`);
  }
  // use_sim_time belongs to rclnodejs' TimeSource; declaring it again would throw.
  assert.ok(!ROS_PARAMETERS.some((s) => s.name === 'use_sim_time'));
  assert.equal(node.descriptors.get('execution_mode')?.additionalConstraints, 'one of receding_horizon | dp | temporal_ensembling');
});

test('--ros-args -p overrides reach NodeConfig (integers for doubles, bigints, arrays, fractional rates)', async () => {
  const { rcl, node } = await nodeWith([
    '-p',
    'model:=/models/pusht.onnx',
    '-p',
    'control_rate_hz:=50',
    '-p',
    'deadline_sec:=0.015',
    '-p',
    'metrics_port:=9464',
    '-p',
    'action_joint_names:=[shoulder, elbow]',
    '-p',
    'hold_position:=[1, 2.5]',
    '-p',
    'camera_topic:=/wrist/image_raw/compressed',
    '-p',
    'execution_mode:=temporal_ensembling',
  ]);
  const values = declare(rcl, node);
  const config = nodeConfigFromParameters(values);
  assert.equal(config.modelPath, '/models/pusht.onnx');
  assert.equal(config.controlRateHz, 50);
  assert.equal(config.deadlineSec, 0.015);
  assert.equal(config.metricsPort, 9464);
  assert.deepEqual(config.actionJointNames, ['shoulder', 'elbow']);
  assert.deepEqual(config.holdPosition, [1, 2.5]);
  assert.equal(config.topics.camera, '/wrist/image_raw/compressed');
  assert.equal(config.topics.jointStates, '/joint_states');
  assert.equal(config.executionMode, 'temporal_ensembling');
  assert.equal(config.stateJointNames, null, '[] default = the model names');
  assert.ok(Math.abs(config.deadlineSec - 0.015) < 1e-12);

  // FloatingPointRange's default step is 1: a fractional rate must still be accepted.
  const r = await nodeWith(['-p', 'model:=/m.onnx', '-p', 'control_rate_hz:=12.5']);
  assert.equal(nodeConfigFromParameters(declare(r.rcl, r.node)).controlRateHz, 12.5);
});

test('deadline_sec 0 means 0.8 of the tick period', async () => {
  const { rcl, node } = await nodeWith(['-p', 'model:=/m.onnx', '-p', 'control_rate_hz:=20.0']);
  assert.ok(Math.abs(nodeConfigFromParameters(declare(rcl, node)).deadlineSec - 0.04) < 1e-12);
});

test('wrong types and out-of-range values are refused naming the parameter and the value', async () => {
  const wrongType = await nodeWith(['-p', 'control_rate_hz:=fast', '-p', 'metrics_port:=70000']);
  assert.throws(
    () => declare(wrongType.rcl, wrongType.node),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /parameter control_rate_hz must be a double, got 'fast'/);
      assert.match(err.message, /parameter metrics_port must be within \[0, 65535\].*got 70000/);
      return true;
    },
  );
  const zeroRate = await nodeWith(['-p', 'model:=/m.onnx', '-p', 'control_rate_hz:=0.0']);
  assert.throws(
    () => nodeConfigFromParameters(declare(zeroRate.rcl, zeroRate.node)),
    /parameter control_rate_hz \(controlRateHz\) must be a number in \(0, 1000\], got 0/,
  );
  const noModel = await nodeWith([]);
  assert.throws(() => nodeConfigFromParameters(declare(noModel.rcl, noModel.node)), /parameter model \(modelPath\) must be a non-empty path/);
  const badMode = await nodeWith(['-p', 'model:=/m.onnx', '-p', 'execution_mode:=fastest']);
  assert.throws(() => nodeConfigFromParameters(declare(badMode.rcl, badMode.node)), /parameter execution_mode \(executionMode\).*'fastest'/);
});

test('descriptor ranges agree with validateConfig at their edges', () => {
  const open = new Set(['control_rate_hz', 'max_observation_age_sec', 'max_stamp_skew_sec']); // validateConfig: lower bound excluded
  for (const spec of ROS_PARAMETERS) {
    if (spec.range === undefined || spec.name === 'deadline_sec') continue; // deadline: checked against the period
    const [lo, hi] = spec.range;
    for (const edge of open.has(spec.name) ? [hi] : [lo, hi]) {
      const values: Record<string, RosParameterValue> = { model: '/m.onnx', [spec.name]: edge };
      if (spec.name === 'control_rate_hz' && edge === hi) values.deadline_sec = 0.0005;
      assert.doesNotThrow(() => nodeConfigFromParameters(values), `${spec.name}=${edge} is inside its ROS range and must be valid`);
    }
  }
});

/** Just enough YAML for config/policy.params.yaml: `key: scalar` and `key: [a, b]` under /** → ros__parameters. */
function readParamsYaml(text: string): Record<string, RosParameterValue> {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').replace(/^#.*$/, ''))
    .filter((l) => l.trim() !== '');
  assert.equal(lines[0], '/**:');
  assert.equal(lines[1]?.trim(), 'ros__parameters:');
  const out: Record<string, RosParameterValue> = {};
  for (const line of lines.slice(2)) {
    const m = /^ {4}([a-z_]+): (.*)$/.exec(line);
    assert.ok(m, `unexpected line in params file: ${line}`);
    const raw = m[2]!.trim();
    out[m[1]!] = raw.startsWith('"') ? JSON.parse(raw) : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

test('config/policy.params.yaml: every key is a declared parameter of the right kind and the file validates', () => {
  const values = readParamsYaml(readFileSync(new URL('../../../config/policy.params.yaml', import.meta.url), 'utf8'));
  const byName = new Map(ROS_PARAMETERS.map((s) => [s.name, s]));
  for (const [name, value] of Object.entries(values)) {
    const spec = byName.get(name);
    assert.ok(spec, `${name} in the params file is not a parameter of the node (rcl would ignore it silently)`);
    const numeric = spec.kind === 'double' || spec.kind === 'integer';
    assert.equal(typeof value === 'number', numeric, `${name}: ${String(value)} is not a ${spec.kind}`);
  }
  const config = nodeConfigFromParameters({ ...values, model: '/m.onnx' });
  assert.equal(config.metricsPort, 9464);
  assert.equal(config.controlRateHz, 10);
});

test('parameterTable lists every parameter', () => {
  const table = parameterTable();
  for (const spec of ROS_PARAMETERS) assert.ok(table.includes(`\`${spec.name}\``), spec.name);
});
