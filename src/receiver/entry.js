// The package entry of hotline-gateway/receiver for plain Node: the kit is TypeScript source, loaded
// through tsx scoped to this import (as bin/hotline-gateway.js runs the CLI), so no build step is needed.
import { tsImport } from 'tsx/esm/api'

const kit = await tsImport('./index.ts', import.meta.url)

export const {
  createReceiver,
  memoryReceiptBook,
  pushHandler,
  createPushVerifier,
  verifyHandoff,
  remoteJwks,
  staticJwks,
  memoryNonceStore,
  gatewayClient,
  signReceipt,
  signStatus,
  generatePartnerKey,
  partnerKey,
  readPartnerKey,
  writePartnerKey,
  ReceiverError,
} = kit
