import { AppConfig } from '@/config';
import { SimSettings } from '@/simulator/state/sim-settings';
import { ArrivalJitter, JitterSource, jitterDelayMs } from './arrival-jitter';

describe('arrival jitter', () => {
  it('maps the random source uniformly onto [0, maxMs)', () => {
    expect(jitterDelayMs(200, () => 0)).toBe(0);
    expect(jitterDelayMs(200, () => 0.25)).toBe(50);
    expect(jitterDelayMs(200, () => 0.999)).toBeCloseTo(199.8, 10);
  });

  it('draws nothing and waits for nothing when the jitter is 0', () => {
    const random = jest.fn(() => 0.5);
    expect(jitterDelayMs(0, random)).toBe(0);
    expect(random).not.toHaveBeenCalled();
  });

  describe('ArrivalJitter', () => {
    const waits: number[] = [];
    const draws = [0.5, 0.1, 0.9];
    const source: JitterSource = {
      random: () => draws.shift() ?? 0,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    };

    it('waits a draw of arrivalJitterMs per request, as the setting is now', async () => {
      const settings = new SimSettings(AppConfig.load({}, { SIMULATOR_ARRIVAL_JITTER_MS: '100' }));
      const jitter = new ArrivalJitter(settings, source);

      await jitter.beforeArrival();
      await jitter.beforeArrival();
      settings.patch({ arrivalJitterMs: 1000 });
      await jitter.beforeArrival();
      settings.patch({ arrivalJitterMs: 0 });

      expect(jitter.beforeArrival()).toBeNull();
      expect(waits).toEqual([50, 10, 900]);
    });
  });
});
