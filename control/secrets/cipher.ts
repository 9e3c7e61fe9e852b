import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { masterKeyBytes } from '../../config/master-key.js';

/*
 * AES-256-GCM under the master key. A sealed value is one buffer:
 *
 *   [key version: 1 byte][IV: 12 bytes][auth tag: 16 bytes][ciphertext]
 *
 * The version byte names the master key that sealed it, so a rotation can load the old and the
 * new key side by side and re-seal rows one by one. Every value is sealed with a context (GCM's
 * associated data) naming where it is stored, `services.env_vars_encrypted:<serviceId>`: a
 * ciphertext copied into another row or column fails to open instead of decrypting there.
 */

const algorithm = 'aes-256-gcm';
const versionBytes = 1;
const ivBytes = 12;
const authTagBytes = 16;
const headerBytes = versionBytes + ivBytes + authTagBytes;
const maxKeyVersion = 255;

/** A sealed value that cannot be opened: wrong key, wrong context, or altered bytes. */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

export class SecretCipher {
  private readonly keys: ReadonlyMap<number, Buffer>;

  /** `keys` by version; new values are sealed with `currentVersion`'s key. */
  constructor(
    keys: ReadonlyMap<number, Buffer>,
    readonly currentVersion: number,
  ) {
    for (const [version, key] of keys) {
      if (!Number.isInteger(version) || version < 1 || version > maxKeyVersion) throw new Error(`Master key version ${version} is not 1…${maxKeyVersion}`);
      if (key.length !== masterKeyBytes) throw new Error(`Master key version ${version} has ${key.length} bytes, not ${masterKeyBytes}`);
    }
    if (!keys.has(currentVersion)) throw new Error(`No master key of version ${currentVersion}`);
    this.keys = new Map(keys);
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv(algorithm, this.keys.get(this.currentVersion)!, iv, { authTagLength: authTagBytes });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([this.currentVersion]), iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Throws SecretDecryptionError rather than ever returning bytes the key did not seal. */
  open(sealed: Buffer, context: string): string {
    if (sealed.length < headerBytes) throw new SecretDecryptionError(`Sealed value of ${sealed.length} bytes is shorter than its header`);
    const version = sealed[0]!;
    const key = this.keys.get(version);
    if (!key) throw new SecretDecryptionError(`Sealed with master key version ${version}, which this process was not given`);
    const iv = sealed.subarray(versionBytes, versionBytes + ivBytes);
    const authTag = sealed.subarray(versionBytes + ivBytes, headerBytes);
    const decipher = createDecipheriv(algorithm, key, iv, { authTagLength: authTagBytes });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(authTag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(headerBytes)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(`Sealed value failed authentication for ${context}: wrong master key, or the bytes were altered`);
    }
  }
}
