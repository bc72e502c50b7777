import { CxoneUnavailableError } from '@/integrations/cxone/cxone.errors';
import { sendBackoff } from './dispatch-workers';

describe('sendBackoff', () => {
  it('draws a random delay below a ceiling that doubles per attempt', () => {
    expect(sendBackoff(1, undefined, () => 0.999)).toBe(999);
    expect(sendBackoff(3, undefined, () => 0.999)).toBe(3996);
    expect(sendBackoff(3, undefined, () => 0)).toBe(0);
  });

  it('caps the ceiling at a minute', () => {
    expect(sendBackoff(20, undefined, () => 0.999)).toBe(59940);
  });

  it('never retries sooner than a Retry-After sent with a 5xx', () => {
    const err = new CxoneUnavailableError('outbound', 'server', 503, false, 'HTTP 503', 7000);
    expect(sendBackoff(1, err, () => 0.5)).toBe(7000);
  });
});
