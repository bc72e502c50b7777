import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { ApiKeysService } from './api-keys.service';
import { InvalidApiKeyError } from './auth.errors';
import type { ApiKeyPrincipal } from '@/infra/auth/principal';

export const API_KEY_STRATEGY = 'api-key';

/** Admin API keys, presented as `Authorization: Bearer tl_…` or `X-API-Key: tl_…`. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, API_KEY_STRATEGY) {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async validate(request: FastifyRequest): Promise<ApiKeyPrincipal> {
    const key = extractApiKey(request.headers);
    if (!key) throw new InvalidApiKeyError('an API key is required (Authorization: Bearer <key> or X-API-Key: <key>)');
    return this.apiKeys.authenticate(key);
  }
}

export function extractApiKey(headers: FastifyRequest['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const authorization = headers.authorization;
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}
