import pino from 'pino';
import { Writable } from 'node:stream';
import { AppConfig } from '@/config';
import { pinoOptions, redactUrl } from './logging.module';

/** A pino logger configured exactly as the application's, writing its lines into memory. */
function capture(): { logger: pino.Logger; lines: () => string[] } {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const options = pinoOptions(AppConfig.load({}, { NODE_ENV: 'test', LOG_LEVEL: 'debug' }));
  const logger = pino(
    { level: options.level, formatters: options.formatters, redact: options.redact, base: options.base },
    sink,
  );
  return { logger, lines: () => out };
}

const SECRET = 'tl_secret-that-must-not-be-logged';

describe('log redaction', () => {
  it('removes credentials wherever a logged object carries them, and every line is JSON', () => {
    const { logger, lines } = capture();
    logger.info({ clientSecret: SECRET, password: SECRET, token: SECRET }, 'top level');
    logger.info({ account: { clientSecret: SECRET, accessKeySecret: SECRET, accessKeyId: SECRET } }, 'one level');
    logger.warn({ call: { body: { client_secret: SECRET, access_token: SECRET } } }, 'two levels');
    logger.error({ req: { headers: { authorization: `Bearer ${SECRET}`, 'x-api-key': SECRET } } }, 'request');
    logger.info({ apiKey: SECRET, refreshToken: SECRET, id_token: SECRET, accessToken: SECRET }, 'tokens');

    const parsed = lines().map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { unparsable: line };
      }
    });
    expect(parsed).toHaveLength(5);
    expect(parsed.filter((p) => 'unparsable' in p)).toEqual([]);
    expect(lines().filter((line) => line.includes(SECRET))).toEqual([]);
    expect(parsed[1]).toMatchObject({
      level: 'info',
      account: { clientSecret: '[redacted]', accessKeySecret: '[redacted]', accessKeyId: '[redacted]' },
    });
    expect(parsed[3]).toMatchObject({ req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } } });
  });

  it('logs request URLs without the credentials some carry in their query string', () => {
    const options = pinoOptions(AppConfig.load({}, { NODE_ENV: 'test' }));
    const serialize = (options.serializers as { req: (req: unknown) => { url: string } }).req;
    const urls = [
      `/widget/v1/events?token=tlw1.${SECRET}`,
      `/widget/v1/events?lastEventId=4&token=${SECRET}&x=1`,
      `/integration/box/1.0/actions/add?userId=1&brandId=2&TOKEN=${SECRET}&backUrl=https://x.nicecxone.com/`,
      `/x?access_token=${SECRET}#frag`,
    ];
    expect(urls.map((url) => serialize({ id: 'r', method: 'GET', url }).url)).toEqual([
      '/widget/v1/events?token=[redacted]',
      '/widget/v1/events?lastEventId=4&token=[redacted]&x=1',
      '/integration/box/1.0/actions/add?userId=1&brandId=2&TOKEN=[redacted]&backUrl=https://x.nicecxone.com/',
      '/x?access_token=[redacted]#frag',
    ]);
    expect(redactUrl('/api/v1/campaigns?cursor=abc')).toBe('/api/v1/campaigns?cursor=abc');
  });
});
