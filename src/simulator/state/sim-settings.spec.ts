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

  it('takes the webhook, opt-out, jitter and BYOC defaults from SIMULATOR_* variables', () => {
    const settings = new SimSettings(
      AppConfig.load(
        {},
        {
          SIMULATOR_WEBHOOK_URL: 'http://127.0.0.1:3000/webhooks/cxone/acct-1/',
          SIMULATOR_WEBHOOK_SECRET: 'hook-secret',
          SIMULATOR_WEBHOOK_AUTH: 'bearer',
          SIMULATOR_NATIVE_OPT_OUT: 'false',
          SIMULATOR_OPT_OUT_REFUSAL_STATUS: '422',
          SIMULATOR_OPT_OUT_ERROR_CODE: 'optedOut',
          SIMULATOR_ARRIVAL_JITTER_MS: '40',
          SIMULATOR_CONTACT_MESSAGES_ORDER: 'desc',
          SIMULATOR_RECIPIENT_VALIDATION: 'false',
          SIMULATOR_USE_DFO3_OUTBOUND: 'false',
        },
      ),
    );

    expect(settings.value).toMatchObject({
      webhookUrl: 'http://127.0.0.1:3000/webhooks/cxone/acct-1/', // an endpoint: used exactly as given
      webhookSecret: 'hook-secret',
      webhookAuth: 'bearer',
      nativeOptOut: false,
      optOutRefusalStatus: 422,
      optOutErrorCode: 'optedOut',
      arrivalJitterMs: 40,
      contactMessagesOrder: 'desc',
      recipientValidation: false,
      useDfo3Outbound: false,
    });
    expect(settings.describe().webhookSecret).toBe('***');
  });

  it('has no webhook and CXone-like defaults without those variables', () => {
    expect(new SimSettings(AppConfig.load({}, {})).value).toMatchObject({
      webhookUrl: null,
      webhookAuth: 'hmac',
      webhookRetries: 3,
      nativeOptOut: true,
      optOutRefusalStatus: 400,
      optOutErrorCode: 'RecipientOptedOut',
      arrivalJitterMs: 0,
      contactReadsPerHour: 120_000,
      contactReadBurst: 2_000,
      contactMessagesOrder: 'asc',
      recipientValidation: true,
      useDfo3Outbound: true,
    });
  });

  it('refuses bad SIMULATOR_* values at boot, naming the variable', () => {
    expect(() => AppConfig.load({}, { SIMULATOR_OPT_OUT_REFUSAL_STATUS: '401' })).toThrow(
      /SIMULATOR_OPT_OUT_REFUSAL_STATUS must be 400, 403 or 422/,
    );
    expect(() => AppConfig.load({}, { SIMULATOR_WEBHOOK_URL: 'not a url' })).toThrow(/SIMULATOR_WEBHOOK_URL/);
    expect(() => AppConfig.load({}, { SIMULATOR_WEBHOOK_AUTH: 'basic' })).toThrow(/SIMULATOR_WEBHOOK_AUTH/);
    expect(() => AppConfig.load({}, { SIMULATOR_ARRIVAL_JITTER_MS: '-5' })).toThrow(/SIMULATOR_ARRIVAL_JITTER_MS/);
  });

  it('unsets the webhook with null, and refuses null for other settings', () => {
    const settings = new SimSettings(AppConfig.load({}, { SIMULATOR_WEBHOOK_URL: 'http://127.0.0.1:9/hook' }));

    settings.patch({ webhookUrl: null });
    const error = (() => {
      try {
        settings.patch({ nativeOptOut: null, optOutRefusalStatus: 401, optOutErrorCode: 'has space' });
      } catch (e) {
        return e;
      }
    })() as ControlError;

    expect(settings.value.webhookUrl).toBeNull();
    expect((error.body as { details: Array<{ field: string }> }).details.map((d) => d.field)).toEqual([
      'nativeOptOut',
      'optOutRefusalStatus',
      'optOutErrorCode',
    ]);
    expect(settings.value.nativeOptOut).toBe(true);
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
