/**
 * Ids derived from a recipient's id, so every retry of a send carries the same ones: CXone (and the simulator)
 * recognise a repeated message, and a reply lands in the thread the alert opened.
 */
export const threadExternalId = (recipientId: string): string => `tl-${recipientId}`;
export const messageExternalId = (recipientId: string): string => `tlm-${recipientId}`;

/** BullMQ job id of a recipient's send in a given generation (no ':' allowed, not all digits). */
export const sendJobId = (recipientId: string, generation: number): string => `r-${recipientId}-${generation}`;
/** BullMQ job id of a batch of first tries, named after its first row (whose generation all its rows share). */
export const batchJobId = (headRecipientId: string, generation: number): string => `b-${headRecipientId}-${generation}`;
/** The job a queued or in-flight row belongs to: its batch's while it is in one, else its own. */
export const jobIdOf = (row: { id: string; generation: number; sendBatch: string | null }): string =>
  row.sendBatch ? batchJobId(row.sendBatch, row.generation) : sendJobId(row.id, row.generation);
export const dispatchJobId = (campaignId: string): string => `dispatch-${campaignId}`;
export const startJobId = (campaignId: string): string => `start-${campaignId}`;
