-- AlterTable
ALTER TABLE "cxone_account" ADD COLUMN     "dfo_base_template" TEXT NOT NULL DEFAULT 'https://api-de-{area}.{domain}/dfo/3.0';

-- AlterTable
ALTER TABLE "campaign_recipient" DROP COLUMN "message_external_id",
DROP COLUMN "thread_external_id",
ADD COLUMN     "generation" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "name" TEXT;

