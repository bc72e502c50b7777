import type { DfoChannel, DfoCustomFieldDefinition } from '@/integrations/cxone/dfo.types';
import type { SimTemplate } from './conversations';

/** The channels every simulator starts with (and gets back on reset). */
export const SEED_CHANNELS: readonly DfoChannel[] = [
  {
    id: 'sms_threadline_dev',
    idOnExternalPlatform: '+15550100100',
    channelIntegrationId: 'sms',
    realExternalPlatformId: 'sms',
    name: 'Threadline SMS (dev)',
    isPrivate: true,
    hasTreeStructure: false,
    contentFormat: 'plain',
    hasReply: true,
    hasOutboundFlow: true,
    hasManualOutboundFlow: true,
    hasOutboundTemplates: false,
    canSendSenderActions: false,
    isLiveChat: false,
    hasMultipleThreadsPerEndUser: false,
    externalPlatformIcon: 'sms',
  },
  {
    id: 'whatsapp_threadline_dev',
    idOnExternalPlatform: '15550100200',
    channelIntegrationId: 'whatsapp',
    realExternalPlatformId: 'whatsapp',
    name: 'Threadline WhatsApp (dev)',
    isPrivate: true,
    hasTreeStructure: false,
    contentFormat: 'plain',
    hasReply: true,
    hasOutboundFlow: true,
    hasManualOutboundFlow: true,
    hasOutboundTemplates: true,
    canSendSenderActions: false,
    isLiveChat: false,
    hasMultipleThreadsPerEndUser: false,
    externalPlatformIcon: 'whatsapp',
  },
  {
    id: 'chat_threadline_dev',
    idOnExternalPlatform: 'threadline-chat-dev',
    channelIntegrationId: 'threadline-byoc-dev',
    realExternalPlatformId: 'custom',
    name: 'Threadline chat (dev, BYOC)',
    isPrivate: true,
    hasTreeStructure: false,
    contentFormat: 'plain',
    hasReply: true,
    hasOutboundFlow: true,
    hasManualOutboundFlow: true,
    hasOutboundTemplates: false,
    canSendSenderActions: true,
    isLiveChat: false,
    hasMultipleThreadsPerEndUser: true,
    externalPlatformIcon: 'livechat',
  },
];

export const SEED_TEMPLATES: Readonly<Record<string, ReadonlyArray<Omit<SimTemplate, 'id'>>>> = {
  whatsapp_threadline_dev: [
    {
      template: 'flight_cancellation',
      category: 'TRANSACTIONAL',
      language: 'en_US',
      variables: ['1', '2'],
      text: 'Hello {{1}}, we are sorry: your flight {{2}} has been cancelled. Reply HELP to talk to us about rebooking.',
    },
    {
      template: 'appointment_reminder',
      category: 'TRANSACTIONAL',
      language: 'en_US',
      variables: ['1', '2', '3'],
      text: 'Hi {{1}}, this is a reminder of your appointment on {{2}} at {{3}}. Reply C to confirm or HELP to change it.',
    },
  ],
};

export const SEED_CUSTOM_FIELD_DEFINITIONS: readonly DfoCustomFieldDefinition[] = [
  {
    ident: 'alert_type',
    label: 'Alert type',
    type: 'list',
    required: false,
    isEditable: true,
    values: [
      { name: 'Flight cancellation', value: 'flight_cancellation' },
      { name: 'Appointment reminder', value: 'appointment_reminder' },
      { name: 'Fraud check', value: 'fraud_check' },
    ],
  },
  { ident: 'campaign_id', label: 'Campaign id', type: 'text', required: false, isEditable: false },
  { ident: 'booking_ref', label: 'Booking reference', type: 'text', required: false, isEditable: true },
];

/** The users the simulated tenant acts as. */
export const SIM_USERS = {
  /** Signs in through one-time tokens (channel administration). */
  admin: {
    id: 1001,
    incontactId: '11ef0000-0000-4000-8000-000000001001',
    emailAddress: 'admin@threadline.dev',
    loginUsername: 'admin@threadline.dev',
    firstName: 'Dana',
    surname: 'Admin',
    isBotUser: false,
    isSurveyUser: false,
  },
  /** Answers customers (POST /sim/agent/*). */
  agent: { id: 1002, firstName: 'Alex', surname: 'Agent' },
  /** Author of messages sent through the DFO API (delivered to a BYOC middleware). */
  api: { id: 1003, firstName: 'Threadline', surname: 'API' },
} as const;
