-- AlterEnum
ALTER TYPE "ConsentSource" ADD VALUE 'CXONE';

-- AlterTable
ALTER TABLE "cxone_account" ADD COLUMN     "webhook_secret_enc" TEXT;

-- AlterTable
ALTER TABLE "channel" ADD COLUMN     "help_keywords" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "help_reply" TEXT,
ADD COLUMN     "opt_in_keywords" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "opt_out_keywords" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "thread" ADD COLUMN     "auto_close_at" TIMESTAMPTZ(3),
ADD COLUMN     "first_reply_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_seen_message_at" TIMESTAMPTZ(3),
ADD COLUMN     "opted_out_at" TIMESTAMPTZ(3),
ADD COLUMN     "reconcile_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "campaign" ADD COLUMN     "auto_close_after_seconds" INTEGER DEFAULT 86400,
ADD COLUMN     "fallback_template" JSONB,
ADD COLUMN     "quiet_end_minute" SMALLINT,
ADD COLUMN     "quiet_start_minute" SMALLINT,
ADD COLUMN     "time_zone" TEXT;

-- AlterTable
ALTER TABLE "campaign_recipient" ADD COLUMN     "not_before" TIMESTAMPTZ(3),
ADD COLUMN     "time_zone" TEXT;

-- CreateTable
CREATE TABLE "cxone_event" (
    "id" BIGSERIAL NOT NULL,
    "account_id" UUID NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "cxone_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cxone_event_processed_at_received_at_idx" ON "cxone_event"("processed_at", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "cxone_event_account_id_event_id_key" ON "cxone_event"("account_id", "event_id");

-- CreateIndex
CREATE INDEX "thread_status_auto_close_at_idx" ON "thread"("status", "auto_close_at");

-- CreateIndex
CREATE INDEX "thread_status_reconcile_at_idx" ON "thread"("status", "reconcile_at");

-- AddForeignKey
ALTER TABLE "cxone_event" ADD CONSTRAINT "cxone_event_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "cxone_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

