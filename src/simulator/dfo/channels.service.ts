import { Injectable } from '@nestjs/common';
import type { DfoChannel, DfoExternalPlatformTemplate } from '@/integrations/cxone/dfo.types';
import { FieldCheck, isObject } from '@/simulator/common/field-check';
import { uuid } from '@/simulator/common/ids';
import { ControlError, DfoNotFoundError } from '@/simulator/common/sim-errors';
import { NativeOptOut } from '@/simulator/consent/native-opt-out';
import { ConversationStore, SimChannelSettings, SimTemplate } from '@/simulator/state/conversations';
import { SimSettings } from '@/simulator/state/sim-settings';
import { toDfoTemplate } from './dfo-mappers';
import { validateNewChannel } from './dfo-validation';

/** Channels (the Channel API a BYOC admin UI uses) and their WhatsApp templates. */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly store: ConversationStore,
    private readonly settings: SimSettings,
    private readonly optOut: NativeOptOut,
  ) {}

  /** GET /channels (an array of ChannelV2); `channelIntegrationId` and `id[]` narrow it. */
  list(query: Record<string, unknown> = {}): DfoChannel[] {
    const ids = query['id[]'] ?? query.id;
    const idList = ids === undefined ? undefined : (Array.isArray(ids) ? ids : [ids]).map(String);
    const integration = typeof query.channelIntegrationId === 'string' ? query.channelIntegrationId : undefined;
    return this.store
      .listChannels()
      .filter((c) => (!idList || idList.includes(c.id)) && (!integration || c.channelIntegrationId === integration))
      .map((c) => ({ ...c }));
  }

  /** POST /channels: creates or updates (by id). */
  upsert(body: unknown): { channel: DfoChannel; created: boolean } {
    const channel = validateNewChannel(body);
    const { created } = this.store.putChannel(channel);
    return { channel: { ...channel }, created };
  }

  /** DELETE /channels/{id}: its templates, settings and opt-outs go with it. */
  delete(channelId: string): void {
    if (!this.store.deleteChannel(channelId)) throw new DfoNotFoundError(`Channel ${channelId} does not exist`);
    this.optOut.forgetChannel(channelId);
  }

  /** Whether BYOC replies on this channel go to /2.0/channel/{id}/outbound (else the legacy /1.0/posts path). */
  usesDfo3Outbound(channelId: string): boolean {
    return this.store.settingsOf(channelId).useDfo3Outbound ?? this.settings.value.useDfo3Outbound;
  }

  /** GET /sim/channels/{id}/settings: the channel's own settings and what is in effect. */
  channelSettings(channelId: string): { channelId: string; useDfo3Outbound: boolean; overrides: SimChannelSettings } {
    if (!this.store.channel(channelId)) throw new ControlError(404, `channel ${channelId} does not exist`);
    return {
      channelId,
      useDfo3Outbound: this.usesDfo3Outbound(channelId),
      overrides: { ...this.store.settingsOf(channelId) },
    };
  }

  /** PATCH /sim/channels/{id}/settings {useDfo3Outbound: boolean | null (null: follow the global setting)}. */
  patchChannelSettings(channelId: string, body: unknown) {
    if (!this.store.channel(channelId)) throw new ControlError(404, `channel ${channelId} does not exist`);
    if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object');
    const check = new FieldCheck();
    check.noExtraKeys(body, ['useDfo3Outbound']);
    const next: SimChannelSettings = { ...this.store.settingsOf(channelId) };
    if ('useDfo3Outbound' in body) {
      if (body.useDfo3Outbound === null) delete next.useDfo3Outbound;
      else {
        const value = check.boolean(body.useDfo3Outbound, 'useDfo3Outbound');
        if (value !== undefined) next.useDfo3Outbound = value;
      }
    }
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    this.store.setSettings(channelId, next);
    return this.channelSettings(channelId);
  }

  templates(channelId: string): { totalRecords: number; data: DfoExternalPlatformTemplate[]; _links: object } {
    if (!this.store.channel(channelId)) throw new DfoNotFoundError(`Channel ${channelId} does not exist`);
    const data = this.store.templatesOf(channelId).map(toDfoTemplate);
    return { totalRecords: data.length, data, _links: {} };
  }

  /** POST /sim/channels/{id}/templates {template, language?, category?, variables?, text?}. */
  addTemplate(channelId: string, body: unknown): DfoExternalPlatformTemplate {
    if (!this.store.channel(channelId)) throw new ControlError(404, `channel ${channelId} does not exist`);
    if (!isObject(body)) throw new ControlError(400, 'the body must be a JSON object');
    const check = new FieldCheck();
    check.noExtraKeys(body, ['template', 'language', 'category', 'variables', 'text']);
    const name = check.string(body.template, 'template', { maxLength: 512 });
    const language = check.optionalString(body.language, 'language') ?? 'en_US';
    const category =
      check.optionalOneOf(body.category, 'category', ['TRANSACTIONAL', 'MARKETING'] as const) ?? 'TRANSACTIONAL';
    const text = check.optionalString(body.text, 'text', { allowEmpty: true });
    let variables: string[] | undefined;
    const list = check.optionalArray(body.variables, 'variables');
    if (list) {
      variables = [];
      list.forEach((v, i) => {
        const key = check.string(typeof v === 'number' ? String(v) : v, `variables[${i}]`);
        if (key !== undefined) variables!.push(key);
      });
    }
    if (!check.ok) throw new ControlError(400, check.errors.map((e) => e.message).join('; '), check.errors);
    // Without an explicit list, the variables are the {{n}} placeholders of the text.
    variables ??= [...new Set([...(text ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]))];
    const template: SimTemplate = {
      id: uuid(),
      template: name!,
      language,
      category,
      variables,
      text: text ?? variables.map((k) => `{{${k}}}`).join(' '),
    };
    this.store.putTemplate(channelId, template);
    return toDfoTemplate(template);
  }
}
