// The one config field table (issue 19 item 1) drives validation, the ROS descriptors, --param parsing and the docs;
// unknown names are refused with a suggestion (issue 18 item 11).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_FIELDS } from '../../../src/config/configFields.js';
import { didYouMean } from '../../../src/config/didYouMean.js';
import { configInputFromValues, parseParamAssignments } from '../../../src/config/paramValues.js';
import { ROS_PARAMETERS, declareRosParameters, nodeConfigFromParameters, parameterTable } from '../../../src/config/rosParams.js';
import { validateConfig } from '../../../src/config/validateConfig.js';
import type { NodeConfigInput } from '../../../src/config/nodeConfig.js';
import { ConfigError } from '../../../src/errors.js';
import type { RclModule, RclNode, RclParameter } from '../../../src/transport/rclnodejsApi.js';

const fromParams = (...items: string[]) => validateConfig({ modelPath: 'm.onnx', ...configInputFromValues(parseParamAssignments(items)) });

test('--param accepts the printed snake_case names and the NodeConfig paths, typed by the field kind', () => {
  const c = fromParams(
    'control_rate_hz=20',
    'deadlineSec=0.03',
    'camera_topic=/wrist/image_raw',
    'action_joint_names=[shoulder, elbow]',
    'hold_position=[0.5, 1]',
    'execution_mode=dp',
    'topics.jointStates=/arm/joint_states',
  );
  assert.equal(c.controlRateHz, 20);
  assert.equal(c.deadlineSec, 0.03);
  assert.equal(c.topics.camera, '/wrist/image_raw');
  assert.equal(c.topics.jointStates, '/arm/joint_states');
  assert.deepEqual(c.actionJointNames, ['shoulder', 'elbow']);
  assert.deepEqual(c.holdPosition, [0.5, 1]);
  assert.equal(c.executionMode, 'dp');
  // The ROS "unset" encodings mean the default here too.
  const d = fromParams('deadline_sec=0', 'state_joint_names=[]', 'control_rate_hz=50');
  assert.equal(d.deadlineSec, 0.8 / 50);
  assert.equal(d.stateJointNames, null);
});

test('an unknown --param name is refused with a "did you mean" (controlRateHZ=20 used to run at 10 Hz)', () => {
  assert.throws(
    () => fromParams('controlRateHZ=20'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.equal(err.field, 'controlRateHZ');
      assert.match(err.message, /unknown parameter controlRateHZ \(= '20'\) \(did you mean 'control_rate_hz'\?\)/);
      return true;
    },
  );
  assert.throws(
    () => fromParams('dedline_sec=0.05', 'warmup=3', 'noise'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => p.field),
        ['dedline_sec', 'warmup', '--param'],
      );
      assert.match(err.message, /did you mean 'deadline_sec'/);
      assert.match(err.message, /--param must be name=value/);
      return true;
    },
  );
  // A non-number stays a string, so validation names it instead of a NaN.
  assert.throws(() => fromParams('control_rate_hz=fast'), /controlRateHz must be a number in \(0, 1000\], got 'fast'/);
});

test('validateConfig refuses keys that are no field (a typo in code or a spread of user input)', () => {
  assert.throws(
    () => validateConfig({ modelPath: 'm.onnx', controlRateHZ: 20 } as NodeConfigInput),
    /unknown parameter controlRateHZ .*did you mean 'control_rate_hz'/,
  );
  assert.throws(
    () => validateConfig({ modelPath: 'm.onnx', topics: { camra: '/c' } } as unknown as NodeConfigInput),
    /unknown parameter topics\.camra .*did you mean 'topics\.camera'/,
  );
});

test('ROS descriptor ranges, --print-params and validation come from one row: every edge agrees', () => {
  for (const f of CONFIG_FIELDS) {
    const spec = ROS_PARAMETERS.find((s) => s.name === f.param);
    assert.ok(spec, f.param);
    assert.equal(spec.field, f.key);
    const r = f.range;
    if (r === undefined) continue;
    if (r.hi === 'period') {
      // deadline_sec: no static ROS range can say (0, 1/control_rate_hz]; the constraint text says it.
      assert.equal(spec.range, undefined);
      assert.match(spec.constraints, /\(0, 1\/control_rate_hz\]/);
      const at = (deadline: number) => () => nodeConfigFromParameters({ model: 'm.onnx', control_rate_hz: 20, deadline_sec: deadline });
      assert.doesNotThrow(at(0.05));
      assert.throws(at(0.0500001), /parameter deadline_sec \(deadlineSec\) must be a number in \(0, 0\.05\]/);
      continue;
    }
    assert.deepEqual(spec.range, [r.lo, r.hi]);
    const base = { model: 'm.onnx', deadline_sec: 0.0005 };
    const ok = (x: number) => () => nodeConfigFromParameters({ ...base, [f.param]: x });
    const step = f.kind === 'integer' ? 1 : 1e-9 * Math.max(1, Math.abs(r.hi));
    if (r.loOpen === true) assert.throws(ok(r.lo), new RegExp(`parameter ${f.param}`));
    else assert.doesNotThrow(ok(r.lo), `${f.param}=${r.lo}`);
    assert.doesNotThrow(ok(r.hi), `${f.param}=${r.hi}`);
    assert.throws(ok(r.hi + step), new RegExp(`parameter ${f.param}`), `${f.param}=${r.hi + step}`);
    assert.throws(ok(r.lo - step), new RegExp(`parameter ${f.param}`), `${f.param}=${r.lo - step}`);
  }
});

