import { ApiProperty } from '@nestjs/swagger';

export const PREFLIGHT_WARNING_CODES = [
  'CUSTOM_FIELD_UNDEFINED',
  'CUSTOM_FIELD_VALUE_NOT_IN_LIST',
  'CUSTOM_FIELDS_UNCHECKED',
] as const;
export type PreflightWarningCode = (typeof PREFLIGHT_WARNING_CODES)[number];

export class PreflightWarning {
  @ApiProperty({ enum: PREFLIGHT_WARNING_CODES }) code!: PreflightWarningCode;
  @ApiProperty({ nullable: true, type: String, example: 'customFields.alert_typ' }) field!: string | null;
  @ApiProperty() message!: string;
}

export class PreflightRow {
  @ApiProperty() rowNumber!: number;
  @ApiProperty() reason!: string;
}

export class PreflightEstimate {
  @ApiProperty({ description: "The account's contract rate (requests per second across every worker)" })
  ratePerSecond!: number;
  @ApiProperty({ description: 'Seconds to send what would be sent, at that rate' }) seconds!: number;
  @ApiProperty({
    description: "Recipients of the account's other running campaigns still to send (they share the rate)",
  })
  backlog!: number;
  @ApiProperty({ description: 'Seconds if the backlog goes first' }) secondsWithBacklog!: number;
}

/** What a campaign would do if it were sent now: nothing is stored or sent to compute it. */
export class PreflightReport {
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The stored campaign (null: a dry run)' })
  campaignId!: string | null;
  @ApiProperty({ description: 'Recipient rows considered' }) received!: number;
  @ApiProperty({ description: 'Recipients that would be sent a message' }) wouldSend!: number;
  @ApiProperty({ description: 'Rows repeating an address' }) duplicates!: number;
  @ApiProperty({ description: 'Rows refused (bad address, missing template parameter, …)' }) invalid!: number;
  @ApiProperty({ description: 'Skipped: the customer opted out' }) optedOut!: number;
  @ApiProperty({ description: 'Skipped: WhatsApp free text outside the 24-hour window, no fallback template' })
  outsideWindow!: number;
  @ApiProperty({
    description: 'Outside the WhatsApp window: sent the fallback template instead (counted in wouldSend)',
  })
  fallbackTemplate!: number;
  @ApiProperty({ type: [PreflightRow], description: 'The first refused rows and why' }) invalidRows!: PreflightRow[];
  @ApiProperty({ type: PreflightEstimate }) estimate!: PreflightEstimate;
  @ApiProperty({ type: [PreflightWarning], description: 'Things that would not stop the campaign but look wrong' })
  warnings!: PreflightWarning[];
}
