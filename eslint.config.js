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
  // domain code throws GatewayErrors with stable codes; only the HTTP layer knows how each is answered
  // (src/http/problems.ts's DOMAIN_PROBLEMS), so only it may import the catalogue (issue 13)
  {
    files: ['src/**/*.ts'],
    ignores: ['src/http/**', 'src/**/*-routes.ts', 'src/plugins/**', 'src/pages/**', 'src/auth/auth-plugin.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)http/problems(\\.ts)?$',
              message:
                'throw a GatewayError with a code (src/errors/) and list the code in DOMAIN_PROBLEMS; only the HTTP layer imports http/problems',
            },
          ],
        },
      ],
    },
  },
  // tests, benches and the demo read JSON answers of any shape, as clients; the gateway itself may not
  // use `any` without saying why
  { files: ['test/**', 'bench/**', 'src/demo/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
)
