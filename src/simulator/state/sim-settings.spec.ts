import { AppConfig } from '@/config';
import { ControlError } from '@/simulator/common/sim-errors';
import { SimSettings } from './sim-settings';

describe('SimSettings', () => {
  const config = AppConfig.load(
    {},
    { SIMULATOR_OUTBOUND_RATE_PER_SECOND: '25', SIMULATOR_RETRY_AFTER_FORMAT: 'http-date' },
  );

  it('starts from config.simulator', () => {
    const settings = new SimSettings(config);

    expect(settings.value).toMatchObject({
      outboundRatePerSecond: 25,
      retryAfterFormat: 'http-date',
      recipientsField: 'either',
    });
  });

  it('applies a valid patch and tells listeners what changed', () => {
    const settings = new SimSettings(config);
    const changes: string[][] = [];
    settings.onChange((changed) => changes.push([...changed]));

    settings.patch({ latencyMs: 20, middlewareUrl: 'http://mw:3000/box/' });

    expect(settings.value.latencyMs).toBe(20);
    expect(settings.value.middlewareUrl).toBe('http://mw:3000/box');
    expect(changes).toEqual([['latencyMs', 'middlewareUrl']]);
  });

  it('refuses an invalid patch whole, naming each field', () => {
    const settings = new SimSettings(config);

    const error = (() => {
      try {
        settings.patch({ latencyMs: 20, dropRate: 0.8, errorRate: 0.5, faultOperations: ['nonsense'] });
      } catch (e) {
        return e;
      }
    })() as ControlError;

    expect(error).toBeInstanceOf(ControlError);
    expect((error.body as { details: Array<{ field: string }> }).details.map((d) => d.field)).toEqual([
      'faultOperations[0]',
      'errorRate',
    ]);
    expect(settings.value.latencyMs).toBe(0);
  });

  it('resets to the config defaults', () => {
    const settings = new SimSettings(config);
    settings.patch({ outboundRatePerSecond: 1 });
    settings.reset();

    expect(settings.value.outboundRatePerSecond).toBe(25);
  });
});
