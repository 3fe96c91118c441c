import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The folders of pkg/upgrade and what each may import (docs/architecture.md): imports run one
// way, api <- plan, kube <- operator, agent, client, install; none imports the command layer.
const upgradeLayers = {
  api: [],
  plan: ['api'],
  kube: ['api'],
  operator: ['api', 'plan', 'kube'],
  agent: ['api', 'plan', 'kube'],
  client: ['api', 'plan', 'kube'],
  install: ['api'],
};
const upgradeImportRules = Object.entries(upgradeLayers).map(([layer, may]) => ({
  files: [`pkg/upgrade/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        group: [...Object.keys(upgradeLayers).filter((f) => f !== layer && !may.includes(f)).map((f) => `../${f}/*`), '../../commands/*'],
        message: may.length
          ? `pkg/upgrade/${layer} may import only ${may.map((f) => `pkg/upgrade/${f}`).join(', ')} of pkg/upgrade (docs/architecture.md)`
          : `pkg/upgrade/${layer} imports nothing else of pkg/upgrade (docs/architecture.md)`,
      }],
    }],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '**/*.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['pkg/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'pkg/ throws NkdError; only cmd/ exits.' }],
    },
  },
  ...upgradeImportRules,
);
