// One lint config for the workspace. The architecture rules of DESIGN §2 live here:
// libs/domain is pure (no IO, no clock, no randomness), services never import services,
// libs never import services, and libs are imported only through their index.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const SERVICES = ['api', 'planner', 'executor', 'fan-in', 'consolidator'];
const serviceNames = SERVICES.join('|');

const libsOnlyThroughIndex = {
  regex: '^@tributary/[^/]+/.+',
  message: 'Import a library through its package entry (src/index.ts), not its internals.',
};
const noServicePackages = {
  regex: `^@tributary/(${serviceNames})$`,
  message: 'Services are deployed alone: depend on libs, never on a service.',
};
const noRelativeIntoServices = {
  regex: `^(\\.\\./){2,}(services/)?(${serviceNames})/src/`,
  message: 'Services are deployed alone: depend on libs, never on a service.',
};
const noRelativeIntoOtherProjects = {
  regex: '^(\\.\\./){2,}(libs|services)/',
  message: 'Cross-project imports go through the package name (@tributary/<lib>).',
};

export const IO_MODULES = [
  'pg', 'kysely', 'nats', 'ws', 'express', 'undici', 'fs', 'fs/promises', 'net', 'http', 'https',
  'child_process', 'worker_threads', 'dgram', 'dns', 'tls', 'os', 'crypto', 'path', 'process',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/events/src/gen/**', '**/*.d.ts', 'test/fixtures/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-imports': ['error', { patterns: [libsOnlyThroughIndex, noRelativeIntoOtherProjects] }],
    },
  },
  {
    // The web UI runs in the browser: browser globals, and no Node IO.
    files: ['libs/web-ui/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [libsOnlyThroughIndex, noRelativeIntoOtherProjects, noServicePackages, noRelativeIntoServices] },
      ],
    },
  },
  {
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [libsOnlyThroughIndex, noRelativeIntoOtherProjects, noServicePackages, noRelativeIntoServices] },
      ],
    },
  },
  {
    files: ['libs/domain/src/**/*.ts'],
    ignores: ['libs/domain/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_MODULES.map((name) => ({ name, message: 'libs/domain is pure: no IO.' })),
          patterns: [
            { regex: '^node:', message: 'libs/domain is pure: no Node built-ins.' },
            { regex: '^@(nestjs|nats-io|opentelemetry|electric-sql)/', message: 'libs/domain is pure: no IO frameworks.' },
            { regex: '^@tributary/', message: 'libs/domain depends on no other project.' },
            libsOnlyThroughIndex,
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Pass time in (now), do not read the clock in libs/domain.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pass time in (now), do not read the clock in libs/domain.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Pass a random source in, libs/domain is deterministic.' },
        { selector: "CallExpression[callee.property.name='randomUUID']", message: 'Pass ids in, libs/domain is deterministic.' },
        { selector: "MemberExpression[object.name='process']", message: 'libs/domain does not read the environment.' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