test('defaults in the table are valid, and are what an empty configuration gives', () => {
  const c = validateConfig({ modelPath: 'm.onnx' });
  for (const f of CONFIG_FIELDS) {
    if (f.default === null) continue;
    const [head, tail] = f.key.split('.') as [string, string | undefined];
    const value = tail === undefined ? (c as Record<string, unknown>)[head] : (c.topics as Record<string, unknown>)[tail];
    assert.deepEqual(value, f.default, f.key);
  }
});

test('docs/config.md holds the table --print-params prints (regenerate: oneflow run --print-params)', () => {
  const doc = readFileSync(new URL('../../../../docs/config.md', import.meta.url), 'utf8');
  const m = /<!-- parameter-table:begin -->\n([\s\S]*?)\n<!-- parameter-table:end -->/.exec(doc);
  assert.ok(m, 'docs/config.md has the parameter-table markers');
  assert.equal(m[1], parameterTable(), 'docs/config.md is stale: paste the output of `oneflow run --print-params` between the markers');
});

test('didYouMean ignores case and separators and stays quiet when nothing is close', () => {
  const names = CONFIG_FIELDS.map((f) => f.param);
  assert.equal(didYouMean('controlRateHZ', names), 'control_rate_hz');
  assert.equal(didYouMean('metrics-port', names), 'metrics_port');
  assert.equal(didYouMean('recovery_tick', names), 'recovery_ticks');
  assert.equal(didYouMean('banana', names), null);
});

/** Just enough of rclnodejs for declareRosParameters: overrides in, declared parameters out. */
function fakeRcl(overrides: RclParameter[]): { rcl: RclModule; node: RclNode } {
  const T = {
    PARAMETER_NOT_SET: 0,
    PARAMETER_BOOL: 1,
    PARAMETER_INTEGER: 2,
    PARAMETER_DOUBLE: 3,
    PARAMETER_STRING: 4,
    PARAMETER_BOOL_ARRAY: 6,
    PARAMETER_INTEGER_ARRAY: 7,
    PARAMETER_DOUBLE_ARRAY: 8,
    PARAMETER_STRING_ARRAY: 9,
  };
  const declared = new Set<string>(['use_sim_time']); // rclnodejs' TimeSource declares it on every node
  const rcl = {
    ParameterType: T,
    Parameter: class {
      constructor(
        readonly name: string,
        readonly type: number,
        readonly value: unknown,
      ) {}
    },
    ParameterDescriptor: class {
      additionalConstraints = '';
      constructor(readonly name: string) {}
    },
    IntegerRange: class {
      constructor(
        readonly fromValue: bigint,
        readonly toValue: bigint,
      ) {}
    },
    FloatingPointRange: class {
      constructor(
        readonly fromValue: number,
        readonly toValue: number,
      ) {}
    },
  } as unknown as RclModule;
  const node = {
    getParameterOverrides: () => overrides,
    hasParameter: (name: string) => declared.has(name),
    declareParameter: (p: RclParameter) => (declared.add(p.name), p),
  } as unknown as RclNode;
  return { rcl, node };
}

test('an unknown ROS parameter is refused with a "did you mean"; use_sim_time and QoS overrides are not ours to judge', () => {
  const p = (name: string, type: number, value: RclParameter['value']): RclParameter => ({ name, type, value });
  const good = fakeRcl([p('model', 4, 'm.onnx'), p('use_sim_time', 1, true), p('qos_overrides./clock.subscription.depth', 2, 1n)]);
  assert.equal(declareRosParameters(good.rcl, good.node)['model'], 'm.onnx');
  const typo = fakeRcl([p('model', 4, 'm.onnx'), p('controlRateHZ', 3, 20), p('deadline_s', 3, 0.05)]);
  assert.throws(
    () => declareRosParameters(typo.rcl, typo.node),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /unknown parameter controlRateHZ \(= 20\) \(did you mean 'control_rate_hz'\?\)/);
      assert.match(err.message, /unknown parameter deadline_s .*did you mean 'deadline_sec'/);
      return true;
    },
  );
});
