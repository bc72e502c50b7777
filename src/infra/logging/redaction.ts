/**
 * Paths pino removes from every log line: credentials in headers, and secrets or tokens wherever a logged object
 * carries them (one level deep, plus the common nestings). Values are replaced with "[redacted]".
 */
const SECRET_KEYS = [
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'accessKeySecret',
  'accessKeyId',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'id_token',
  'apiKey',
  'authorization',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-bootstrap-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];
