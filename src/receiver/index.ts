/**
 * hotline-gateway/receiver: what a partner's Node service needs to take handoffs from the gateway.
 *
 *   const key = await readPartnerKey('partner-key.json')          // from `hotline-gateway partner keygen`
 *   const receiver = createReceiver({ gateway: 'https://gateway.example.org', key, onHandoff: store })
 *   createServer(tls, pushHandler(receiver)).listen(8443)         // push: verified, stored, answered with a receipt
 *   await receiver.pull(gatewayClient({ gateway, token }))        // or pull: the same checks, receipts posted
 *
 * Every refusal is a ReceiverError with a stable `code` (SIGNATURE_REPLAYED, DIGEST_MISMATCH, ...).
 */
export { createReceiver, memoryReceiptBook, type Receiver, type ReceiverOptions, type ReceiptBook, type PullOutcome } from './receiver.ts'
export { pushHandler, type PushHandlerOptions } from './push-handler.ts'
export { createPushVerifier, createSignedRequestVerifier, type PushRequest, type PushVerifierOptions } from './verify-push.ts'
export { createNotificationVerifier, notificationHandler, type StatusNotification } from './verify-notification.ts'
export { verifyHandoff, type HandoffItem, type VerifiedHandoff } from './verify-handoff.ts'
export { verifyRenotice, type RenoticeItem, type VerifiedRenotice } from './verify-renotice.ts'
export { remoteJwks, staticJwks, type GatewayKeySource } from './gateway-jwks.ts'
export { memoryNonceStore, type NonceStore } from './nonce-store.ts'
export { gatewayClient, type GatewayClient, type GatewayClientOptions, type ReceiptOutcome } from './gateway-client.ts'
export { signReceipt, signStatus, type HandoffRef, type StatusDetails } from './messages.ts'
export { generatePartnerKey, partnerKey, readPartnerKey, writePartnerKey, type PartnerKey } from './partner-key.ts'
export { ReceiverError, type ReceiverErrorCode } from './receiver-error.ts'
