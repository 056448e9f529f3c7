import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { auditHandlers } from './audit/audit-routes.ts'
import { createAuditService } from './audit/audit-service.ts'
import { authPlugin } from './auth/auth-plugin.ts'
import { cachingVerifier } from './auth/token-cache.ts'
import { isLoopbackHttp } from './auth/loopback.ts'
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.ts'
import type { Config } from './config/config.ts'
import { configuredSealer } from './crypto/encryption-key.ts'
import type { Sealer } from './crypto/sealer.ts'
import { ConfigError } from './config/config.ts'
import type { Database } from './db/database.ts'
import type { Migration } from './db/migrate.ts'
import { directoryHandlers } from './directory/directory-routes.ts'
import { createDirectoryService } from './directory/directory-service.ts'
import { createContractServer } from './http/contract-server.ts'
import { renderProblemPage } from './pages/problem-page.ts'
import { createSchemaCompilers } from './http/schema-compilers.ts'
import { sharedSchemaAjv } from './http/schema-files.ts'
import { createEvidenceBuilder } from './handoffs/evidence-bundle.ts'
import { createEscalations } from './handoffs/escalations.ts'
import { handoffHandlers } from './handoffs/handoff-routes.ts'
import { createTakedownStats, statsHandlers } from './stats/takedown-stats.ts'
import { createInbox } from './handoffs/inbox.ts'
import { manifestIssuer } from './handoffs/handoff-runtime.ts'
import { createRetractions } from './handoffs/retractions.ts'
import { linkEntries } from './handoffs/handoff-audit.ts'
import { timelineEntry } from './handoffs/handoff-store.ts'
import { createInboxSignals, type InboxSignals } from './handoffs/inbox-signals.ts'
import { createHandoffService } from './handoffs/handoff-service.ts'
import { createParticipantKeys } from './handoffs/participant-keys.ts'
import { createIntakeService } from './intake/intake-service.ts'
import { intakeHandlers } from './intake/intake-routes.ts'
import { createReportQueries } from './intake/report-queries.ts'
import { createDsaNoticeValidator } from './intake/dsa-notice-validator.ts'
import { createReportValidator } from './intake/report.ts'
import { BUNDLED_GEOIP_DB } from './routing/hosting.ts'
import { createRoutingService } from './routing/routing-service.ts'
import { routingHandlers } from './routing/routing-routes.ts'
import { loadContract, type OpenApiContract } from './http/openapi-document.ts'
import { createReadinessCheck, healthHandlers } from './ops/health.ts'
import type { LoopHealth } from './ops/loop-health.ts'
import { createMetricsEndpoint, metricsHandlers } from './ops/metrics-endpoint.ts'
import { databasePlugin } from './plugins/database.ts'
import { protectionPlugin } from './plugins/protection.ts'
import { contractHandlers, docsPlugin } from './plugins/docs.ts'
import { assetHandlers } from './pages/assets.ts'
import { reportFormHandlers } from './pages/report-form-routes.ts'
import { consoleHandlers } from './console/console-routes.ts'
import { createConsoleLogin } from './console/console-login.ts'
import { createConsoleQueries } from './console/console-queries.ts'
import { createConsoleSessions } from './console/console-sessions.ts'
import { createConsoleAccess } from './console/console-access.ts'
import { cookieJar } from './pages/cookies.ts'
import { auditorHandlers } from './auditor/auditor-routes.ts'
import { createAuditorQueries } from './auditor/auditor-queries.ts'

export interface AppOptions {
  config: Config
  database: Database
  migrations: Migration[]
  logger: Logger
  contract?: OpenApiContract
  /** Defaults to one discovered from OIDC_ISSUER. */
  tokenVerifier?: TokenVerifier
  /** Defaults to one for the configuration's ENCRYPTION_KEY. */
  sealer?: Sealer
  /** Wake-ups for long-polling inbox requests; shared with the process's signing worker. */
  inboxSignals?: InboxSignals
  /** Heartbeats of this process's background loops (server.ts starts them), for /readyz and /metrics. */
  loopHealth?: LoopHealth
}

