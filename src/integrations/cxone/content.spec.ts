import { normalizeTemplateParameters, renderContent } from './content';

describe('renderContent', () => {
  it('renders text as DFO TEXT content', () => {
    expect(renderContent({ type: 'TEXT', text: 'Flight BA123 is cancelled' })).toEqual({
      type: 'TEXT',
      payload: { text: 'Flight BA123 is cancelled' },
    });
  });

  it('renders a template as PLUGIN content with one template element', () => {
    const rendered = renderContent({
      type: 'TEMPLATE',
      template: { name: 'flight_cancellation', language: 'en_US', parameters: ['BA123', 'Monday'] },
    });
    expect(rendered).toEqual({
      type: 'PLUGIN',
      payload: {
        elements: [
          {
            id: expect.any(String) as string,
            type: 'TEMPLATE',
            template: 'flight_cancellation',
            language: 'en_US',
            variables: { '1': 'BA123', '2': 'Monday' },
          },
        ],
      },
    });
  });
});

describe('normalizeTemplateParameters', () => {
  it('numbers positional parameters from 1 and keeps named ones', () => {
    expect(normalizeTemplateParameters(['a', 'b'])).toEqual({ '1': 'a', '2': 'b' });
    expect(normalizeTemplateParameters({ name: 'Ana' })).toEqual({ name: 'Ana' });
    expect(normalizeTemplateParameters(undefined)).toEqual({});
  });
});
