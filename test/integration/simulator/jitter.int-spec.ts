import { realNowMs } from '@/simulator/common/clock';
import { DEFAULT_JITTER_SOURCE, JitterSource } from '@/simulator/traffic/arrival-jitter';
import { eventually } from '@test/helpers/eventually';
import type { HttpResponse } from '@test/helpers/http';
import { SimulatorHarness, SMS, startSimulator, textOutbound } from './simulator-harness';

interface LogEntry {
  seq: number;
  at: number;
  status: number;
  body: { recipients: Array<{ idOnExternalPlatform: string }> };
}

/**
 * A jitter source the test steers: `random` returns the queued draws (then 0, i.e. no delay), and a request with a
 * delay waits at a gate until the test opens it, whatever the delay, so nothing depends on timing.
 */
class SteeredJitter implements JitterSource {
  readonly draws: number[] = [];
  readonly delays: number[] = [];
  private readonly queued: number[] = [];
  private gates: Array<() => void> = [];

  queue(...draws: number[]): void {
    this.queued.push(...draws);
  }

  random(): number {
    const draw = this.queued.shift() ?? 0;
    this.draws.push(draw);
    return draw;
  }

  sleep(ms: number): Promise<void> {
    this.delays.push(ms);
    return new Promise((resolve) => this.gates.push(resolve));
  }

  openGates(): void {
    for (const open of this.gates.splice(0)) open();
  }
}

describe('CXone simulator: arrival jitter', () => {
  describe('with a steered source', () => {
    const jitter = new SteeredJitter();
    let sim: SimulatorHarness;

    beforeAll(async () => {
      sim = await startSimulator({}, { jitterSource: jitter });
    });
    afterAll(async () => {
      jitter.openGates();
      await sim.close();
    });

    it('delays a request before the limiter and the log see it, so a later one can overtake it', async () => {
      const dfo = await sim.dfo(); // drawn 0: no delay
      await sim.control.patch('/sim/config', { outboundRatePerSecond: 1, arrivalJitterMs: 1000 });
      jitter.queue(0.5, 0);
      const drawn = jitter.draws.length;

      const first = dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15556000001'));
      await eventually(
        () => Promise.resolve(jitter.draws.length),
        (n) => n === drawn + 1,
        { what: 'the first request to draw its delay' },
      );
      const logWhileHeld = (await sim.control.get<LogEntry[]>('/sim/requests?operation=outbound')).body;
      const second = await dfo.post(`/dfo/3.0/channels/${SMS}/outbound`, textOutbound('+15556000002'));
      jitter.openGates();
      const firstAnswer: HttpResponse = await first;

      expect(jitter.delays).toEqual([500]); // 0.5 × 1000 ms; the 0 draws wait for nothing
      expect(logWhileHeld).toEqual([]); // not seen yet: not logged, not counted
      expect(second.status).toBe(200);
      expect(firstAnswer.status).toBe(429); // the overtaking request took the one slot of this second
      const log = (await sim.control.get<LogEntry[]>('/sim/requests?operation=outbound')).body;
      expect(log.map((e) => [e.body.recipients[0].idOnExternalPlatform, e.status])).toEqual([
        ['+15556000002', 200],
        ['+15556000001', 429],
      ]);
      expect(log[1].at).toBeGreaterThan(log[0].at);
    });

    it('leaves the control API alone', async () => {
      await sim.control.patch('/sim/config', { arrivalJitterMs: 1000 });
      const drawn = jitter.draws.length;

      await sim.control.get('/sim/stats');
      await sim.control.get('/sim/requests');
      await sim.http.get('/health');

      expect(jitter.draws.length).toBe(drawn);
    });
  });

  describe('with real timers', () => {
    let sim: SimulatorHarness;
    // Always (almost) the longest delay: a lower bound on the arrival time that load can only make longer.
    const source: JitterSource = { random: () => 0.999, sleep: DEFAULT_JITTER_SOURCE.sleep };

    beforeAll(async () => {
      sim = await startSimulator({ SIMULATOR_ARRIVAL_JITTER_MS: '250' }, { jitterSource: source });
    });
    afterAll(() => sim.close());

    it('stamps the arrival no earlier than the drawn delay after the request was sent', async () => {
      const config = await sim.control.get<{ arrivalJitterMs: number }>('/sim/config');
      const dfo = await sim.dfo();

      const sentAt = realNowMs();
      const res = await dfo.get('/dfo/3.0/channels');
      const answeredAt = realNowMs();

      expect(config.body.arrivalJitterMs).toBe(250);
      expect(res.status).toBe(200);
      const [entry] = (await sim.control.get<LogEntry[]>('/sim/requests?operation=channels')).body;
      // 0.999 × 250 ms, less a few ms: Node's timers count from the event loop's cached clock, so they may fire a
      // millisecond or two early by a finer clock.
      expect(entry.at - sentAt).toBeGreaterThanOrEqual(245);
      expect(answeredAt - sentAt).toBeGreaterThanOrEqual(245);
    });

    it('validates the setting', async () => {
      const res = await sim.control.patch<{ details: Array<{ field: string }> }>('/sim/config', {
        arrivalJitterMs: -1,
      });
      const fraction = await sim.control.patch('/sim/config', { arrivalJitterMs: 1.5 });

      expect(res.status).toBe(400);
      expect(res.body.details.map((d) => d.field)).toEqual(['arrivalJitterMs']);
      expect(fraction.status).toBe(400);
    });
  });
});
