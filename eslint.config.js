// ESLint flat config (ESLint 9): typescript-eslint's recommended rules on the TypeScript
// sources, eslint-config-prettier last so that layout is Prettier's alone (`npm run format`).
const { defineConfig } = require('eslint/config');
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const globals = require('globals');

module.exports = defineConfig(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'build/',
      'out/',
      'site/',
      '.tmp/',
      '.venv/',
      '.jupyter/',
      'notebooks/',
      'tests/fixtures/',
      // AssemblyScript, not TypeScript: `@inline` on a function is not valid TypeScript, so
      // neither typescript-eslint's parser nor Prettier's can read the file.
      'assembly/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // The lecture page runs in a browser: its main thread, its workers and its static scripts.
    files: ['lecture/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    // The plain-JS tooling (scripts/*.js, this file) is CommonJS that runs before any build.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
  {
    // After eslint-config-prettier, which turns max-len off: Prettier wraps code at 120, and
    // this catches the comments it leaves alone. Strings, template literals and regexes are
    // not split (a test name, a message, a pattern).
    rules: {
      'max-len': [
        'error',
        {
          code: 120,
          tabWidth: 2,
          ignoreUrls: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
        },
      ],
    },
  },
);
