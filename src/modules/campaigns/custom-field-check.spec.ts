import type { DfoCustomFieldDefinition } from '@/integrations/cxone/dfo.types';
import { customFieldWarnings, MAX_VALUES_PER_FIELD, UsedCustomFields } from './custom-field-check';

const definitions: DfoCustomFieldDefinition[] = [
  {
    ident: 'alert_type',
    label: 'Alert type',
    type: 'list',
    values: [
      { name: 'Flight cancellation', value: 'flight_cancellation' },
      { name: 'Fraud check', value: 'fraud_check' },
    ],
  },
  { ident: 'booking_ref', label: 'Booking reference', type: 'text' },
];

describe('customFieldWarnings', () => {
  it('warns about fields CXone does not define and list values it does not know, field by field', () => {
    const used = new UsedCustomFields();
    used.add({ booking_ref: 'X1', alert_type: 'fraud_check' });
    used.add({ alert_type: 'fraud_chek', routing_skill: 'gold' });
    used.add(null);

    expect(customFieldWarnings(definitions, used).map((w) => [w.code, w.field, w.message])).toEqual([
      [
        'CUSTOM_FIELD_VALUE_NOT_IN_LIST',
        'customFields.alert_type',
        `customFields.alert_type: "fraud_chek" not among CXone's values for it (flight_cancellation, fraud_check)`,
      ],
      [
        'CUSTOM_FIELD_UNDEFINED',
        'customFields.routing_skill',
        'customFields.routing_skill: CXone defines no contact custom field "routing_skill", so a routing filter on it ' +
          'would never match (defined: alert_type, booking_ref)',
      ],
    ]);
  });

  it('has nothing to say when every field and value is known, and keeps a bounded sample of values', () => {
    const used = new UsedCustomFields();
    for (let i = 0; i < MAX_VALUES_PER_FIELD * 3; i++) used.add({ booking_ref: `X${i}`, alert_type: 'fraud_check' });
    expect(customFieldWarnings(definitions, used)).toEqual([]);
    expect([...used.values].map(([key, values]) => [key, values.size])).toEqual([
      ['booking_ref', MAX_VALUES_PER_FIELD],
      ['alert_type', 1],
    ]);
  });
});
