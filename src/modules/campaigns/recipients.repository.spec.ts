import { randomUUID } from 'node:crypto';
import { largestStepBetweenTurns } from '@test/helpers/event-loop';
import { csvLines, RecipientToInsert } from './recipients.repository';
import { ROWS_PER_YIELD } from './recipient-intake';

describe('the COPY rows of an intake (csvLines)', () => {
  const recipients: RecipientToInsert[] = Array.from({ length: 5000 }, (_, i) => ({
    id: randomUUID(),
    address: `+1202${String(3000000 + i)}`,
    name: i % 2 ? `Name "${i}", Jr` : null,
    parameters: { '1': `P${i}` },
    customFields: null,
    timeZone: 'America/New_York',
    status: 'PENDING',
  }));

  it('writes one CSV line per recipient, NULL as an empty field and everything else quoted', async () => {
    let text = '';
    for await (const batch of csvLines('c1', recipients.slice(0, 2))) text += batch;
    const [first, second] = text.trimEnd().split('\n');
    expect(first).toMatch(
      new RegExp(`^${recipients[0].id},c1,"\\+12023000000",,PENDING,"\\{""1"":""P0""\\}",,"America/New_York",,`),
    );
    expect(second).toContain(',"Name ""1"", Jr",');
  });

  it(`gives the event loop a turn at least every ${ROWS_PER_YIELD} rows`, async () => {
    let lines = 0;
    const largest = await largestStepBetweenTurns(
      () => lines,
      async () => {
        for await (const batch of csvLines('c1', recipients)) lines += batch.split('\n').length - 1;
      },
    );
    expect(lines).toBe(5000);
    expect(largest).toBeLessThanOrEqual(ROWS_PER_YIELD);
  });
});
