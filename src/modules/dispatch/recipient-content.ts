import type { ProactiveContent } from '@/integrations/cxone/content';
import { normalizeTemplateParameters } from '@/integrations/cxone/content';

/** The content one recipient receives: the campaign's, with the recipient's template parameters merged over it. */
export function contentFor(
  campaignContent: unknown,
  recipientParameters: Record<string, string> | null,
): ProactiveContent {
  const content = campaignContent as ProactiveContent;
  if (content.type === 'TEXT' || !recipientParameters) return content;
  // (a text campaign's recipients may carry parameters for its fallback template; they never change the text)
  return {
    type: 'TEMPLATE',
    template: {
      ...content.template,
      parameters: { ...normalizeTemplateParameters(content.template.parameters), ...recipientParameters },
    },
  };
}

/**
 * WhatsApp outside the 24-hour window: the campaign's fallback template (with the recipient's parameters merged over
 * the template's), or null when the campaign has none and the recipient is skipped.
 */
export function fallbackFor(
  fallbackTemplate: unknown,
  recipientParameters: Record<string, string> | null,
): ProactiveContent | null {
  if (!fallbackTemplate) return null;
  return contentFor({ type: 'TEMPLATE', template: fallbackTemplate }, recipientParameters);
}

export function customFieldsFor(
  campaignFields: Record<string, string>,
  recipientFields: Record<string, string> | null,
): Record<string, string> {
  return recipientFields ? { ...campaignFields, ...recipientFields } : campaignFields;
}
