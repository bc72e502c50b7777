-- AlterEnum
ALTER TYPE "ThreadStatus" ADD VALUE 'REPLIED';

