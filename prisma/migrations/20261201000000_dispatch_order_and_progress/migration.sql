-- DropIndex
DROP INDEX "campaign_recipient_campaign_id_status_idx";

-- AlterTable
ALTER TABLE "campaign" ADD COLUMN     "last_progress_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "campaign_recipient" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE INDEX "campaign_recipient_campaign_id_status_seq_idx" ON "campaign_recipient"("campaign_id", "status", "seq");

