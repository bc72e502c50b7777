-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "CxoneAuthMode" AS ENUM ('PASSWORD', 'CLIENT_CREDENTIALS');

-- CreateEnum
CREATE TYPE "ChannelKind" AS ENUM ('SMS', 'WHATSAPP', 'BYOC_CHAT');

-- CreateEnum
CREATE TYPE "ConsentKind" AS ENUM ('OPT_OUT', 'OPT_IN');

-- CreateEnum
CREATE TYPE "ConsentSource" AS ENUM ('KEYWORD', 'ADMIN', 'API', 'IMPORT');

-- CreateEnum
CREATE TYPE "ThreadOrigin" AS ENUM ('PROACTIVE', 'INBOUND');

-- CreateEnum
CREATE TYPE "ThreadStatus" AS ENUM ('AWAITING_REPLY', 'OPEN', 'IDLE_PROMPTED', 'CLOSED');

-- CreateEnum
CREATE TYPE "ThreadCloseReason" AS ENUM ('AGENT_ENDED', 'IDLE_TIMEOUT', 'UNANSWERED', 'CUSTOMER_ENDED');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "MessageAuthor" AS ENUM ('CUSTOMER', 'AGENT', 'SYSTEM');

-- CreateEnum
CREATE TYPE "MessageStatus" AS ENUM ('RECEIVED', 'QUEUED', 'SENT', 'DELIVERED', 'SEEN', 'FAILED');

-- CreateEnum
CREATE TYPE "TemplateStatus" AS ENUM ('APPROVED', 'PENDING', 'REJECTED');

-- CreateEnum
CREATE TYPE "CampaignKind" AS ENUM ('CAMPAIGN', 'MESSAGE');

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "RecipientStatus" AS ENUM ('PENDING', 'QUEUED', 'SENDING', 'SENT', 'FAILED', 'SKIPPED_OPTED_OUT', 'SKIPPED_INVALID', 'SKIPPED_WINDOW', 'CANCELLED');

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "api_key_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "response_body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("api_key_id","key")
);

