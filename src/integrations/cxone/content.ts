import { createHash } from 'node:crypto';
import type { DfoMessageContent } from './dfo.types';

/**
 * Proactive content in the simple form of the proactive-messaging guide, which Threadline's API accepts:
 * free text, or an approved WhatsApp template with its parameters.
 */
export type ProactiveContent = { type: 'TEXT'; text: string } | { type: 'TEMPLATE'; template: TemplateRef };

/** An approved WhatsApp template by name and language, with the values every recipient gets. */
export interface TemplateRef {
  name: string;
  language: string;
  parameters?: TemplateParameters;
}

/** Named ({"1": "Ana"} or {"name": "Ana"}) or positional (["Ana", "10:30"] → {"1": "Ana", "2": "10:30"}). */
export type TemplateParameters = Record<string, string> | string[];

/** The element type DFO templates carry inside PLUGIN content (not visible in public sources: inferred). */
export const TEMPLATE_ELEMENT_TYPE = 'TEMPLATE';

export function normalizeTemplateParameters(parameters: TemplateParameters | undefined): Record<string, string> {
  if (!parameters) return {};
  if (Array.isArray(parameters)) return Object.fromEntries(parameters.map((value, i) => [String(i + 1), value]));
  return { ...parameters };
}

/**
 * Renders our content the way DFO expects it (cxone-api.md §4): TEXT as `{type:'TEXT', payload:{text}}`; a template
 * as PLUGIN content with one template element and its variables (there is no TEMPLATE content type in DFO). The
 * element's id is derived from the message's stable id, so every retry of a send carries the same body.
 */
export function renderContent(content: ProactiveContent, messageExternalId: string): DfoMessageContent {
  if (content.type === 'TEXT') return { type: 'TEXT', payload: { text: content.text } };
  return {
    type: 'PLUGIN',
    payload: {
      elements: [
        {
          id: elementId(messageExternalId),
          type: TEMPLATE_ELEMENT_TYPE,
          template: content.template.name,
          language: content.template.language,
          variables: normalizeTemplateParameters(content.template.parameters),
        },
      ],
    },
  };
}

/** A UUID-shaped id derived from the message id (the same message always gets the same element id). */
function elementId(messageExternalId: string): string {
  const hex = createHash('sha256').update(`template-element:${messageExternalId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
