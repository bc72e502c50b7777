import { Module } from '@nestjs/common';
import { DatabaseNotifications } from './database-notifications';
import { PrismaService } from './prisma.service';

@Module({ providers: [PrismaService, DatabaseNotifications], exports: [PrismaService, DatabaseNotifications] })
export class PrismaModule {}