/** The whole gateway, not listening: server.ts starts it, tests `inject` into it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options
  const contract = options.contract ?? (await loadContract())
  const verifier = options.tokenVerifier ?? (await verifierFromConfig(config))
  const sealer = options.sealer ?? (await configuredSealer(config, options.logger))
  const directory = createDirectoryService({ pool: database.pool, cacheMs: config.directoryCacheMs })
  const routing = await createRoutingService({
    pool: database.pool,
    homeCountry: config.homeCountry,
    geoPath: config.geoipDb ?? BUNDLED_GEOIP_DB,
    cacheMs: config.directoryCacheMs,
  })
  const intake = createIntakeService({
    pool: database.pool,
    sealer,
    routing,
    publicUrl: config.publicUrl,
    logger: options.logger,
    keyCheckMs: config.keyCheckMs,
  })
  const audit = createAuditService({ pool: database.pool })
  const handoffs = createHandoffService({ pool: database.pool, keysOf: createParticipantKeys() })
  // bodies on the process's one Ajv, where intake's validators and every other reader compile theirs
  const compilers = createSchemaCompilers(contract.schemas, options.contract ? {} : { body: sharedSchemaAjv() })
  const signals = options.inboxSignals ?? createInboxSignals({ database, logger: options.logger })
  const loops = options.loopHealth && { health: options.loopHealth, stallMs: config.loopStallMs }
  const validateReport = createReportValidator(compilers.body)
  const consoleSessions = createConsoleSessions(database.pool)
  const evidence = createEvidenceBuilder({ pool: database.pool, audit })
  const escalations = createEscalations({ pool: database.pool, directory, ackMs: config.urgentAckMs })
  const reports = createReportQueries({
    pool: database.pool,
    handoffs: {
      ...createRetractions({ pool: database.pool, sealer, issuer: manifestIssuer(config), keyCheckMs: config.keyCheckMs }),
      linkEntries,
      timelineEntry,
    },
  })
  const assets = await assetHandlers()
  const app = await createContractServer({
    contract,
    compilers,
    renderProblem: renderProblemPage,
    logger: options.logger,
    bodyLimit: config.bodyLimit,
    plugins: async (app) => {
      await app.register(databasePlugin, { database })
      await app.register(authPlugin, { verifier: cachingVerifier(verifier), directory })
      await app.register(protectionPlugin, {
        pool: database.pool,
        publicPerMinute: config.rateLimitPublic,
        participantPerMinute: config.rateLimitParticipant,
        perOperation: { submitReportForm: config.rateLimitReportForm },
      })
      await app.register(docsPlugin, { contract })
    },
    handlers: () => ({
      ...healthHandlers(createReadinessCheck(database, options.migrations, loops)),
      ...metricsHandlers(createMetricsEndpoint({ pool: database.pool, loops: options.loopHealth })),
      ...contractHandlers(contract),
      ...directoryHandlers(directory),
      ...routingHandlers(routing),
      ...auditHandlers(audit),
      ...statsHandlers(createTakedownStats({ pool: database.pool })),
      ...handoffHandlers({
        pool: database.pool,
        handoffs,
        inbox: createInbox({ pool: database.pool, signals }),
        escalations,
        evidence,
      }),
      ...intakeHandlers({
        intake,
        reports,
        validateReport,
        validateDsaNotice: createDsaNoticeValidator(compilers.body),
      }),
      ...assets,
      ...reportFormHandlers({
        intake,
        directory,
        validateReport,
        sealer,
        participantId: config.reportFormParticipant,
        emergencyNumber: config.reportFormEmergencyNumber,
        secureCookies: config.nodeEnv === 'production',
      }),
      ...consoleHandlers({
        login: createConsoleLogin({ issuer: verifier.issuer, clientId: config.consoleClientId, audience: config.oidcAudience }),
        sessions: consoleSessions,
        queries: createConsoleQueries(database.pool),
        verifier,
        directory,
        intake,
        reports,
        handoffs,
        escalations,
        validateReport,
        sealer,
        secureCookies: config.nodeEnv === 'production',
        publicUrl: config.publicUrl,
      }),
      ...auditorHandlers({
        pool: database.pool,
        access: createConsoleAccess({ sessions: consoleSessions, directory, cookies: cookieJar(config.nodeEnv === 'production') }),
        audit,
        queries: createAuditorQueries(database.pool),
        handoffs,
        evidence,
      }),
    }),
  })
  app.addHook('onClose', async () => intake.close())
  // long polls answer now, before the server waits for in-flight requests to end
  app.addHook('preClose', async () => signals.close())
  return app
}

async function verifierFromConfig(config: Config): Promise<TokenVerifier> {
  if (!config.oidcIssuer)
    throw new ConfigError(['OIDC_ISSUER must be set: the URL of the OpenID Connect issuer whose access tokens the gateway accepts'])
  return createTokenVerifier({
    issuer: config.oidcIssuer,
    audience: config.oidcAudience,
    allowInsecureHttp: isLoopbackHttp(new URL(config.oidcIssuer)),
  })
}
