// ESLint flat config for the TypeScript node (issue 19 item 6). `make lint-ts` runs it with Prettier's check.
// typescript-eslint's recommended rules plus the type-aware ones that find real bugs in this code base: promises
// left floating or passed where a void callback is expected (a lost rejection in the tick loop), and `any` flowing
// into typed code is left to tsc's strict mode. The pure folders may not import adapters (docs/style.md §3).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ADAPTERS = ['rclnodejs', 'onnxruntime-node', 'prom-client', 'pino', 'node:fs', 'node:fs/promises', 'node:http', 'fs', 'http'];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', '.ros/**', '.venv/**', 'runs/**', 'training/**', 'grafana/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests may use `any` for hand-built messages and fakes of library objects.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/{observation,control,watchdog,config}/**/*.ts'],
    ignores: ['src/config/rosParams.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ADAPTERS.map((name) => ({ name, message: 'pure folder: no I/O adapters (docs/style.md §3)' })) }] },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.mjs', 'test/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
);
