-- AlterTable
ALTER TABLE "campaign_recipient" ADD COLUMN     "send_batch" UUID;

