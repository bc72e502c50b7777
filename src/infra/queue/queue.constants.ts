import type { AppConfig } from '@/config';

/**
 * Every queue, job name and job payload in one place. Payloads carry ids, never message bodies or secrets: the worker
 * reads the rest from PostgreSQL, which stays the source of truth.
 */

export enum QueueName {
  /** Periodic clean-up: expired idempotency records and the like. */
  Housekeeping = 'housekeeping',
  /** Campaign orchestration: turning pending recipients into send jobs, scheduled starts, the sweeper. */
  Campaigns = 'campaigns',
  /** BYOC conversations: relaying customer messages to CXone, closing ended conversations' CXone contacts. */
  Conversations = 'conversations',
  /**
   * The proactive loop: what customers and CXone tell Threadline (pushed CXone events, answers to keywords), and
   * alerts nobody answered, resolved in CXone.
   */
  Inbound = 'inbound',
}

/**
 * Sends go to one queue per CXone account, `dispatch-<accountId>`, created at run time, so each tenant's contract
 * rate and 429 pauses apply to its own traffic only.
 */
export const DISPATCH_QUEUE = 'dispatch';
export const dispatchQueueName = (accountId: string): string => `${DISPATCH_QUEUE}-${accountId}`;

export enum JobName {
  PurgeExpiredIdempotencyRecords = 'housekeeping.purge-idempotency-records',
  /** Queue a running campaign's pending recipients (in chunks, with deterministic job ids). */
  DispatchCampaign = 'campaigns.dispatch',
  /** A scheduled campaign's start time has come. */
  StartScheduledCampaign = 'campaigns.start-scheduled',
  /** Start due campaigns, re-queue recipients whose job was lost, complete finished campaigns, export gauges. */
  SweepCampaigns = 'campaigns.sweep',
  /** Send one recipient's message through CXone (on the account's dispatch queue). */
  SendToRecipient = 'dispatch.send',
  /** Send the first tries of several recipients queued together, one after another (on the account's dispatch queue). */
  SendBatch = 'dispatch.send-batch',
  /** Relay a customer's chat message to CXone (DFO create message). */
  RelayCustomerMessage = 'conversations.relay',
  /** Close the CXone contact of a conversation that ended in Threadline (idle, the customer). */
  CloseCxoneContact = 'conversations.close-contact',
  /** Re-queue customer messages whose relay job was lost. */
  SweepConversations = 'conversations.sweep',
  /** Process one stored CXone event (a customer message, a contact status change). */
  ProcessCxoneEvent = 'inbound.process-event',
  /** Re-queue stored CXone events whose processing job was lost. */
  SweepCxoneEvents = 'inbound.sweep-events',
  /** Answer a customer's HELP keyword with the channel's help reply, in the same thread. */
  SendHelpReply = 'inbound.help-reply',
  /** One reconciliation round: read due open proactive threads' messages back from CXone. */
  ReconcileThreads = 'inbound.reconcile',
  /** Resolve in CXone the proactive threads whose reply window passed with no reply (auto-close). */
  AutoCloseThreads = 'inbound.auto-close-threads',
}

/** Fields every payload may carry so logs of a job can be joined with the request that caused it. */
export interface TracedPayload {
  traceId?: string;
}

export interface JobPayloads {
  [JobName.PurgeExpiredIdempotencyRecords]: TracedPayload;
  [JobName.DispatchCampaign]: TracedPayload & { campaignId: string };
  [JobName.StartScheduledCampaign]: TracedPayload & { campaignId: string };
  [JobName.SweepCampaigns]: TracedPayload;
  [JobName.SendToRecipient]: TracedPayload & { recipientId: string; generation: number };
  [JobName.SendBatch]: TracedPayload & {
    accountId: string;
    recipients: Array<{ recipientId: string; generation: number }>;
  };
  [JobName.RelayCustomerMessage]: TracedPayload & { messageId: string };
  [JobName.CloseCxoneContact]: TracedPayload & { threadId: string };
  [JobName.SweepConversations]: TracedPayload;
  [JobName.ProcessCxoneEvent]: TracedPayload & { eventRowId: string };
  [JobName.SweepCxoneEvents]: TracedPayload;
  [JobName.SendHelpReply]: TracedPayload & { messageId: string };
  [JobName.ReconcileThreads]: TracedPayload;
  [JobName.AutoCloseThreads]: TracedPayload;
}

/** The queue each job runs on (`dispatch`: the account's own dispatch queue). */
export const JOB_QUEUE: { readonly [N in JobName]: QueueName | typeof DISPATCH_QUEUE } = {
  [JobName.PurgeExpiredIdempotencyRecords]: QueueName.Housekeeping,
  [JobName.DispatchCampaign]: QueueName.Campaigns,
  [JobName.StartScheduledCampaign]: QueueName.Campaigns,
  [JobName.SweepCampaigns]: QueueName.Campaigns,
  [JobName.SendToRecipient]: DISPATCH_QUEUE,
  [JobName.SendBatch]: DISPATCH_QUEUE,
  [JobName.RelayCustomerMessage]: QueueName.Conversations,
  [JobName.CloseCxoneContact]: QueueName.Conversations,
  [JobName.SweepConversations]: QueueName.Conversations,
  [JobName.ProcessCxoneEvent]: QueueName.Inbound,
  [JobName.SweepCxoneEvents]: QueueName.Inbound,
  [JobName.SendHelpReply]: QueueName.Inbound,
  [JobName.ReconcileThreads]: QueueName.Inbound,
  [JobName.AutoCloseThreads]: QueueName.Inbound,
};

/** Worker settings per static queue. */
export const QUEUE_WORKER_OPTIONS: { readonly [Q in QueueName]: { concurrency: number } } = {
  [QueueName.Housekeeping]: { concurrency: 1 },
  [QueueName.Campaigns]: { concurrency: 4 },
  [QueueName.Conversations]: { concurrency: 20 },
  [QueueName.Inbound]: { concurrency: 10 },
};

/**
 * Periodic jobs (BullMQ job schedulers), upserted by the worker role at start-up and re-created when Redis lost them.
 * One whose `enabled` says false is not created (and removed if an earlier configuration left it).
 */
export const JOB_SCHEDULES: ReadonlyArray<{
  id: string;
  name: JobName;
  everyMs: (config: AppConfig) => number;
  enabled?: (config: AppConfig) => boolean;
}> = [
  { id: 'purge-idempotency-records', name: JobName.PurgeExpiredIdempotencyRecords, everyMs: () => 60 * 60 * 1000 },
  { id: 'sweep-campaigns', name: JobName.SweepCampaigns, everyMs: (config) => config.dispatch.sweeperIntervalMs },
  {
    id: 'sweep-conversations',
    name: JobName.SweepConversations,
    everyMs: (config) => config.dispatch.sweeperIntervalMs,
  },
  { id: 'sweep-cxone-events', name: JobName.SweepCxoneEvents, everyMs: (config) => config.dispatch.sweeperIntervalMs },
  {
    id: 'reconcile-threads',
    name: JobName.ReconcileThreads,
    everyMs: (config) => config.reconcile.intervalMs,
    enabled: (config) => config.reconcile.enabled,
  },
  { id: 'auto-close-threads', name: JobName.AutoCloseThreads, everyMs: (config) => config.autoClose.intervalMs },
];

/** Finished jobs are kept briefly for inspection; PostgreSQL holds the lasting record. */
export const DEFAULT_JOB_OPTIONS = {
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;