-- CreateTable
CREATE TABLE "cxone_callback_client" (
    "id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "cxone_callback_client_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cxone_account" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "auth_mode" "CxoneAuthMode" NOT NULL,
    "issuer_url" TEXT,
    "api_base_url" TEXT,
    "token_url" TEXT,
    "client_id" TEXT NOT NULL,
    "client_secret_enc" TEXT NOT NULL,
    "access_key_id_enc" TEXT,
    "access_key_secret_enc" TEXT,
    "rate_limit_per_second" INTEGER NOT NULL DEFAULT 40,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cxone_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "cxone_channel_id" TEXT NOT NULL,
    "kind" "ChannelKind" NOT NULL,
    "name" TEXT NOT NULL,
    "integration_id" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "channel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contact" (
    "id" UUID NOT NULL,
    "channel_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "display_name" TEXT,
    "opted_out" BOOLEAN NOT NULL DEFAULT false,
    "opted_out_at" TIMESTAMPTZ(3),
    "last_inbound_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "contact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_event" (
    "id" BIGSERIAL NOT NULL,
    "contact_id" UUID NOT NULL,
    "kind" "ConsentKind" NOT NULL,
    "source" "ConsentSource" NOT NULL,
    "detail" TEXT,
    "external_ref" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "thread" (
    "id" UUID NOT NULL,
    "channel_id" UUID NOT NULL,
    "contact_id" UUID NOT NULL,
    "id_on_external_platform" TEXT NOT NULL,
    "origin" "ThreadOrigin" NOT NULL,
    "status" "ThreadStatus" NOT NULL,
    "close_reason" "ThreadCloseReason",
    "cxone_contact_id" TEXT,
    "cxone_thread_id" TEXT,
    "campaign_id" UUID,
    "last_customer_at" TIMESTAMPTZ(3),
    "last_agent_at" TIMESTAMPTZ(3),
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "thread_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message" (
    "id" UUID NOT NULL,
    "channel_id" UUID NOT NULL,
    "thread_id" UUID NOT NULL,
    "direction" "MessageDirection" NOT NULL,
    "author" "MessageAuthor" NOT NULL,
    "id_on_external_platform" TEXT NOT NULL,
    "cxone_message_id" TEXT,
    "content" JSONB NOT NULL,
    "status" "MessageStatus" NOT NULL,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "template" (
    "id" UUID NOT NULL,
    "channel_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT 'TRANSACTIONAL',
    "status" "TemplateStatus" NOT NULL DEFAULT 'APPROVED',
    "parameters" TEXT[],
    "content" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "template_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign" (
    "id" UUID NOT NULL,
    "kind" "CampaignKind" NOT NULL DEFAULT 'CAMPAIGN',
    "channel_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "CampaignStatus" NOT NULL,
    "content" JSONB NOT NULL,
    "custom_fields" JSONB NOT NULL DEFAULT '{}',
    "scheduled_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_recipient" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "status" "RecipientStatus" NOT NULL DEFAULT 'PENDING',
    "parameters" JSONB,
    "custom_fields" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "rate_limited_count" INTEGER NOT NULL DEFAULT 0,
    "failure_reason" TEXT,
    "last_error" TEXT,
    "message_external_id" TEXT NOT NULL,
    "thread_external_id" TEXT NOT NULL,
    "cxone_contact_id" TEXT,
    "cxone_thread_id" TEXT,
    "cxone_message_id" TEXT,
    "queued_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaign_recipient_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_rejected_row" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" UUID NOT NULL,
    "row_number" INTEGER NOT NULL,
    "input" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "campaign_rejected_row_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_key_key_hash_key" ON "api_key"("key_hash");

-- CreateIndex
CREATE INDEX "idempotency_record_expires_at_idx" ON "idempotency_record"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "cxone_callback_client_client_id_key" ON "cxone_callback_client"("client_id");

-- CreateIndex
CREATE UNIQUE INDEX "cxone_account_name_key" ON "cxone_account"("name");

-- CreateIndex
CREATE UNIQUE INDEX "channel_account_id_cxone_channel_id_key" ON "channel"("account_id", "cxone_channel_id");

-- CreateIndex
CREATE UNIQUE INDEX "contact_channel_id_address_key" ON "contact"("channel_id", "address");

-- CreateIndex
CREATE INDEX "consent_event_contact_id_occurred_at_idx" ON "consent_event"("contact_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "consent_event_contact_id_external_ref_key" ON "consent_event"("contact_id", "external_ref");

-- CreateIndex
CREATE INDEX "thread_status_last_activity_at_idx" ON "thread"("status", "last_activity_at");

-- CreateIndex
CREATE INDEX "thread_campaign_id_idx" ON "thread"("campaign_id");

-- CreateIndex
CREATE UNIQUE INDEX "thread_channel_id_id_on_external_platform_key" ON "thread"("channel_id", "id_on_external_platform");

-- CreateIndex
CREATE INDEX "message_thread_id_created_at_idx" ON "message"("thread_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "message_channel_id_id_on_external_platform_key" ON "message"("channel_id", "id_on_external_platform");

-- CreateIndex
CREATE UNIQUE INDEX "template_channel_id_name_language_key" ON "template"("channel_id", "name", "language");

-- CreateIndex
CREATE INDEX "campaign_kind_created_at_idx" ON "campaign"("kind", "created_at");

-- CreateIndex
CREATE INDEX "campaign_recipient_campaign_id_status_idx" ON "campaign_recipient"("campaign_id", "status");

-- CreateIndex
CREATE INDEX "campaign_recipient_status_updated_at_idx" ON "campaign_recipient"("status", "updated_at");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_recipient_campaign_id_address_key" ON "campaign_recipient"("campaign_id", "address");

-- CreateIndex
CREATE INDEX "campaign_rejected_row_campaign_id_row_number_idx" ON "campaign_rejected_row"("campaign_id", "row_number");

-- AddForeignKey
ALTER TABLE "idempotency_record" ADD CONSTRAINT "idempotency_record_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_key"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel" ADD CONSTRAINT "channel_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "cxone_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact" ADD CONSTRAINT "contact_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_event" ADD CONSTRAINT "consent_event_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "thread" ADD CONSTRAINT "thread_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "thread" ADD CONSTRAINT "thread_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "thread" ADD CONSTRAINT "thread_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_thread_id_fkey" FOREIGN KEY ("thread_id") REFERENCES "thread"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "template" ADD CONSTRAINT "template_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign" ADD CONSTRAINT "campaign_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_recipient" ADD CONSTRAINT "campaign_recipient_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_rejected_row" ADD CONSTRAINT "campaign_rejected_row_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;

