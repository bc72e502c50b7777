/**
 * The baseline of the headroom benchmark: a bare HTTP client (axios, keep-alive) sending the same DFO outbound
 * requests the pipeline sends, as fast as the simulator answers, with the same concurrency. No database, no queue,
 * no limiter. Prints one JSON line. argv: simulatorUrl count concurrency
 */
import axios from 'axios';
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';

async function main(): Promise<void> {
  const [simulatorUrl, count, concurrency] = process.argv.slice(2);
  const http = axios.create({
    baseURL: simulatorUrl,
    httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }),
    timeout: 10_000,
  });
  const token = await http.post<{ access_token: string }>(
    '/auth/token',
    new URLSearchParams({
      grant_type: 'password',
      username: 'threadline-dev-access-key',
      password: 'threadline-dev-access-secret',
    }).toString(),
    {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('threadline-dev:threadline-dev-secret').toString('base64')}`,
      },
    },
  );
  const headers = { authorization: `Bearer ${token.data.access_token}`, 'content-type': 'application/json' };
  let next = 0;
  let failed = 0;
  const total = Number(count);
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const id = randomUUID();
      const res = await http.post(
        '/dfo/3.0/channels/sms_threadline_dev/outbound',
        {
          thread: { idOnExternalPlatform: `bare-${id}` },
          messageContent: { type: 'TEXT', payload: { text: 'Storm update: your flight is cancelled. Reply HELP.' } },
          recipients: [
            { idOnExternalPlatform: `+1303${String(2000000 + i).padStart(7, '0')}`, isPrimary: true, isPrivate: false },
          ],
          idOnExternalPlatform: `bare-m-${id}`,
          contact: { customFields: [{ ident: 'alert_type', value: 'flight_cancellation' }] },
        },
        { headers, validateStatus: () => true },
      );
      if (res.status !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ count: total, failed, ms, perSecond: (total * 1000) / ms })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
