import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { NotFoundError, ValidationFailedError } from '@/infra/errors/domain-error';
import { readCsvUpload } from '@/infra/http/csv-upload';
import { Clock } from '@/infra/time/clock';
import { ChannelInfo, ChannelsService } from '@/modules/channels/channels.service';
import { normalizeAddress } from './address';
import { ContactsRepository, ImportedChange, ImportOutcome } from './contacts.repository';
import { ContactsService } from './contacts.service';
import { OptOutImportReport, RejectedImportRow } from './dto/consent.dto';
import { ImportField, importRef, MAX_IMPORT_ROWS, readImportHeader, readImportRow } from './opt-outs-csv';

/** Rows per transaction: each batch locks its contacts briefly, so keyword STOPs arriving meanwhile wait little. */
const IMPORT_BATCH = 1000;
/** Channels one import may name (each is looked up once). */
const MAX_CHANNELS = 100;
/** Refused rows listed in the answer (all are counted). */
const MAX_REJECTED_LISTED = 1000;
const MAX_INPUT_KEPT = 200;
const ROWS_PER_YIELD = 250;

/**
 * `POST /opt-outs/import`: a CSV of opt-outs (and opt-ins) from another system or an earlier export, recorded with
 * source IMPORT. The upload is read and checked in full first (a malformed file, too many rows or too many bytes
 * records nothing); the valid rows, held compactly (at most MAX_IMPORT_ROWS), are then recorded in batches of
 * IMPORT_BATCH. Each row's ledger reference comes from what it says (importRef), so importing a file again, or a file
 * that repeats rows of an earlier one, records nothing twice: re-importing is safe, also after a failure midway.
 */
@Injectable()
export class OptOutsImportService {
  private readonly logger = new Logger(OptOutsImportService.name);

  constructor(
    private readonly repository: ContactsRepository,
    private readonly channels: ChannelsService,
    private readonly contacts: ContactsService,
    private readonly clock: Clock,
  ) {}

  async importCsv(stream: Readable, defaultChannelId?: string): Promise<OptOutImportReport> {
    const now = new Date(this.clock.now());
    const channels = new Map<string, ChannelInfo | null>();
    const byDefault = defaultChannelId?.toLowerCase();
    if (byDefault) channels.set(byDefault, await this.channels.info(byDefault));
    const pending = new Map<string, ImportedChange[]>();
    const report: OptOutImportReport = {
      rows: 0,
      imported: 0,
      alreadyOptedOut: 0,
      alreadyOptedIn: 0,
      alreadyImported: 0,
      rejected: 0,
      rejectedRows: [],
    };
    const reject = (row: number, reason: string, cells: string[]): void => {
      report.rejected++;
      if (report.rejectedRows.length < MAX_REJECTED_LISTED) {
        const input: RejectedImportRow['input'] = cells.join(',').slice(0, MAX_INPUT_KEPT);
        report.rejectedRows.push({ row, reason, input });
      }
    };
    let fields: ImportField[] = [];

    await readCsvUpload(stream, {
      maxRows: MAX_IMPORT_ROWS,
      rowsPerYield: ROWS_PER_YIELD,
      emptyMessage: 'the CSV is empty: it needs a header row (address,channelId,kind,optedOutAt)',
      onHeader: (cells) => {
        fields = readImportHeader(cells);
        if (!byDefault && !fields.includes('channelId')) {
          throw new ValidationFailedError(
            'say which channel: a channelId query parameter, or a channelId column in the CSV',
            [{ field: 'channelId', problems: ['channelId is required (query parameter or column)'] }],
          );
        }
      },
      onRecord: async (cells, rowNumber) => {
        report.rows++;
        const parsed = readImportRow(fields, cells, now);
        if (!parsed.ok) return reject(rowNumber, parsed.reason, cells);
        const channelId = parsed.row.channelId?.toLowerCase() ?? byDefault;
        if (!channelId) return reject(rowNumber, 'missing channelId', cells);
        if (byDefault && channelId !== byDefault)
          return reject(rowNumber, 'channelId differs from the channelId query parameter', cells);
        const channel = await this.channel(channels, channelId);
        if (channel === undefined) return reject(rowNumber, `more than ${MAX_CHANNELS} channels in one import`, cells);
        if (channel === null) return reject(rowNumber, `no channel ${channelId}`, cells);
        const address = normalizeAddress(channel.kind, parsed.row.address);
        if (!address.ok) return reject(rowNumber, address.reason, cells);
        const { kind, at, source, reason } = parsed.row;
        const detail = [`CSV import row ${rowNumber}`, source ? `source ${source}` : null, reason]
          .filter((p) => p)
          .join('; ');
        let list = pending.get(channel.id);
        if (!list) pending.set(channel.id, (list = []));
        list.push({ address: address.address, kind, occurredAt: at ?? now, externalRef: importRef(kind, at), detail });
      },
    });

    for (const [channelId, changes] of pending) {
      const counted = { OPT_OUT: 0, OPT_IN: 0 };
      for (let i = 0; i < changes.length; i += IMPORT_BATCH) {
        const batch = changes.slice(i, i + IMPORT_BATCH);
        const outcomes = await this.repository.importConsent(channelId, batch);
        outcomes.forEach((outcome: ImportOutcome, j) => {
          report[outcome]++;
          if (outcome === 'imported') counted[batch[j].kind]++;
        });
      }
      if (counted.OPT_OUT) this.contacts.counted(channelId, 'OPT_OUT', 'IMPORT', counted.OPT_OUT);
      if (counted.OPT_IN) this.contacts.counted(channelId, 'OPT_IN', 'IMPORT', counted.OPT_IN);
    }
    this.logger.log(
      {
        channels: pending.size,
        rows: report.rows,
        imported: report.imported,
        alreadyOptedOut: report.alreadyOptedOut,
        alreadyOptedIn: report.alreadyOptedIn,
        alreadyImported: report.alreadyImported,
        rejected: report.rejected,
      },
      'opt-outs imported',
    );
    return report;
  }

  /** The channel of `id` (null: no such channel; undefined: the import already named MAX_CHANNELS others). */
  private async channel(known: Map<string, ChannelInfo | null>, id: string): Promise<ChannelInfo | null | undefined> {
    if (known.has(id)) return known.get(id);
    if (known.size >= MAX_CHANNELS) return undefined;
    const channel = await this.channels.info(id).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    known.set(id, channel);
    return channel;
  }
}
