// Contract validation: a model whose signature does not fit its own metadata is refused with a ModelContractError
// naming the field, the expected and the found value (the config-vs-model checks: test/unit/config).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkContract, ModelContractError, parsePolicyMetadata, readOnnxModel, validateContract, type OnnxModel } from '../../src/onnx/index.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'models');
const load = (name: string) => readOnnxModel(join(FIXTURES, `${name}.onnx`));

describe('validateContract', () => {
  for (const name of ['tiny_onestep', 'tiny_ddpm100', 'tiny_ddim16', 'handmade_loop', 'slow', 'nan', 'out_of_bounds']) {
    it(`${name} fits the contract and describes the Push-T keypoint policy`, async () => {
      const policy = validateContract(await load(name));
      assert.equal(policy.name, name);
      assert.equal(policy.observation.n_obs_steps, 2);
      assert.deepEqual(policy.observation.state.names, ['agent_x', 'agent_y', 'block_x', 'block_y', 'block_yaw']);
      assert.deepEqual(policy.action.names, ['agent_x', 'agent_y']);
      assert.equal(policy.observation.image, null);
    });
  }

  it('the image fixture fits the contract with its 96x96 image', async () => {
    const policy = validateContract(await load('tiny_image_onestep'));
    assert.deepEqual([policy.observation.image?.height, policy.observation.image?.width], [96, 96]);
  });

  it('a refusal names field, expected, found and the model', async () => {
    const m = await load('bad_state_shape');
    assert.throws(
      () => validateContract(m, 'bad_state_shape.onnx'),
      (e: unknown) => {
        assert.ok(e instanceof ModelContractError);
        assert.equal(e.code, 'MODEL_CONTRACT');
        assert.equal(e.field, 'input.state.shape');
        assert.deepEqual(
          [e.expected, e.found],
          [
            [1, 2, 5],
            [1, 2, 4],
          ],
        );
        assert.ok(e.message.endsWith('[model=bad_state_shape.onnx]'), e.message);
        return true;
      },
    );
  });

  it('refuses a graph whose state input disagrees with its own metadata', async () => {
    const mismatches = checkContract(await load('bad_state_shape'));
    assert.deepEqual(mismatches, [{ field: 'input.state.shape', expected: [1, 2, 5], found: [1, 2, 4] }]);
  });

  it('refuses a model without metadata', async () => {
    await assert.rejects(
      async () => validateContract(await load('no_metadata')),
      /metadata_props\["oneflow.policy"\]: expected 'schema_version 1 policy JSON', found 'metadata_props\["oneflow.policy"\] is missing/,
    );
  });

  it('checks signature: wrong dtype, symbolic dims, missing output, extra input', async () => {
    const base = await load('tiny_onestep');
    const edit = (patch: Partial<OnnxModel>): OnnxModel => ({ ...base, ...patch });
    const state = base.inputs[0]!;
    const noise = base.inputs[1]!;
    assert.deepEqual(checkContract(edit({ inputs: [{ ...state, elemType: 'float64' }, noise] }))[0], {
      field: 'input.state.type',
      expected: 'float32',
      found: 'float64',
    });
    assert.deepEqual(checkContract(edit({ inputs: [{ ...state, shape: ['batch', 2, 5] }, noise] }))[0], {
      field: 'input.state.shape',
      expected: [1, 2, 5],
      found: ['batch', 2, 5],
    });
    assert.deepEqual(checkContract(edit({ outputs: [] }))[0], { field: 'output.action', expected: 'float32 [1,16,2]', found: 'missing' });
    assert.equal(checkContract(edit({ inputs: [state, noise, { name: 'extra', elemType: 'float32', shape: [1] }] }))[0]?.field, 'inputs');
  });
});

describe('parsePolicyMetadata', () => {
  const valid = {
    schema_version: 1,
    name: 'p',
    method: 'oneflow',
    network_calls_per_inference: 1,
    observation: { n_obs_steps: 2, obs_interval_s: 0.1, state: { names: ['agent_x', 'agent_y'], sources: ['joint_states', 'joint_states'] }, image: null },
    action: { names: ['agent_x', 'agent_y'], horizon: 16, n_action_steps: 8, first_step_offset: -1, control_rate_hz: 10, low: [0, 0], high: [512, 512] },
    noise: { shape: [1, 1, 16, 2] },
    provenance: {},
    eval: null,
  };
  const mutate = (f: (o: any) => void): string => {
    const o = structuredClone(valid);
    f(o);
    return JSON.stringify(o);
  };

  it('accepts the schema example and keeps unknown extension keys harmlessly', () => {
    const p = parsePolicyMetadata(mutate((o) => (o.extra_key = 1)));
    assert.equal(p.sampler, null);
    assert.ok(Object.isFrozen(p.action.low));
  });

  const bad: [string, (o: any) => void, string][] = [
    ['schema version 2', (o) => (o.schema_version = 2), 'metadata.schema_version'],
    ['unknown method', (o) => (o.method = 'magic'), 'metadata.method'],
    ['zero calls', (o) => (o.network_calls_per_inference = 0), 'metadata.network_calls_per_inference'],
    ['missing observation', (o) => delete o.observation, 'metadata.observation'],
    ['sources length', (o) => o.observation.state.sources.pop(), 'metadata.observation.state.sources'],
    ['unknown source', (o) => (o.observation.state.sources[0] = 'lidar'), 'metadata.observation.state.sources[0]'],
    ['negative interval', (o) => (o.observation.obs_interval_s = -0.1), 'metadata.observation.obs_interval_s'],
    ['n_action_steps > horizon', (o) => (o.action.n_action_steps = 17), 'metadata.action.n_action_steps'],
    ['low >= high', (o) => (o.action.low = [600, 0]), 'metadata.action.low[0]'],
    ['noise rank', (o) => (o.noise.shape = [1, 16, 2]), 'metadata.noise.shape'],
    ['noise horizon', (o) => (o.noise.shape = [1, 1, 8, 2]), 'metadata.noise.shape[2]'],
    ['image without source', (o) => (o.observation.image = { height: 96, width: 96 }), 'metadata.observation.image.source'],
  ];
  for (const [label, f, field] of bad) {
    it(`refuses ${label} naming ${field}`, () => {
      assert.throws(
        () => parsePolicyMetadata(mutate(f)),
        (e: unknown) => {
          assert.ok(e instanceof ModelContractError);
          assert.ok(
            e.mismatches.some((m) => m.field === field),
            JSON.stringify(e.mismatches),
          );
          return true;
        },
      );
    });
  }

  it('refuses non-JSON and non-object text', () => {
    assert.throws(() => parsePolicyMetadata('{nope'), /expected 'JSON object', found 'invalid JSON/);
    assert.throws(() => parsePolicyMetadata('[1]'), /expected 'JSON object', found \[1\]/);
  });
});
