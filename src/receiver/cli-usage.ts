import { GatewayError } from '../errors/gateway-error.ts'

/** The partner CLI was called wrongly (exit 2, with the help text). */
export class UsageError extends GatewayError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message)
  }
}
