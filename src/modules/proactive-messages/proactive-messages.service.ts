import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationFailedError } from '@/infra/errors/domain-error';
import { CampaignIntake } from '@/modules/campaigns/campaign-intake';
import { toRecipientResponse } from '@/modules/campaigns/campaigns.service';
import { MessageResponse, SendMessageDto } from './dto/proactive-message.dto';
import { DEFAULT_AUTO_CLOSE_AFTER_SECONDS } from '@/modules/campaigns/dto/campaign.dto';
import { toProactiveContent, toTemplateRef } from '@/modules/campaigns/dto/content.dto';
import { toStringRecord } from '@/modules/campaigns/dto/validators';
import { RecipientIntake } from '@/modules/campaigns/recipient-intake';
import { RecipientsRepository } from '@/modules/campaigns/recipients.repository';
import { ChannelsService } from '@/modules/channels/channels.service';
import { DispatchService } from '@/modules/dispatch/dispatch.service';

/**
 * One proactive message (`/api/v1/messages`): a one-recipient campaign of kind MESSAGE, checked like a campaign at
 * intake and sent at once through the same pipeline (paced, retried, opt-out checked just before the send).
 */
@Injectable()
export class ProactiveMessagesService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly intake: CampaignIntake,
    private readonly recipients: RecipientsRepository,
    private readonly dispatch: DispatchService,
  ) {}

  async send(dto: SendMessageDto): Promise<MessageResponse> {
    const channel = await this.channels.requireActive(dto.channelId);
    const fallbackParameters = await this.intake.checkFallback(channel, dto.content, dto.fallbackTemplate);
    const requiredParameters = fallbackParameters ?? (await this.intake.checkContent(channel, dto.content));
    const intake = new RecipientIntake(
      channel.kind,
      requiredParameters,
      toStringRecord((dto.fallbackTemplate ?? dto.content.template)?.parameters),
    );
    intake.add({ to: dto.to, ...(dto.name ? { name: dto.name } : {}) }, 1);
    const problem = intake.rejected[0];
    if (problem)
      throw new ValidationFailedError(problem.reason, [
        { field: problem.reason.startsWith('to:') ? 'to' : 'content', problems: [problem.reason] },
      ]);
    const { rows } = await this.intake.preflight(channel, dto.content.type, intake, !!dto.fallbackTemplate);
    const id = randomUUID();
    await this.recipients.createWithRecipients(
      {
        id,
        kind: 'MESSAGE',
        channelId: channel.id,
        name: `message to ${rows[0].address}`,
        status: 'RUNNING',
        content: toProactiveContent(dto.content),
        customFields: dto.customFields ? toStringRecord(dto.customFields) : {},
        scheduledAt: null,
        autoCloseAfterSeconds:
          dto.autoCloseAfterSeconds === undefined ? DEFAULT_AUTO_CLOSE_AFTER_SECONDS : dto.autoCloseAfterSeconds,
        fallbackTemplate: dto.fallbackTemplate ? toTemplateRef(dto.fallbackTemplate) : null,
      },
      rows,
      [],
    );
    await this.dispatch.requestDispatch(id);
    return this.get(rows[0].id);
  }

  async get(id: string): Promise<MessageResponse> {
    const found = await this.recipients.findMessage(id);
    if (!found) throw new NotFoundError(`no message ${id}`);
    return {
      ...toRecipientResponse(found.recipient),
      channelId: found.campaign.channelId,
      content: found.campaign.content,
      customFields: { ...found.campaign.customFields },
      createdAt: found.recipient.createdAt.toISOString(),
    };
  }
}
