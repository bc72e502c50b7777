/**
 * Ids derived from a recipient's id, so every retry of a send carries the same ones: CXone (and the simulator)
 * recognise a repeated message, and a reply lands in the thread the alert opened.
 */
export const threadExternalId = (recipientId: string): string => `tl-${recipientId}`;
export const messageExternalId = (recipientId: string): string => `tlm-${recipientId}`;

/** BullMQ job id of a recipient's send in a given generation (no ':' allowed, not all digits). */
export const sendJobId = (recipientId: string, generation: number): string => `r-${recipientId}-${generation}`;
export const dispatchJobId = (campaignId: string): string => `dispatch-${campaignId}`;
export const startJobId = (campaignId: string): string => `start-${campaignId}`;
