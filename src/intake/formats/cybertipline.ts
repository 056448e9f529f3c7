/**
 * NCMEC CyberTipline-style ESP report XML <-> canonical report. Element names and order follow the
 * CyberTipline reporting API XSD; `<fileDetails>` inside `<report>` is the gateway's extension for
 * file metadata and hashes (in the NCMEC API it is a separate document sent after a file upload,
 * and the gateway never handles files).
 */
export { parseCyberTiplineXml } from './cybertipline-read.ts'
export { toCyberTiplineXml } from './cybertipline-write.ts'
