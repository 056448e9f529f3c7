// typescript-eslint's recommended rules on the sources, tests, benches and scripts; formatting is
// prettier's job, not the linter's.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tap/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
    rules: {
      // a `let` that a closure reads before its one assignment (a test's server answering with ctx) stays a let
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  // tests, benches and the demo read JSON answers of any shape, as clients; the gateway itself may not
  // use `any` without saying why
  { files: ['test/**', 'bench/**', 'src/demo/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
)
