import { DfoValidationError } from '@/simulator/common/sim-errors';
import type { SimTemplate } from '@/simulator/state/conversations';
import { checkTemplateUse, isTemplateContent, validateNewMessage, validateOutbound } from './dfo-validation';

function errorFields(fn: () => unknown): Array<string | undefined> {
  try {
    fn();
  } catch (err) {
    if (err instanceof DfoValidationError)
      return (err.body as { errors: Array<{ field?: string }> }).errors.map((e) => e.field);
    throw err;
  }
  return [];
}

const valid = {
  idOnExternalPlatform: 'm-1',
  direction: 'inbound',
  createdAtWithMilliseconds: '2026-01-01T10:00:00.123Z',
  thread: { idOnExternalPlatform: 't-1' },
  messageContent: { type: 'TEXT', payload: { text: 'hi' } },
  authorEndUserIdentity: { idOnExternalPlatform: 'u-1' },
};

describe('validateNewMessage', () => {
  it('accepts a complete NewMessage', () => {
    expect(validateNewMessage(valid)).toBe(valid);
  });

  it('names each missing required field', () => {
    expect(errorFields(() => validateNewMessage({}))).toEqual([
      'idOnExternalPlatform',
      'direction',
      'createdAtWithMilliseconds',
      'thread',
      'messageContent',
      'authorEndUserIdentity',
    ]);
  });

  it('refuses a date without a time zone and an empty text without attachments', () => {
    const fields = errorFields(() =>
      validateNewMessage({
        ...valid,
        createdAtWithMilliseconds: '2026-01-01 10:00',
        messageContent: { type: 'TEXT', payload: { text: ' ' } },
      }),
    );

    expect(fields).toEqual(['createdAtWithMilliseconds', 'messageContent.payload.text']);
  });

  it('refuses a body that is not an object', () => {
    expect(errorFields(() => validateNewMessage([1, 2]))).toEqual(['body']);
  });
});

describe('validateOutbound', () => {
  const content = { type: 'TEXT', payload: { text: 'hi' } };

  it('finds recipients under either name by default', () => {
    expect(
      validateOutbound({ messageContent: content, recipients: [{ idOnExternalPlatform: 'a' }] }, 'either').recipients,
    ).toEqual([{ idOnExternalPlatform: 'a' }]);
    expect(
      validateOutbound({ messageContent: content, endUserRecipients: [{ idOnExternalPlatform: 'b' }] }, 'either')
        .recipients,
    ).toEqual([{ idOnExternalPlatform: 'b' }]);
  });

  it('is strict about the name when told', () => {
    expect(
      errorFields(() =>
        validateOutbound({ messageContent: content, recipients: [{ idOnExternalPlatform: 'a' }] }, 'endUserRecipients'),
      ),
    ).toEqual(['recipients', 'endUserRecipients']);
  });

  it('requires recipients and valid content', () => {
    expect(
      errorFields(() => validateOutbound({ messageContent: { type: 'PLUGIN', payload: { elements: [] } } }, 'either')),
    ).toEqual(['messageContent.payload.elements', 'recipients']);
  });
});

describe('templates', () => {
  const templates: SimTemplate[] = [
    {
      id: '1',
      template: 'appointment_reminder',
      category: 'TRANSACTIONAL',
      language: 'en_US',
      variables: ['1', '2'],
      text: '',
    },
  ];
  const plugin = (element: Record<string, unknown>) => ({ type: 'PLUGIN', payload: { elements: [element] } });

  it('accepts a known template with every variable', () => {
    const content = plugin({
      id: 'x',
      type: 'TEMPLATE',
      template: 'appointment_reminder',
      variables: { '1': 'a', '2': 'b' },
    });

    expect(() => checkTemplateUse(content, templates)).not.toThrow();
    expect(isTemplateContent(content)).toBe(true);
  });

  it('names unknown templates, wrong languages and missing variables', () => {
    expect(
      errorFields(() => checkTemplateUse(plugin({ type: 'TEMPLATE', template: 'nope', variables: {} }), templates)),
    ).toEqual(['messageContent.payload.elements[0].template']);
    expect(
      errorFields(() =>
        checkTemplateUse(
          plugin({ type: 'TEMPLATE', template: 'appointment_reminder', language: 'pt_BR', variables: {} }),
          templates,
        ),
      ),
    ).toEqual(['messageContent.payload.elements[0].template']);
    expect(
      errorFields(() =>
        checkTemplateUse(
          plugin({ type: 'TEMPLATE', template: 'appointment_reminder', variables: { '1': 'a' } }),
          templates,
        ),
      ),
    ).toEqual(['messageContent.payload.elements[0].variables.2']);
  });

  it('does not treat TEXT as a template', () => {
    expect(isTemplateContent({ type: 'TEXT', payload: { text: 'x' } })).toBe(false);
  });
});
