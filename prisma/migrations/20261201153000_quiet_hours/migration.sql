-- AlterTable
ALTER TABLE "campaign" ADD COLUMN     "ignore_quiet_hours" BOOLEAN NOT NULL DEFAULT false;

