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
