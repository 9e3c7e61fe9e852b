/* The master key is 32 bytes (AES-256); config validates SYNTRA_MASTER_KEY with this parser, api/secrets loads the key with it. */
export const masterKeyBytes = 32;

const hexKey = /^[0-9a-fA-F]{64}$/;
const base64Key = /^[A-Za-z0-9+/_-]{43}=?$/;

/** The 32 key bytes of a master key written as 64 hex digits or as base64 (standard or url-safe); null otherwise. */
export function parseMasterKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (hexKey.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!base64Key.test(trimmed)) return null;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === masterKeyBytes ? key : null;
}

