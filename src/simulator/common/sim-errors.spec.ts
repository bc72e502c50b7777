import { DfoValidationError, formatRetryAfter } from './sim-errors';
import { redactSecrets } from './redact';

const anyString: unknown = expect.any(String);

describe('formatRetryAfter', () => {
  it('gives whole seconds, rounded up, at least 1', () => {
    expect(formatRetryAfter(1, 'seconds')).toBe('1');
    expect(formatRetryAfter(1001, 'seconds')).toBe('2');
    expect(formatRetryAfter(0, 'seconds')).toBe('1');
  });

  it('gives an HTTP date on a whole second no earlier than the wait', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0, 250);

    expect(formatRetryAfter(1500, 'http-date', now)).toBe('Thu, 01 Jan 2026 12:00:02 GMT');
  });
});

describe('DFO errors', () => {
  it('carry the ApiErrorCollection shape', () => {
    const error = new DfoValidationError([{ field: 'direction', message: 'bad', errorCode: 'invalidValue' }]);

    expect(error.status).toBe(400);
    expect(error.body).toEqual({
      errors: [{ field: 'direction', message: 'bad', errorCode: 'invalidValue' }],
      uid: anyString,
    });
  });
});

describe('redactSecrets', () => {
  it('masks credentials at any depth and leaves the rest', () => {
    expect(
      redactSecrets({ grant_type: 'password', password: 'p', nested: [{ client_secret: 's', text: 'hi' }] }),
    ).toEqual({
      grant_type: 'password',
      password: '[redacted]',
      nested: [{ client_secret: '[redacted]', text: 'hi' }],
    });
  });
});
