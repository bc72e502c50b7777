-- AlterEnum
ALTER TYPE "ThreadOrigin" ADD VALUE 'AGENT';

-- AlterTable
ALTER TABLE "cxone_callback_client" ADD COLUMN     "channel_id" UUID,
ADD COLUMN     "last_used_at" TIMESTAMPTZ(3),
ADD COLUMN     "previous_secret_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "previous_secret_hash" TEXT;

-- AlterTable
ALTER TABLE "channel" ADD COLUMN     "cxone_brand_id" INTEGER,
ADD COLUMN     "identity_secret_enc" TEXT,
ADD COLUMN     "idle_end_seconds" INTEGER NOT NULL DEFAULT 20,
ADD COLUMN     "idle_prompt_seconds" INTEGER NOT NULL DEFAULT 120,
ADD COLUMN     "widget_origins" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "thread" ADD COLUMN     "idle_end_at" TIMESTAMPTZ(3),
ADD COLUMN     "idle_prompt_at" TIMESTAMPTZ(3),
ADD COLUMN     "status_checked_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "author_name" TEXT,
ADD COLUMN     "content_hash" TEXT,
ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE INDEX "cxone_callback_client_channel_id_idx" ON "cxone_callback_client"("channel_id");

-- CreateIndex
CREATE INDEX "thread_status_idle_prompt_at_idx" ON "thread"("status", "idle_prompt_at");

-- CreateIndex
CREATE INDEX "thread_status_idle_end_at_idx" ON "thread"("status", "idle_end_at");

-- CreateIndex
CREATE INDEX "thread_contact_id_status_idx" ON "thread"("contact_id", "status");

-- CreateIndex
CREATE INDEX "message_thread_id_seq_idx" ON "message"("thread_id", "seq");

-- CreateIndex
CREATE INDEX "message_thread_id_content_hash_idx" ON "message"("thread_id", "content_hash");

-- CreateIndex
CREATE INDEX "message_status_updated_at_idx" ON "message"("status", "updated_at");

-- AddForeignKey
ALTER TABLE "cxone_callback_client" ADD CONSTRAINT "cxone_callback_client_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

