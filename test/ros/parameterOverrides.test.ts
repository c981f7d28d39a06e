// rclcpp's rule for which params-file node keys apply to a node (rclnodejs 2.2.0 applies only `/**` and the bare
// name). The entries below are what the real addon returned for one params file plus -p rules (docs/deploy.md §8).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeFqn, nodeKeyMatches, resolveParameterOverrides } from '../../src/transport/parameterOverrides.js';

test('nodeFqn: root and namespaced nodes', () => {
  assert.equal(nodeFqn('/', 'oneflow_policy'), '/oneflow_policy');
  assert.equal(nodeFqn('', 'oneflow_policy'), '/oneflow_policy');
  assert.equal(nodeFqn('/robot1', 'oneflow_policy'), '/robot1/oneflow_policy');
  assert.equal(nodeFqn('robot1/arm/', 'p'), '/robot1/arm/p');
});

test('nodeKeyMatches: exact, bare (made absolute), /** and /* wildcards, nothing else', () => {
  const cases: [string, string, boolean][] = [
    ['/**', '/oneflow_policy', true],
    ['/**', '/robot1/oneflow_policy', true],
    ['/oneflow_policy', '/oneflow_policy', true],
    ['oneflow_policy', '/oneflow_policy', true],
    ['oneflow_policy', '/robot1/oneflow_policy', false],
    ['/oneflow_policy', '/robot1/oneflow_policy', false],
    ['/robot1/oneflow_policy', '/robot1/oneflow_policy', true],
    ['/robot2/oneflow_policy', '/robot1/oneflow_policy', false],
    ['/**/oneflow_policy', '/oneflow_policy', true],
    ['/**/oneflow_policy', '/a/b/oneflow_policy', true],
    ['/*/oneflow_policy', '/robot1/oneflow_policy', true],
    ['/*/oneflow_policy', '/oneflow_policy', false],
    ['/*/oneflow_policy', '/a/b/oneflow_policy', false],
    ['/oneflow_polic', '/oneflow_policy', false],
    ['/oneflow.policy', '/oneflowXpolicy', false],
  ];
  for (const [key, fqn, expected] of cases) assert.equal(nodeKeyMatches(key, fqn), expected, `${key} vs ${fqn}`);
});

test('resolveParameterOverrides: keys in rcl order, later matching keys win, other nodes ignored', () => {
  const p = (name: string, value: number | string) => ({ name, type: typeof value === 'number' ? 3 : 4, value });
  const entries = [
    { name: '/**', parameters: [p('a', 5), p('model', '')] },
    { name: 'oneflow_policy', parameters: [p('b', 'bare')] },
    { name: '/oneflow_policy', parameters: [p('model', '/m.onnx'), p('c', 2.5)] },
    { name: '/other_node', parameters: [p('model', '/wrong.onnx')] },
    { name: '/**/oneflow_policy', parameters: [p('a', 6)] },
  ];
  const resolved = Object.fromEntries(resolveParameterOverrides(entries, '/oneflow_policy').map((q) => [q.name, q.value]));
  assert.deepEqual(resolved, { a: 6, model: '/m.onnx', b: 'bare', c: 2.5 });
  const namespaced = Object.fromEntries(resolveParameterOverrides(entries, '/robot1/oneflow_policy').map((q) => [q.name, q.value]));
  assert.deepEqual(namespaced, { a: 6, model: '' });
});
