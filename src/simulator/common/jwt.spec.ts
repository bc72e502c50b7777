import { decodeJwtPayload, encodeJwt } from './jwt';

describe('JWT-shaped tokens', () => {
  it('encodes base64url header.payload.signature whose payload decodes to the claims', () => {
    const token = encodeJwt({ iss: 'http://sim', sub: 'user:1', tenantId: 't-1', iat: 100, exp: 3700 });

    const [header, payload, signature] = token.split('.');
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ tenantId: 't-1', exp: 3700 });
    expect(signature.length).toBeGreaterThan(0);
  });

  it('makes every token unique (jti)', () => {
    const claims = { iss: 'x', sub: 'y', tenantId: 't', iat: 1, exp: 2 };

    expect(encodeJwt(claims)).not.toBe(encodeJwt(claims));
  });

  it('decodes only JWT-shaped strings', () => {
    expect(decodeJwtPayload('opaque')).toBeNull();
    expect(decodeJwtPayload('a.b.c')).toBeNull();
  });
});
