import { Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppConfig } from '@/config';

const VERSION = 'v1';

/**
 * Encrypts secrets at rest (CXone credentials added through the API) with AES-256-GCM and the key from
 * CREDENTIALS_ENCRYPTION_KEY. Ciphertext format: `v1:<iv>:<tag>:<data>` (base64url), so the key or algorithm can
 * be rotated later by version.
 */
@Injectable()
export class SecretBox {
  private readonly logger = new Logger(SecretBox.name);
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = config.dispatch.credentialsKey;
    if (config.dispatch.credentialsKeyIsDevelopmentDefault && config.app.env !== 'test') {
      this.logger.warn(
        'CREDENTIALS_ENCRYPTION_KEY is not set: CXone credentials are encrypted with the development key',
      );
    }
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      data.toString('base64url'),
    ].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}
