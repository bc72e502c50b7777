import type { ProactiveContent } from '@/integrations/cxone/content';
import { normalizeTemplateParameters } from '@/integrations/cxone/content';

/** The content one recipient receives: the campaign's, with the recipient's template parameters merged over it. */
export function contentFor(
  campaignContent: unknown,
  recipientParameters: Record<string, string> | null,
): ProactiveContent {
  const content = campaignContent as ProactiveContent;
  if (content.type === 'TEXT' || !recipientParameters) return content;
  return {
    type: 'TEMPLATE',
    template: {
      ...content.template,
      parameters: { ...normalizeTemplateParameters(content.template.parameters), ...recipientParameters },
    },
  };
}

export function customFieldsFor(
  campaignFields: Record<string, string>,
  recipientFields: Record<string, string> | null,
): Record<string, string> {
  return recipientFields ? { ...campaignFields, ...recipientFields } : campaignFields;
}
