import type { DfoMessageResponse } from '@/integrations/cxone/dfo.types';
import type { HttpClient } from '@test/helpers/http';
import { SimulatorHarness, SMS, startSimulator, textOutbound } from './simulator-harness';

/** fetch rejects with "fetch failed" (a TypeError from Node's realm, so not instanceof Jest's Error). */
function expectSocketError(error: unknown): void {
  expect(error).toMatchObject({ message: 'fetch failed' });
}

interface LogEntry {
  operation: string;
  status: number | null;
  fault?: string;
  idOnExternalPlatform?: string;
}

describe('CXone simulator: fault injection', () => {
  let sim: SimulatorHarness;
  let dfo: HttpClient;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await sim.reset();
    dfo = await sim.dfo();
  });

  const outbound = (id: string) =>
    dfo.post<DfoMessageResponse>(
      `/dfo/3.0/channels/${SMS}/outbound`,
      textOutbound('+15552000001', 'x', { idOnExternalPlatform: id }),
    );
  const stored = async (): Promise<Array<{ idOnExternalPlatform: string }>> =>
    (await sim.control.get<Array<{ idOnExternalPlatform: string }>>('/sim/messages')).body;

  it('answers the next N matching requests with 5xx, without applying them', async () => {
    const fault = await sim.control.post('/sim/faults', { kind: '5xx', count: 2, operation: 'outbound', status: 503 });

    const token = await sim.http.post('/engager/2.0/token', {
      grant_type: 'client_credentials',
      client_id: 'threadline-dev',
      client_secret: 'threadline-dev-secret',
    });
    const first = await outbound('f-1');
    const second = await outbound('f-2');
    const third = await outbound('f-3');

    expect(fault.status).toBe(201);
    expect(token.status).toBe(200);
    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(first.body).toMatchObject({ errors: [expect.objectContaining({ errorCode: 'internalError' })] });
    expect((await stored()).map((m) => m.idOnExternalPlatform)).toEqual(['f-3']);
    const stats = await sim.control.get<{ faultsInjected: Record<string, number> }>('/sim/stats');
    expect(stats.body.faultsInjected['5xx']).toBe(2);
  });

  it('injects a 429 with the given Retry-After', async () => {
    await sim.control.post('/sim/faults', { kind: '429', operation: 'outbound', retryAfterSeconds: 7 });

    const limited = await outbound('r-1');

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await stored()).toHaveLength(0);
  });

  it('holds a timed-out request for hangMs, then cuts the connection, without applying it', async () => {
    await sim.control.request('PATCH', '/sim/config', { hangMs: 200 });
    await sim.control.post('/sim/faults', { kind: 'timeout', operation: 'outbound' });
    const started = Date.now();

    const error = await outbound('t-1').catch((e: unknown) => e);

    expectSocketError(error);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await stored()).toHaveLength(0);
    const log = await sim.control.get<LogEntry[]>('/sim/requests?operation=outbound');
    expect(log.body).toEqual([expect.objectContaining({ fault: 'timeout', status: null })]);
  });

  it('applies a dropped request but never answers it (the answer is lost)', async () => {
    await sim.control.post('/sim/faults', { kind: 'drop', operation: 'outbound' });

    const error = await outbound('d-1').catch((e: unknown) => e);
    const retry = await outbound('d-1');

    expectSocketError(error);
    expect((await stored()).map((m) => m.idOnExternalPlatform)).toEqual(['d-1']);
    expect(retry.status).toBe(200); // dedupe: the retry gets the first answer
    expect(retry.body.message!.idOnExternalPlatform).toBe('d-1');
    const log = await sim.control.get<LogEntry[]>('/sim/requests?operation=outbound');
    expect(log.body[0]).toMatchObject({ fault: 'drop', status: null, idOnExternalPlatform: 'd-1' });
  });

  it('only hits the operation named, and DELETE /sim/faults clears what is pending', async () => {
    await sim.control.post('/sim/faults', { kind: '5xx', count: 5, operation: 'token' });
    const pending = await sim.control.get<unknown[]>('/sim/faults');

    const send = await outbound('o-1');
    const token = await sim.http.post('/engager/2.0/token', {
      grant_type: 'client_credentials',
      client_id: 'threadline-dev',
      client_secret: 'threadline-dev-secret',
    });
    const cleared = await sim.control.delete('/sim/faults');

    expect(pending.body).toEqual([expect.objectContaining({ kind: '5xx', remaining: 5, operation: 'token' })]);
    expect(send.status).toBe(200);
    expect(token.status).toBe(500);
    expect(cleared.status).toBe(204);
    expect((await sim.control.get<unknown[]>('/sim/faults')).body).toEqual([]);
  });

  it('fails every request at errorRate 1 (500 or 503)', async () => {
    await sim.control.request('PATCH', '/sim/config', { errorRate: 1 });

    const answers = await Promise.all(['e-1', 'e-2', 'e-3', 'e-4'].map(outbound));

    for (const answer of answers) expect([500, 503]).toContain(answer.status);
    expect(await stored()).toHaveLength(0);
  });

  it('adds latency', async () => {
    await sim.control.request('PATCH', '/sim/config', { latencyMs: 150 });
    const started = Date.now();

    const answer = await outbound('l-1');

    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('validates fault bodies', async () => {
    const res = await sim.control.post<{ details: Array<{ field: string }> }>('/sim/faults', {
      kind: 'meteor',
      count: 0,
      operation: 'everything',
    });

    expect(res.status).toBe(400);
    expect(res.body.details.map((d) => d.field)).toEqual(['kind', 'count', 'operation']);
  });
});
