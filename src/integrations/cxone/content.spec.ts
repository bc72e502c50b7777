import { normalizeTemplateParameters, renderContent } from './content';

describe('renderContent', () => {
  it('renders text as DFO TEXT content', () => {
    expect(renderContent({ type: 'TEXT', text: 'Flight BA123 is cancelled' }, 'tlm-1')).toEqual({
      type: 'TEXT',
      payload: { text: 'Flight BA123 is cancelled' },
    });
  });

  const template = {
    type: 'TEMPLATE' as const,
    template: { name: 'flight_cancellation', language: 'en_US', parameters: ['BA123', 'Monday'] },
  };

  it('renders a template as PLUGIN content with one template element', () => {
    const rendered = renderContent(template, 'tlm-1');
    expect(rendered).toEqual({
      type: 'PLUGIN',
      payload: {
        elements: [
          {
            id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) as string,
            type: 'TEMPLATE',
            template: 'flight_cancellation',
            language: 'en_US',
            variables: { '1': 'BA123', '2': 'Monday' },
          },
        ],
      },
    });
  });

  it('gives every retry of a message the same template element id, and other messages other ids', () => {
    const id = (messageId: string): unknown =>
      (renderContent(template, messageId).payload as { elements: Array<{ id: string }> }).elements[0]?.id;
    expect(id('tlm-1')).toBe(id('tlm-1'));
    expect(id('tlm-2')).not.toBe(id('tlm-1'));
  });
});

describe('normalizeTemplateParameters', () => {
  it('numbers positional parameters from 1 and keeps named ones', () => {
    expect(normalizeTemplateParameters(['a', 'b'])).toEqual({ '1': 'a', '2': 'b' });
    expect(normalizeTemplateParameters({ name: 'Ana' })).toEqual({ name: 'Ana' });
    expect(normalizeTemplateParameters(undefined)).toEqual({});
  });
});
