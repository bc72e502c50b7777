import { createHmac } from 'node:crypto';
import { webhookProblem } from './webhook-auth';

const SECRET = 'a-webhook-secret-of-some-length';
const NOW = 1_800_000_000_000;
const body = '{"eventId":"e1","eventType":"MessageCreated","data":{}}';
const sign = (timestamp: number, raw = body, secret = SECRET): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`;
const ts = NOW / 1000;

describe('webhook authentication', () => {
  it.each([
    ['a good signature', { signature: sign(ts), timestamp: String(ts) }, null],
    ['a good signature 4 minutes old', { signature: sign(ts - 240), timestamp: String(ts - 240) }, null],
    ['a bearer secret', { authorization: `Bearer ${SECRET}` }, null],
    ['another body', { signature: sign(ts, body.replace('e1', 'e2')), timestamp: String(ts) }, 'does not match'],
    ['another secret', { signature: sign(ts, body, 'other'), timestamp: String(ts) }, 'does not match'],
    ['a timestamp not signed', { signature: sign(ts), timestamp: String(ts + 1) }, 'does not match'],
    ['a replay 6 minutes later', { signature: sign(ts - 360), timestamp: String(ts - 360) }, 'more than 300 s'],
    ['from the future', { signature: sign(ts + 360), timestamp: String(ts + 360) }, 'more than 300 s'],
    ['no timestamp', { signature: sign(ts) }, 'unix seconds'],
    ['a malformed signature', { signature: 'md5=abc', timestamp: String(ts) }, 'sha256='],
    ['a wrong bearer', { authorization: 'Bearer nope' }, 'does not match'],
    ['nothing', {}, 'sign the request'],
  ])('%s', (_name, headers, problem) => {
    const answer = webhookProblem(headers, body, SECRET, NOW);
    if (problem === null) expect(answer).toBeNull();
    else expect(answer).toContain(problem);
  });
});
