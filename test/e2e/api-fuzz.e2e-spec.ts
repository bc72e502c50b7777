import { STATUS_CODES } from 'node:http';
import { ApiKeysService, OPERATOR } from '@/modules/auth/api-keys.service';
import { createCampaign, phones, registerChannel } from '@test/factories/campaigns';
import { FuzzCase, FuzzFixtures, generateCases, OpenApiDocument } from '@test/helpers/api-fuzz';
import { startTestApp, TestApp } from '@test/helpers/app';
import { startSimulator, TestSimulator } from '@test/helpers/simulator';

const SEED = 20261201;
const CONCURRENCY = 6;
const REQUEST_TIMEOUT_MS = 15_000;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ERROR_KEYS = new Set(['statusCode', 'error', 'message', 'details', 'requestId']);

interface Answer {
  status: number;
  requestId: string | null;
  contentType: string | null;
  text: string;
}

/** Why an answer breaks the promise (no 5xx, no hang, errors in the one shape with the request id), or null. */
function brokenPromise(fuzz: FuzzCase, answer: Answer): string | null {
  if (answer.status >= 500) return 'a 5xx';
  if (!answer.requestId) return 'no X-Request-Id header';
  if (answer.status >= 200 && answer.status < 300) {
    return fuzz.documented.includes(String(answer.status)) ? null : `an undocumented ${answer.status}`;
  }
  if (answer.status < 400 || fuzz.method === 'HEAD') return null; // a HEAD answer has no body
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return 'an error body that is not JSON';
  }
  const extra = Object.keys(body).filter((k) => !ERROR_KEYS.has(k));
  if (extra.length) return `unexpected keys ${extra.join(', ')}`;
  if (body.statusCode !== answer.status) return `statusCode ${String(body.statusCode)}`;
  if (body.error !== STATUS_CODES[answer.status]) return `error ${String(body.error)}`;
  if (typeof body.message !== 'string' || !body.message) return 'no message';
  if (body.requestId !== answer.requestId) return `requestId ${String(body.requestId)} is not the X-Request-Id header`;
  return null;
}

function excerpt(value: string | Uint8Array | undefined, length = 160): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : `<${value.length} bytes> ${Buffer.from(value).toString('latin1')}`;
  const shown = JSON.stringify(text.slice(0, length));
  return text.length > length ? `${shown}… (${text.length} characters)` : shown;
}

