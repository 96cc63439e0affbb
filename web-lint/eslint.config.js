// ESLint for the web front end's modules, linted as the browser loads them (no build
// step). Run by scripts/lint. Besides the recommended rules: what the pages' strict CSP
// forbids anyway (eval and friends, inline style), what the text-only rendering rule
// forbids (HTML from strings), imports of this directory only, and the size limits of
// issues 23/24. Import circles are found by check-modules.js beside this file.

import js from '@eslint/js';
import globals from 'globals';
import { fileURLToPath } from 'node:url';

// The modules as served, wherever the lint runs from (scripts/lint runs it from the
// repository's root).
const WEB = fileURLToPath(new URL('../gateway/assets/web/', import.meta.url));

const HTML_SINKS = ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'write', 'writeln'];
const CLASSES_ONLY = 'style-src has no unsafe-inline: use a class from app.css.';

export default [
  {
    basePath: WEB,
    files: ['**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      ...js.configs.recommended.rules,
      // script-src 'self' without 'unsafe-eval': these would throw in the browser.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
      'no-restricted-globals': ['error', 'eval', 'event', 'name', 'status', 'length', 'top', 'parent', 'self'],
      'no-restricted-properties': [
        'error',
        ...HTML_SINKS.map((property) => ({ property, message: 'Render with dom.js (text only), not HTML strings.' })),
        { object: 'document', property: 'cookie', message: 'The session is api.js’s.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='setAttribute'][arguments.0.value='style']", message: CLASSES_ONLY },
        { selector: "MemberExpression[property.name='style']", message: CLASSES_ONLY },
        { selector: 'ImportExpression', message: 'Static imports only, so that check-modules.js sees the whole graph.' },
      ],
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\.\\.?/)', message: 'Relative imports of this directory only: nothing from another host, no package.' }] }],
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none' }],
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
];
