import { largestStepBetweenTurns } from '@test/helpers/event-loop';
import { RecipientIntake, ROWS_PER_YIELD } from './recipient-intake';

describe('RecipientIntake', () => {
  it('accepts valid rows, normalising numbers, and collapses repeats', () => {
    const intake = new RecipientIntake('SMS', null, {});
    intake.add({ to: '+1 202 555 0143', name: ' Ana ' }, 1);
    intake.add({ to: '+12025550143' }, 2);
    intake.add({ to: '+447911123456', customFields: { booking_ref: 'X7Q' } }, 3);

    expect(intake.received).toBe(3);
    expect(intake.duplicates).toBe(1);
    expect(intake.accepted.map((r) => [r.address, r.name, r.customFields])).toEqual([
      ['+12025550143', 'Ana', null],
      ['+447911123456', null, { booking_ref: 'X7Q' }],
    ]);
    expect(intake.rejected).toEqual([]);
  });

  it('rejects bad rows with their row number, input and reason, without stopping', () => {
    const intake = new RecipientIntake('SMS', null, {});
    intake.add({ to: '202-555-0143' }, 1);
    intake.add('just text', 2);
    intake.add({ to: '+12025550143', phone: 'x' }, 3);
    intake.add({ to: '+12025550144', customFields: { 'bad key!': 'x' } }, 4);
    intake.add({ to: '+12025550145' }, 5);

    expect(intake.rejected.map((r) => [r.rowNumber, r.reason])).toEqual([
      [1, expect.stringContaining('international format') as string],
      [2, 'each recipient must be an object with a "to" field'],
      [3, 'unknown field "phone"'],
      [4, expect.stringContaining('bad key!') as string],
    ]);
    expect(intake.rejected[0].input).toBe('{"to":"202-555-0143"}');
    expect(intake.accepted).toHaveLength(1);
  });

  it('requires every template parameter from the campaign or the row', () => {
    const intake = new RecipientIntake('WHATSAPP', ['1', '2'], { '1': 'BA123' });
    intake.add({ to: '+12025550143', parameters: { '2': 'Monday' } }, 1);
    intake.add({ to: '+12025550144' }, 2);
    intake.add({ to: '+12025550145', parameters: ['BA999', 'Friday'] }, 3);

    expect(intake.accepted.map((r) => r.parameters)).toEqual([{ '2': 'Monday' }, { '1': 'BA999', '2': 'Friday' }]);
    expect(intake.rejected.map((r) => r.reason)).toEqual(['missing template parameter 2']);
  });
});

describe('RecipientIntake: time zones', () => {
  const zones = (intake: RecipientIntake): Array<[string, string]> =>
    intake.accepted.map((r) => [r.address, r.timeZone]);

  it("keeps a row's own zone, else takes the phone number's, else the campaign's, else UTC", () => {
    const intake = new RecipientIntake('SMS', null, {}, 'Europe/Paris');
    intake.add({ to: '+12025550143', timeZone: 'asia/tokyo' }, 1); // given (capitals as ICU spells them)
    intake.add({ to: '+13125550143' }, 2); // area code 312: Chicago
    intake.add({ to: '+919876543210' }, 3); // India: one zone
    intake.add({ to: '+9779841234567', timeZone: '' }, 4); // empty: not given
    intake.add({ to: '+80012345678' }, 5); // international freephone: libphonenumber maps it to no zone
    expect(zones(intake)).toEqual([
      ['+12025550143', 'Asia/Tokyo'],
      ['+13125550143', 'America/Chicago'],
      ['+919876543210', 'Asia/Calcutta'],
      ['+9779841234567', 'Asia/Katmandu'],
      ['+80012345678', 'Europe/Paris'],
    ]);
    expect(intake.rejected).toEqual([]);

    const noDefault = new RecipientIntake('SMS', null, {});
    noDefault.add({ to: '+80012345678' }, 1);
    expect(zones(noDefault)).toEqual([['+80012345678', 'UTC']]);
  });

  it("picks the campaign's zone among several a number spans, else the first libphonenumber lists", () => {
    const us = new RecipientIntake('SMS', null, {}, 'America/Denver');
    us.add({ to: '+18005550143' }, 1); // toll-free: every NANP zone
    us.add({ to: '+447911123456' }, 2); // UK mobile: Guernsey, Isle of Man, Jersey, London; Denver is none of them
    expect(zones(us)).toEqual([
      ['+18005550143', 'America/Denver'],
      ['+447911123456', 'Europe/Guernsey'],
    ]);
    const uk = new RecipientIntake('SMS', null, {}, 'Europe/London');
    uk.add({ to: '+447911123456' }, 1);
    expect(zones(uk)).toEqual([['+447911123456', 'Europe/London']]);
  });

  it('gives chat users the campaign zone, and rejects a row whose zone is not an IANA zone', () => {
    const intake = new RecipientIntake('BYOC_CHAT', null, {}, 'Asia/Kolkata');
    intake.add({ to: 'visitor-1' }, 1);
    intake.add({ to: 'visitor-2', timeZone: 'Mars/Olympus_Mons' }, 2);
    intake.add({ to: 'visitor-3', timeZone: 5 }, 3);
    intake.add({ to: 'visitor-4', timeZone: 'EST5EDT' }, 4);
    expect(zones(intake)).toEqual([
      ['visitor-1', 'Asia/Kolkata'],
      ['visitor-4', 'EST5EDT'],
    ]);
    expect(intake.rejected.map((r) => [r.rowNumber, r.reason])).toEqual([
      [2, 'timeZone: "Mars/Olympus_Mons" is not an IANA time zone (e.g. America/New_York)'],
      [3, 'timeZone: "5" is not an IANA time zone (e.g. America/New_York)'],
    ]);
  });
});

describe('RecipientIntake.addAll', () => {
  it(`validates every row, giving the event loop a turn at least every ${ROWS_PER_YIELD} rows`, async () => {
    const intake = new RecipientIntake('SMS', null, {});
    const rows = Array.from({ length: 5000 }, (_, i) => ({ to: `+1202${String(3000000 + i)}` }));
    const largest = await largestStepBetweenTurns(
      () => intake.received,
      () => intake.addAll(rows),
    );
    expect(intake.accepted).toHaveLength(5000);
    expect(intake.accepted[4999].address).toBe('+12023004999');
    expect(largest).toBeLessThanOrEqual(ROWS_PER_YIELD);
  });
});