async function send(baseUrl: string, fuzz: FuzzCase): Promise<Answer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(new URL(fuzz.url, baseUrl), {
      method: fuzz.method,
      headers: fuzz.headers,
      ...(fuzz.body !== undefined ? { body: fuzz.body } : {}),
      signal: controller.signal,
    });
    const contentType = response.headers.get('content-type');
    const requestId = response.headers.get('x-request-id');
    // A progress stream that opened is an answer; it would run until its campaign ends.
    if (response.status === 200 && contentType?.includes('text/event-stream')) {
      controller.abort();
      return { status: 200, requestId, contentType, text: '(event stream)' };
    }
    return { status: response.status, requestId, contentType, text: await response.text() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every /api operation of the OpenAPI document the app serves at /docs/json, sent thousands of bad requests made
 * from its documented parameters and bodies (seeded, so every run sends the same ones): wrong types, missing and
 * null fields, 1 MB strings, NUL characters, lone surrogates, deep nesting, bad cursors and path parameters,
 * wrong content types and bodies, broken CSV. None may answer 5xx or hang; every error is in the one shape with
 * the request id of its X-Request-Id header; and the service is still ready afterwards.
 */
describe('the API under a fuzz of bad requests', () => {
  let sim: TestSimulator;
  let t: TestApp;
  let document: OpenApiDocument;
  let fixtures: FuzzFixtures;

  beforeAll(async () => {
    sim = await startSimulator();
    t = await startTestApp({ ...sim.appEnv, API_BOOTSTRAP_KEY: 'b'.repeat(40) });
    const key = (await t.app.get(ApiKeysService).create({ name: 'fuzz', scopes: ['admin'] }, OPERATOR)).key;
    const admin = t.http.withHeaders({ authorization: `Bearer ${key}` });
    const sms = await registerChannel(admin, 'sms_fuzz');
    const whatsapp = await registerChannel(admin, 'wa_fuzz', 'WHATSAPP');
    const account = await admin.post<{ id: string }>('/api/v1/accounts', {
      name: 'fuzz-account',
      authMode: 'CLIENT_CREDENTIALS',
      apiBaseUrl: `${sim.url}/dfo/3.0`,
      tokenUrl: `${sim.url}/engager/2.0/token`,
      clientId: 'fuzz',
      clientSecret: 'fuzz',
    });
    const [optOutAddress] = phones(1);
    const intake = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: phones(1)[0] }] });
    const lifecycle = await createCampaign(admin, { channelId: sms.id, recipients: [{ to: phones(1)[0] }] });
    const message = await admin.post<{ id: string }>('/api/v1/messages', {
      channelId: sms.id,
      to: phones(1)[0],
      content: { type: 'TEXT', text: 'fuzz' },
    });
    if (account.status !== 201 || message.status !== 202) throw new Error('fixtures could not be created');
    document = (await t.http.get<OpenApiDocument>('/docs/json')).body;

    const byCollection: Record<string, string> = {
      campaigns: intake.id,
      channels: sms.id,
      accounts: account.body.id,
      messages: message.body.id,
    };
    fixtures = {
      authorization: `Bearer ${key}`,
      // Deleting the fixtures would leave later operations nothing to validate against: deletes get an unknown id.
      // Campaign state changes get their own campaign, so the intake campaign keeps taking recipients.
      pathValue: (path, method, name) => {
        // a customer's consent: a real channel and an address, so PUT reaches its body validation
        if (path === '/api/v1/opt-outs/{channelId}/{address}') return name === 'channelId' ? sms.id : optOutAddress;
        if (method === 'DELETE') return UNKNOWN_ID;
        if (/\/campaigns\/\{id\}\/(start|pause|resume|cancel|retry-failed)$/.test(path)) return lifecycle.id;
        if (path.endsWith('/templates/sync')) return whatsapp.id;
        return byCollection[/^\/api\/v1\/([^/]+)\/\{/.exec(path)?.[1] ?? ''] ?? UNKNOWN_ID;
      },
      uuidValue: (path, field) =>
        field === 'accountId' ? account.body.id : path.includes('template') ? whatsapp.id : sms.id,
    };
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('answers every bad request with a 4xx (or a 2xx) in the one error shape, and stays ready', async () => {
    const cases = generateCases(document, fixtures, SEED);
    const operations = new Set(cases.map((c) => c.operation));
    const apiOperations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect([...operations].sort()).toEqual(apiOperations.sort());
    const perOperation = [...operations].map((op) => [op, cases.filter((c) => c.operation === op).length] as const);
    expect(perOperation.filter(([, n]) => n < 15)).toEqual([]);
    expect(cases.length).toBeGreaterThan(2000);

    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < cases.length; i = next++) {
        const fuzz = cases[i];
        const request = `${fuzz.method} ${fuzz.url.slice(0, 160)} [${fuzz.what}] body ${excerpt(fuzz.body)}`;
        try {
          const answer = await send(t.http.baseUrl, fuzz);
          const broken = brokenPromise(fuzz, answer);
          if (broken) failures.push(`${request} → ${broken}: ${answer.status} ${excerpt(answer.text, 300)}`);
        } catch (err) {
          failures.push(`${request} → no answer: ${err instanceof Error ? `${err.name} ${err.message}` : String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect({ requests: cases.length, failures }).toEqual({ requests: cases.length, failures: [] });
    const ready = await t.http.get('/health/ready');
    expect(`${ready.status} ${ready.text.slice(0, 300)}`).toMatch(/^200 /);
  }, 240_000);
});
