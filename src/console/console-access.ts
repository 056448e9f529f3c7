import type { FastifyReply, FastifyRequest } from 'fastify'
import { effectiveScopes, type Principal } from '../auth/access.ts'
import type { DirectoryService } from '../directory/directory-service.ts'
import type { CookieJar } from '../pages/cookies.ts'
import { page } from '../pages/layout.ts'
import { sendPage } from '../pages/respond.ts'
import type { ConsoleSession, ConsoleSessions } from './console-sessions.ts'
import { signedOutBody } from './console-views.ts'

export const SESSION_COOKIE = 'hg_session'

/** A request the console refuses, answered as a page. */
export class ConsoleRefusal extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text)
  }
}

/** Who a console request acts as, from its session cookie; shared by the console and the auditor's view. */
export function createConsoleAccess(options: { sessions: ConsoleSessions; directory: DirectoryService; cookies: CookieJar }) {
  const signedOut = (reply: FastifyReply, status: number, message: string) =>
    sendPage(reply, status, page({ language: 'en', title: 'Operator console', brand: 'hotline-gateway', body: signedOutBody(message) }))

  /** The session and the participant it acts for, with the scope needed; otherwise a refusal. */
  async function actingAs(request: FastifyRequest, scope: string): Promise<{ session: ConsoleSession; principal: Principal }> {
    const session = await options.sessions.find(options.cookies.read(request, SESSION_COOKIE))
    if (!session) throw new ConsoleRefusal(401, 'You are not logged in, or your session has ended.')
    const directory = await options.directory.current()
    const participant = directory?.byId.get(session.participantId)
    if (!participant || !directory) throw new ConsoleRefusal(403, `${session.participantId} is no longer in the directory.`)
    const scopes = effectiveScopes(participant.kind, new Set(session.scopes))
    if (!scopes.has(scope)) throw new ConsoleRefusal(403, `This needs the scope ${scope}, which your login does not hold.`)
    return { session, principal: { participant, clientId: session.clientId, scopes, directory } }
  }

  /** Every handler answers a refusal as a page: 401 offers the login. */
  const guarded =
    (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        return await handler(request, reply)
      } catch (error) {
        if (!(error instanceof ConsoleRefusal)) throw error
        return signedOut(reply, error.status, error.text)
      }
    }

  return { actingAs, guarded, signedOut }
}

export type ConsoleAccess = ReturnType<typeof createConsoleAccess>
