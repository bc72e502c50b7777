import { randomBytes } from 'node:crypto';

/**
 * JWT-shaped tokens (base64url header.payload.signature). CXone tokens are JWTs whose payload carries the tenant id,
 * and clients decode them to find it; nothing verifies the signature, so the simulator signs with a fixed string and
 * looks its tokens up by value.
 */
export interface SimJwtClaims {
  iss: string;
  sub: string;
  aud?: string;
  tenantId: string;
  iat: number;
  exp: number;
  jti?: string;
  [claim: string]: unknown;
}

const HEADER = base64url({ alg: 'RS256', typ: 'JWT', kid: 'cxone-simulator' });
const SIGNATURE = Buffer.from('cxone-simulator-signature').toString('base64url');

export function encodeJwt(claims: SimJwtClaims): string {
  return `${HEADER}.${base64url({ ...claims, jti: claims.jti ?? randomBytes(12).toString('base64url') })}.${SIGNATURE}`;
}

/** Decodes the payload of a JWT-shaped string (no verification); null when it is not one. */
export function decodeJwtPayload(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
